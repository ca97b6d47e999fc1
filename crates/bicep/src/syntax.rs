//! A focused Bicep parser: declarations, decorators, object keys, array items and loop/condition
//! wrappers, each with its line and column. Everything else (expressions) is an opaque span.
//!
//! Why not a full grammar: mapping compiled JSON back to Bicep only needs the *shape* of the source
//! (which key, which item, which declaration), and the shape of Bicep has been stable since 0.4 while
//! its expression syntax keeps growing (spreads, lambdas, typed variables, `import`, `extension`).
//! A parser that treats expressions as balanced spans keeps working on syntax newer than itself;
//! what it cannot read it skips to the next top-level declaration and records as an error, so the
//! map degrades to the enclosing declaration instead of a wrong line.

/// A 1-based position in a Bicep file (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// The kind of a top-level (or nested resource) declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Param,
    Var,
    Resource,
    Module,
    Output,
    Type,
    Func,
    Metadata,
    TargetScope,
    /// `import`, `using`, `extension`, `provider`, `test`, `assert`, `extends`: kept for their lines only.
    Other,
}

/// A decorator such as `@description('…')` or `@sys.secure()`.
#[derive(Debug, Clone)]
pub struct Decorator {
    /// Name without namespace (`description` for `@sys.description`).
    pub name: String,
    pub pos: Pos,
    /// The arguments, when they could be read.
    pub args: Vec<Expr>,
}

/// A declaration: `param`, `var`, `resource`, `module`, `output`, ...
#[derive(Debug, Clone)]
pub struct Decl {
    pub kind: DeclKind,
    /// Symbolic name (empty for `targetScope` and nameless statements).
    pub name: String,
    /// Where the keyword starts.
    pub pos: Pos,
    pub decorators: Vec<Decorator>,
    /// The quoted string after the name: `Microsoft.Storage/storageAccounts@2023-01-01` for a
    /// resource, the module path for a module (without quotes).
    pub target: Option<String>,
    /// `resource x '…' existing = …`.
    pub existing: bool,
    /// The value after `=` (or `=>` for a function).
    pub value: Option<Expr>,
    /// Last line of the declaration.
    pub end_line: u32,
}

impl Decl {
    /// The decorator named `name` (`description` also matches `@sys.description`).
    pub fn decorator(&self, name: &str) -> Option<&Decorator> {
        self.decorators.iter().find(|d| d.name == name)
    }

    /// The resource type of a `resource` declaration, without API version.
    pub fn resource_type(&self) -> Option<&str> {
        let target = self.target.as_deref()?;
        Some(target.split('@').next().unwrap_or(target))
    }

    /// The body object of a resource or module, under any `for` / `if` wrappers.
    pub fn body(&self) -> Option<&Expr> {
        self.value.as_ref().map(Expr::unwrap_body)
    }
}

/// An object property `key: value`.
#[derive(Debug, Clone)]
pub struct Property {
    pub key: String,
    pub pos: Pos,
    pub value: Expr,
}

/// A value, structured where the compiled JSON follows its structure.
#[derive(Debug, Clone)]
pub struct Expr {
    pub pos: Pos,
    pub kind: ExprKind,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Object {
        properties: Vec<Property>,
        /// Nested `resource` declarations in a resource body.
        resources: Vec<Decl>,
    },
    Array(Vec<Expr>),
    /// `[for x in xs: body]`.
    For(Box<Expr>),
    /// `if (condition) body`.
    If(Box<Expr>),
    /// Any other expression, kept as its span only.
    Other,
}

impl Expr {
    /// The expression under `for` and `if` wrappers.
    pub fn unwrap_body(&self) -> &Expr {
        match &self.kind {
            ExprKind::For(body) | ExprKind::If(body) => body.unwrap_body(),
            _ => self,
        }
    }

    /// The `if` wrapper's position, when there is one (under a `for` too).
    pub fn condition_pos(&self) -> Option<Pos> {
        match &self.kind {
            ExprKind::If(_) => Some(self.pos),
            ExprKind::For(body) => body.condition_pos(),
            _ => None,
        }
    }

    /// The `for` wrapper's position, when there is one.
    pub fn loop_pos(&self) -> Option<Pos> {
        match &self.kind {
            ExprKind::For(_) => Some(self.pos),
            _ => None,
        }
    }

    /// The property `key` of an object.
    pub fn property(&self, key: &str) -> Option<&Property> {
        match &self.kind {
            ExprKind::Object { properties, .. } => properties.iter().find(|p| p.key == key),
            _ => None,
        }
    }
}

/// A `#disable-next-line` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisableNextLine {
    /// Line of the directive.
    pub line: u32,
    pub column: u32,
    /// The codes it names, e.g. `rolegate-RA008`, `secure-secrets-in-params`.
    pub codes: Vec<String>,
    /// The text after the codes (a `//` comment's text without the slashes), the reason.
    pub reason: String,
}

/// Something the parser could not read; the enclosing declaration is still mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// A parsed Bicep file.
#[derive(Debug, Clone, Default)]
pub struct File {
    pub decls: Vec<Decl>,
    pub directives: Vec<DisableNextLine>,
    pub errors: Vec<SyntaxError>,
}

impl File {
    /// The top-level declaration named `name` of kind `kind`.
    pub fn decl(&self, kind: DeclKind, name: &str) -> Option<&Decl> {
        self.decls.iter().find(|d| d.kind == kind && d.name == name)
    }

    /// The innermost declaration (top-level or nested resource) whose lines hold `line`.
    pub fn enclosing(&self, line: u32) -> Option<&Decl> {
        fn within(decls: &[Decl], line: u32) -> Option<&Decl> {
            let decl = decls.iter().find(|d| {
                let first = d.decorators.first().map_or(d.pos.line, |x| x.pos.line);
                first <= line && line <= d.end_line
            })?;
            if let Some(ExprKind::Object { resources, .. }) = decl.body().map(|b| &b.kind) {
                if let Some(inner) = within(resources, line) {
                    return Some(inner);
                }
            }
            Some(decl)
        }
        within(&self.decls, line)
    }
}

/// Parses Bicep source. Never fails: unreadable parts are skipped and listed in `errors`.
pub fn parse(text: &str) -> File {
    let mut p = Parser::new(text);
    let mut file = File::default();
    loop {
        p.skip_trivia(true);
        if p.at_end() {
            break;
        }
        let start = p.i;
        match p.declaration() {
            Some(decl) => file.decls.push(decl),
            None => {
                p.error_here("cannot read this statement");
                p.i = start;
                p.recover_to_next_statement();
            }
        }
        if p.i == start {
            p.recover_to_next_statement();
        }
    }
    file.directives = std::mem::take(&mut p.directives);
    file.errors = std::mem::take(&mut p.errors);
    file
}

const KEYWORDS: &[&str] = &[
    "param",
    "var",
    "resource",
    "module",
    "output",
    "type",
    "func",
    "metadata",
    "targetScope",
    "import",
    "using",
    "extension",
    "provider",
    "test",
    "assert",
    "extends",
];

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
    line_starts: Vec<usize>,
    directives: Vec<DisableNextLine>,
    errors: Vec<SyntaxError>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Parser {
            text,
            bytes: text.as_bytes(),
            // A byte-order mark is no token (Bicep files written on Windows often start with one).
            i: if text.starts_with('\u{feff}') { 3 } else { 0 },
            line_starts,
            directives: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The text from `from` to `to` (byte offsets); lossy where an offset falls inside a character,
    /// which error recovery can cause (it steps byte by byte).
    fn slice(&self, from: usize, to: usize) -> String {
        let to = to.min(self.bytes.len());
        String::from_utf8_lossy(&self.bytes[from.min(to)..to]).into_owned()
    }

    /// True when the text at the cursor starts with `prefix`.
    fn ahead(&self, prefix: &str) -> bool {
        self.bytes
            .get(self.i..)
            .is_some_and(|rest| rest.starts_with(prefix.as_bytes()))
    }

    /// Byte offset of the next `needle` at or after `from`.
    fn find_from(&self, from: usize, needle: &str) -> Option<usize> {
        let rest = self.bytes.get(from..)?;
        rest.windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .map(|at| from + at)
    }

    /// The character at the cursor (U+FFFD inside a character).
    fn char_here(&self) -> Option<char> {
        let rest = self.bytes.get(self.i..)?;
        let end = rest.len().min(4);
        (1..=end)
            .find_map(|n| std::str::from_utf8(&rest[..n]).ok())
            .and_then(|s| s.chars().next())
            .or(if rest.is_empty() {
                None
            } else {
                Some('\u{fffd}')
            })
    }

    fn at_end(&self) -> bool {
        self.i >= self.bytes.len()
    }

    fn peek(&self) -> u8 {
        self.bytes.get(self.i).copied().unwrap_or(0)
    }

    fn peek_at(&self, offset: usize) -> u8 {
        self.bytes.get(self.i + offset).copied().unwrap_or(0)
    }

    fn pos_of(&self, offset: usize) -> Pos {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Pos {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    fn pos(&self) -> Pos {
        self.pos_of(self.i)
    }

    fn error_here(&mut self, message: &str) {
        let pos = self.pos();
        self.errors.push(SyntaxError {
            pos,
            message: message.to_string(),
        });
    }

    /// Skips spaces, comments and (when `newlines`) line breaks; reads `#disable-next-line`.
    fn skip_trivia(&mut self, newlines: bool) {
        while !self.at_end() {
            match self.peek() {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' if newlines => self.i += 1,
                b'/' if self.peek_at(1) == b'/' => self.skip_line_comment(),
                b'/' if self.peek_at(1) == b'*' => {
                    let end = self
                        .find_from(self.i + 2, "*/")
                        .map_or(self.bytes.len(), |e| e + 2);
                    self.i = end;
                }
                b'#' if newlines => self.directive(),
                _ => break,
            }
        }
    }

    fn skip_line_comment(&mut self) {
        while !self.at_end() && self.peek() != b'\n' {
            self.i += 1;
        }
    }

    /// `#disable-next-line code1 code2 // reason` (or any other `#pragma` line, skipped).
    fn directive(&mut self) {
        let pos = self.pos();
        let start = self.i;
        self.skip_line_comment();
        let line = self.slice(start, self.i);
        let line = line.trim_end();
        let Some(rest) = line.strip_prefix("#disable-next-line") else {
            return;
        };
        let (codes_part, comment) = match rest.find("//") {
            Some(at) => (&rest[..at], rest[at + 2..].trim()),
            None => (rest, ""),
        };
        let mut codes = Vec::new();
        let mut reason_words = Vec::new();
        for word in codes_part.split_whitespace() {
            // Codes come first; the first word that is not code-like starts the reason.
            let code_like = reason_words.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
            if code_like && (word.contains('-') || word.chars().any(|c| c.is_ascii_digit())) {
                codes.push(word.to_string());
            } else {
                reason_words.push(word);
            }
        }
        let mut reason = reason_words.join(" ");
        if !comment.is_empty() {
            if !reason.is_empty() {
                reason.push(' ');
            }
            reason.push_str(comment);
        }
        self.directives.push(DisableNextLine {
            line: pos.line,
            column: pos.column,
            codes,
            reason,
        });
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        while !self.at_end() {
            let b = self.peek();
            if b.is_ascii_alphanumeric() || b == b'_' || (b == b'$' && self.i == start) {
                self.i += 1;
            } else {
                break;
            }
        }
        if self.i == start || self.bytes[start].is_ascii_digit() {
            self.i = start;
            return None;
        }
        Some(self.slice(start, self.i))
    }

    fn keyword_ahead(&self, word: &str) -> bool {
        self.ahead(word)
            && !self
                .bytes
                .get(self.i + word.len())
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    }

    /// Skips to the next line that starts (column 1) with a keyword or a decorator.
    fn recover_to_next_statement(&mut self) {
        loop {
            while !self.at_end() && self.peek() != b'\n' {
                self.i += 1;
            }
            if self.at_end() {
                return;
            }
            self.i += 1;
            if self.peek() == b'@'
                || self.peek() == b'#'
                || KEYWORDS.iter().any(|k| self.keyword_ahead(k))
            {
                return;
            }
        }
    }

    /// Skips a quoted string (`'…'` with escapes and `${…}` holes, or `'''…'''`); returns its text.
    fn string(&mut self) -> Option<String> {
        if self.peek() != b'\'' {
            return None;
        }
        if self.ahead("'''") {
            let body = self.i + 3;
            let end = self.find_from(body, "'''").unwrap_or(self.bytes.len());
            self.i = (end + 3).min(self.bytes.len());
            // `''''` ends a multi-line string with a quote inside: take the extra quotes.
            while self.peek() == b'\'' {
                self.i += 1;
            }
            return Some(self.slice(body, end));
        }
        self.i += 1;
        let mut out = String::new();
        while !self.at_end() {
            match self.peek() {
                b'\\' => {
                    self.i += 1;
                    if let Some(c) = self.char_here() {
                        out.push(c);
                        self.i += if c == '\u{fffd}' { 1 } else { c.len_utf8() };
                    }
                }
                b'\'' => {
                    self.i += 1;
                    return Some(out);
                }
                b'$' if self.peek_at(1) == b'{' => {
                    self.i += 2;
                    out.push_str("${");
                    self.skip_balanced_until(b'}');
                    out.push('}');
                    if self.peek() == b'}' {
                        self.i += 1;
                    }
                }
                b'\n' => return Some(out),
                _ => {
                    let c = self.char_here().unwrap_or(' ');
                    out.push(c);
                    // A replacement character stands for one stray byte.
                    self.i += if c == '\u{fffd}' { 1 } else { c.len_utf8() };
                }
            }
        }
        Some(out)
    }

    /// Skips tokens until `close` at depth 0 (not consumed) or the end.
    fn skip_balanced_until(&mut self, close: u8) {
        let mut stack: Vec<u8> = Vec::new();
        while !self.at_end() {
            let b = self.peek();
            match b {
                b'\'' => {
                    self.string();
                    continue;
                }
                b'/' if self.peek_at(1) == b'/' || self.peek_at(1) == b'*' => {
                    self.skip_trivia(false);
                    continue;
                }
                b'(' | b'[' | b'{' => stack.push(matching(b)),
                b')' | b']' | b'}' => {
                    if stack.is_empty() {
                        if b == close {
                            return;
                        }
                    } else {
                        stack.pop();
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    /// Decorators, then a declaration.
    fn declaration(&mut self) -> Option<Decl> {
        let decorators = self.decorators();
        let pos = self.pos();
        let keyword = self.ident()?;
        let kind = match keyword.as_str() {
            "param" => DeclKind::Param,
            "var" => DeclKind::Var,
            "resource" => DeclKind::Resource,
            "module" => DeclKind::Module,
            "output" => DeclKind::Output,
            "type" => DeclKind::Type,
            "func" => DeclKind::Func,
            "metadata" => DeclKind::Metadata,
            "targetScope" => DeclKind::TargetScope,
            k if KEYWORDS.contains(&k) => DeclKind::Other,
            _ => return None,
        };
        self.skip_trivia(false);
        let header_start = self.i;
        let name = match kind {
            DeclKind::TargetScope | DeclKind::Other => String::new(),
            _ => self.ident().unwrap_or_default(),
        };
        // The header runs to `=` / `=>` at depth 0 or the end of the line.
        let mut target = None;
        let mut existing = false;
        let mut value = None;
        let mut last_word = String::new();
        loop {
            self.skip_trivia(false);
            if self.at_end() || self.peek() == b'\n' {
                break;
            }
            match self.peek() {
                b'\'' => {
                    let s = self.string();
                    if target.is_none() {
                        target = s;
                    }
                }
                b'=' if self.peek_at(1) != b'=' => {
                    self.i += if self.peek_at(1) == b'>' { 2 } else { 1 };
                    self.skip_trivia(true);
                    value = Some(self.expr());
                    break;
                }
                // `extension 'x' with { config } as alias`: the configuration is the value.
                b'{' if kind == DeclKind::Other && last_word == "with" => {
                    let pos = self.pos();
                    value = Some(self.object(pos));
                }
                b'(' | b'[' | b'{' => {
                    let open = self.peek();
                    self.i += 1;
                    self.skip_balanced_until(matching(open));
                    if !self.at_end() {
                        self.i += 1;
                    }
                }
                _ => {
                    if self.keyword_ahead("existing") {
                        existing = true;
                    }
                    match self.ident() {
                        Some(word) => last_word = word,
                        None => self.i += 1,
                    }
                }
            }
        }
        let name = match kind {
            DeclKind::Other => other_name(&self.slice(header_start, self.i)),
            _ => name,
        };
        let end = self
            .i
            .saturating_sub(1)
            .min(self.bytes.len().saturating_sub(1));
        let end_line = self.pos_of(end).line;
        Some(Decl {
            kind,
            name,
            pos,
            decorators,
            target,
            existing,
            value,
            end_line: end_line.max(pos.line),
        })
    }

    fn decorators(&mut self) -> Vec<Decorator> {
        let mut out = Vec::new();
        loop {
            self.skip_trivia(true);
            if self.peek() != b'@' {
                return out;
            }
            let pos = self.pos();
            self.i += 1;
            let mut name = self.ident().unwrap_or_default();
            while self.peek() == b'.' {
                self.i += 1;
                name = self.ident().unwrap_or_default();
            }
            let mut args = Vec::new();
            if self.peek() == b'(' {
                self.i += 1;
                loop {
                    self.skip_trivia(true);
                    if self.at_end() {
                        break;
                    }
                    if self.peek() == b')' {
                        self.i += 1;
                        break;
                    }
                    if self.peek() == b',' {
                        self.i += 1;
                        continue;
                    }
                    let before = self.i;
                    args.push(self.expr());
                    if self.i == before {
                        self.i += 1;
                    }
                }
            }
            out.push(Decorator { name, pos, args });
        }
    }

    /// One expression: object, array, `for`, `if`, or an opaque span that ends at a line break,
    /// comma or closing bracket at depth 0.
    fn expr(&mut self) -> Expr {
        let pos = self.pos();
        match self.peek() {
            b'{' => {
                let expr = self.object(pos);
                self.rest_of_expression();
                expr
            }
            b'[' => {
                let save = self.i;
                self.i += 1;
                self.skip_trivia(true);
                if self.keyword_ahead("for") {
                    self.skip_to_loop_colon();
                    self.skip_trivia(true);
                    let body = self.expr();
                    self.skip_balanced_until(b']');
                    if self.peek() == b']' {
                        self.i += 1;
                    }
                    return Expr {
                        pos,
                        kind: ExprKind::For(Box::new(body)),
                    };
                }
                self.i = save;
                let expr = self.array(pos);
                self.rest_of_expression();
                expr
            }
            _ if self.keyword_ahead("if") => {
                self.i += 2;
                self.skip_trivia(true);
                if self.peek() == b'(' {
                    self.i += 1;
                    self.skip_balanced_until(b')');
                    if self.peek() == b')' {
                        self.i += 1;
                    }
                }
                self.skip_trivia(true);
                let body = self.expr();
                Expr {
                    pos,
                    kind: ExprKind::If(Box::new(body)),
                }
            }
            _ => {
                self.rest_of_expression();
                Expr {
                    pos,
                    kind: ExprKind::Other,
                }
            }
        }
    }

    /// Consumes the rest of an opaque expression (also what follows an object or array, e.g. `.x`).
    fn rest_of_expression(&mut self) {
        while !self.at_end() {
            match self.peek() {
                b'\n' | b',' | b')' | b']' | b'}' => return,
                b'\'' => {
                    self.string();
                }
                b'/' if self.peek_at(1) == b'/' => return,
                b'/' if self.peek_at(1) == b'*' => self.skip_trivia(false),
                b'(' | b'[' | b'{' => {
                    let open = self.peek();
                    self.i += 1;
                    self.skip_balanced_until(matching(open));
                    if !self.at_end() {
                        self.i += 1;
                    }
                }
                _ => self.i += 1,
            }
        }
    }

    /// After `[for`: skips the loop variables and the iterated expression up to its `:`.
    fn skip_to_loop_colon(&mut self) {
        while !self.at_end() {
            match self.peek() {
                b':' => {
                    self.i += 1;
                    return;
                }
                b'\'' => {
                    self.string();
                }
                b'(' | b'[' | b'{' => {
                    let open = self.peek();
                    self.i += 1;
                    self.skip_balanced_until(matching(open));
                    if !self.at_end() {
                        self.i += 1;
                    }
                }
                b']' => return,
                _ => self.i += 1,
            }
        }
    }

    fn object(&mut self, pos: Pos) -> Expr {
        self.i += 1;
        let mut properties = Vec::new();
        let mut resources = Vec::new();
        loop {
            self.skip_trivia(true);
            if self.at_end() {
                self.error_here("unterminated object");
                break;
            }
            match self.peek() {
                b'}' => {
                    self.i += 1;
                    break;
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            let start = self.i;
            let has_decorators = self.peek() == b'@';
            let decorators = if has_decorators {
                self.decorators()
            } else {
                Vec::new()
            };
            if self.keyword_ahead("resource") {
                let save = self.i;
                if let Some(mut decl) = self.declaration() {
                    if decl.kind == DeclKind::Resource && decl.target.is_some() {
                        decl.decorators = decorators;
                        resources.push(decl);
                        continue;
                    }
                }
                self.i = save;
            }
            if self.ahead("...") {
                self.rest_of_expression();
                continue;
            }
            let key_pos = self.pos();
            let key = match self.peek() {
                b'\'' => self.string(),
                _ => self.ident(),
            };
            self.skip_trivia(false);
            match key {
                Some(key) if self.peek() == b':' => {
                    self.i += 1;
                    self.skip_trivia(true);
                    let value = self.expr();
                    properties.push(Property {
                        key,
                        pos: key_pos,
                        value,
                    });
                }
                _ => {
                    self.i = start;
                    self.error_here("cannot read this object property");
                    self.rest_of_expression();
                    if self.i == start {
                        // A stray closing bracket: leave the object here.
                        break;
                    }
                }
            }
        }
        Expr {
            pos,
            kind: ExprKind::Object {
                properties,
                resources,
            },
        }
    }

    fn array(&mut self, pos: Pos) -> Expr {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.skip_trivia(true);
            if self.at_end() {
                self.error_here("unterminated array");
                break;
            }
            match self.peek() {
                b']' => {
                    self.i += 1;
                    break;
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                b')' | b'}' => {
                    self.error_here("unbalanced bracket in array");
                    break;
                }
                _ => {}
            }
            if self.ahead("...") {
                self.rest_of_expression();
                continue;
            }
            let before = self.i;
            items.push(self.expr());
            if self.i == before {
                self.i += 1;
            }
        }
        Expr {
            pos,
            kind: ExprKind::Array(items),
        }
    }
}

/// The name an `extension`/`import`/`provider` statement gives: its alias after `as`, else its
/// first word (without quotes).
fn other_name(header: &str) -> String {
    let words: Vec<&str> = header.split_whitespace().collect();
    let name = match words.iter().position(|w| *w == "as") {
        Some(at) => words.get(at + 1).copied(),
        None => words.first().copied(),
    };
    name.unwrap_or_default()
        .trim_matches(|c| c == '\'' || c == '{' || c == '}')
        .to_string()
}

fn matching(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
targetScope = 'resourceGroup'

@description('The vault')
param vaultName string = 'kv-${uniqueString(resourceGroup().id)}'

#disable-next-line rolegate-RA008 name is fixed by the platform team
resource grant 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deploy) {
  name: guid('x')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')
    principalId: wf.identity.principalId
    list: [
      'a'
      {
        b: 1
      }
    ]
  }
  resource child 'subnets' = {
    name: 'c'
  }
}

module m './modules/grant.bicep' = [for i in range(0, 2): {
  name: 'm${i}'
  params: { x: i, y: '}' }
}]

output id string = grant.id
";

    #[test]
    fn reads_declarations_keys_items_and_wrappers() {
        let file = parse(SAMPLE);
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let kinds: Vec<_> = file
            .decls
            .iter()
            .map(|d| (d.kind, d.name.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (DeclKind::TargetScope, ""),
                (DeclKind::Param, "vaultName"),
                (DeclKind::Resource, "grant"),
                (DeclKind::Module, "m"),
                (DeclKind::Output, "id"),
            ]
        );
        let param = &file.decls[1];
        assert_eq!(param.decorator("description").unwrap().pos.line, 3);
        assert_eq!(param.pos, Pos { line: 4, column: 1 });
        let grant = &file.decls[2];
        assert_eq!(grant.pos.line, 7);
        assert_eq!(
            grant.resource_type(),
            Some("Microsoft.Authorization/roleAssignments")
        );
        assert_eq!(
            grant.value.as_ref().unwrap().condition_pos().unwrap().line,
            7
        );
        let body = grant.body().unwrap();
        let props = body.property("properties").unwrap();
        assert_eq!(props.pos, Pos { line: 9, column: 3 });
        let principal = props.value.property("principalId").unwrap();
        assert_eq!(
            principal.pos,
            Pos {
                line: 11,
                column: 5
            }
        );
        let ExprKind::Array(items) = &props.value.property("list").unwrap().value.kind else {
            panic!("list is an array")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].property("b").unwrap().pos.line, 15);
        let ExprKind::Object { resources, .. } = &body.kind else {
            panic!()
        };
        assert_eq!(resources[0].name, "child");
        assert_eq!(resources[0].pos.line, 19);
        assert_eq!(grant.end_line, 22);
        let module = &file.decls[3];
        assert_eq!(module.target.as_deref(), Some("./modules/grant.bicep"));
        assert!(module.value.as_ref().unwrap().loop_pos().is_some());
        let params = module.body().unwrap().property("params").unwrap();
        assert_eq!(params.value.property("y").unwrap().pos.line, 26);
        assert_eq!(file.decls[4].pos.line, 29);
        assert_eq!(file.enclosing(20).unwrap().name, "child");
        assert_eq!(file.enclosing(12).unwrap().name, "grant");
    }

    #[test]
    fn reads_disable_next_line_codes_and_reason() {
        let file = parse(SAMPLE);
        assert_eq!(
            file.directives,
            vec![DisableNextLine {
                line: 6,
                column: 1,
                codes: vec!["rolegate-RA008".into()],
                reason: "name is fixed by the platform team".into(),
            }]
        );
        let bicep_style =
            parse("#disable-next-line secure-secrets-in-params // demo only\nparam pwd string\n");
        assert_eq!(
            bicep_style.directives[0].codes,
            vec!["secure-secrets-in-params"]
        );
        assert_eq!(bicep_style.directives[0].reason, "demo only");
    }

    #[test]
    fn unreadable_statements_are_skipped_to_the_next_declaration() {
        let file = parse("param a string\n%%% nonsense {\nvar b = {\n  c: 1\n}\n");
        assert_eq!(file.errors.len(), 1);
        assert_eq!(file.errors[0].pos.line, 2);
        assert_eq!(file.decl(DeclKind::Var, "b").unwrap().pos.line, 3);
        let b = file.decl(DeclKind::Var, "b").unwrap();
        assert_eq!(b.value.as_ref().unwrap().property("c").unwrap().pos.line, 4);
    }
}

#[cfg(test)]
mod robustness {
    use super::*;

    #[test]
    fn never_panics_on_any_truncation_of_unicode_and_broken_input() {
        let text = "@description('Zoë ☃ ${x}')\nparam ünïcode string = 'ü'\nresource r 'T@1' = {\n  ключ: { ☃: [ 'é', ü ] }\n  bad ☃☃ ]]] }}} \n  '''\nmulti ☃\n'''\n  /* ☃ */ x: é\n}\nvar é = [for ☃ in é: {}]\n#disable-next-line ☃ rolegate-RA008\n";
        for (end, _) in text.char_indices() {
            let file = parse(&text[..end]);
            assert!(file.decls.len() <= 4, "{:?}", file.decls);
        }
        assert_eq!(
            parse(text)
                .decl(DeclKind::Resource, "r")
                .map(|d| d.pos.line),
            Some(3)
        );
    }
}
