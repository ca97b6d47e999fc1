//! From a compiled template's JSON pointers back to the Bicep lines that produced them.
//!
//! The map follows what `bicep build` does: a parameter comes from its `param` line (its `type` from
//! `@secure()`, its `metadata.description` from `@description`), a resource's `type`, `apiVersion`,
//! `name`, `scope` and `dependsOn` from its `resource` line, its `condition` from the `if`, each
//! property from the line of its key, each array item from its own line, a module's parameters from
//! the keys of `params`. A module's nested template maps into the module's own file when it is a
//! local `.bicep` file, else (registry `br:`/`ts:` modules, JSON modules, unreadable files) to the
//! `module` line. Whatever the source does not explain inherits the position of the nearest value
//! that it does, so the map degrades to the enclosing property or declaration, never to a wrong line.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use arm::Document;
use serde::Serialize;
use serde_json::Value;

use crate::syntax::{self, Decl, DeclKind, Expr, ExprKind, File, Pos};

/// A position in a Bicep file (the type `arm::Location::bicep` holds).
pub use arm::SourcePosition as BicepPosition;

/// One JSON value of the compiled template and the Bicep position that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// RFC 6901 pointer of the value.
    pub pointer: String,
    /// 1-based line where the value starts in the template.
    pub json_line: u32,
    /// `None` only where no Bicep line produced the value (`contentVersion`, `_generator`).
    pub bicep: Option<BicepPosition>,
    /// The line in the root `.bicep` file: `bicep.line`, or for a value inside a module's file the
    /// line of the root file's `module` declaration that leads there (what the compiler's own
    /// source map records).
    #[serde(skip)]
    pub root_line: Option<u32>,
}

/// The source map of one compiled template.
#[derive(Debug, Clone, Serialize)]
pub struct SourceMap {
    /// The compiled template, as given.
    pub template: String,
    /// The root `.bicep` file, as given.
    pub bicep: String,
    /// One entry per JSON value, in document order.
    pub entries: Vec<Entry>,
    /// Bicep files read (root first) and what could not be read in them.
    #[serde(skip)]
    pub files: Vec<ParsedFile>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

/// A Bicep file the map read.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// As shown in positions.
    pub name: String,
    pub syntax: Arc<File>,
}

/// Why a source map could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
}

impl SourceMap {
    /// Maps every value of `template` (a compiled template) to `bicep` (its root source file) and
    /// the local modules it calls.
    pub fn build(template: &Document, bicep: &Path) -> Result<SourceMap, MapError> {
        let text = std::fs::read_to_string(bicep).map_err(|e| MapError::Io {
            file: bicep.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(SourceMap::from_source(template, bicep, &text))
    }

    /// Like [`SourceMap::build`] with the root file's text given; modules are read from disk
    /// relative to `bicep`.
    pub fn from_source(template: &Document, bicep: &Path, text: &str) -> SourceMap {
        let mut mapper = Mapper {
            doc: template,
            entries: Vec::new(),
            files: Vec::new(),
            loaded: HashMap::new(),
        };
        let root = mapper.add_file(bicep.to_path_buf(), syntax::parse(text));
        let ctx = Ctx {
            file: root,
            root_line: None,
        };
        mapper.template(&template.value, "", &ctx, None, 0);
        mapper.load_function_variables(&template.value);
        let index = mapper
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.pointer.clone(), i))
            .collect();
        SourceMap {
            template: template.file_name(),
            bicep: bicep.display().to_string(),
            entries: mapper.entries,
            files: mapper.files,
            index,
        }
    }

    /// The Bicep position of the value at `pointer`, or of its nearest ancestor that has one.
    pub fn locate(&self, pointer: &str) -> Option<&BicepPosition> {
        let mut p = pointer;
        loop {
            if let Some(found) = self
                .index
                .get(p)
                .and_then(|&i| self.entries[i].bicep.as_ref())
            {
                return Some(found);
            }
            if p.is_empty() {
                return None;
            }
            p = p.rfind('/').map_or("", |at| &p[..at]);
        }
    }

    /// The entry of exactly `pointer`.
    pub fn entry(&self, pointer: &str) -> Option<&Entry> {
        self.index.get(pointer).map(|&i| &self.entries[i])
    }

    /// The parsed root file.
    pub fn root(&self) -> &File {
        &self.files[0].syntax
    }
}

/// Where a template being mapped comes from.
#[derive(Clone)]
struct Ctx {
    /// Index into `Mapper::files`.
    file: usize,
    /// For a module's file: the root line of the module declaration.
    root_line: Option<u32>,
}

/// A position a value maps to.
#[derive(Clone)]
struct Target {
    file: usize,
    pos: Pos,
    root_line: u32,
}

/// Nesting bound for module files that call each other.
const MAX_MODULE_DEPTH: usize = 32;

struct Mapper<'a> {
    doc: &'a Document,
    entries: Vec<Entry>,
    files: Vec<ParsedFile>,
    loaded: HashMap<PathBuf, Option<usize>>,
}

impl Mapper<'_> {
    fn add_file(&mut self, path: PathBuf, syntax: File) -> usize {
        self.files.push(ParsedFile {
            name: path.display().to_string(),
            syntax: Arc::new(syntax),
        });
        let index = self.files.len() - 1;
        self.loaded.insert(path, Some(index));
        index
    }

    fn syntax(&self, ctx: &Ctx) -> Arc<File> {
        self.files[ctx.file].syntax.clone()
    }

    fn at(&self, ctx: &Ctx, pos: Pos) -> Target {
        Target {
            file: ctx.file,
            pos,
            root_line: ctx.root_line.unwrap_or(pos.line),
        }
    }

    /// `variables.$fxv#N`: the text a `load*()` call inside an interpolation, object or array
    /// loaded. It comes from the line of that call, which is where the value that reads
    /// `variables('$fxv#N')` (in the same template) maps.
    fn load_function_variables(&mut self, root: &Value) {
        let targets: Vec<(usize, String, String)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let (scope, name) = e.pointer.rsplit_once("/variables/")?;
                name.starts_with("$fxv#")
                    .then(|| (i, scope.to_string(), name.to_string()))
            })
            .collect();
        if targets.is_empty() {
            return;
        }
        let mut strings: Vec<(String, &str)> = Vec::new();
        collect_strings(root, String::new(), &mut strings);
        let index: HashMap<String, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.pointer.clone(), i))
            .collect();
        for (i, scope, name) in targets {
            let reference = format!("variables('{name}')");
            let user = strings.iter().find(|(pointer, text)| {
                text.contains(&reference)
                    && pointer.starts_with(&scope)
                    && !pointer[scope.len()..].contains("/template/")
            });
            let Some(found) = user
                .and_then(|(pointer, _)| index.get(pointer))
                .and_then(|&u| self.entries[u].bicep.clone().zip(self.entries[u].root_line))
            else {
                continue;
            };
            let prefix = self.entries[i].pointer.clone();
            for entry in self.entries.iter_mut().skip(i) {
                if entry.pointer != prefix && !entry.pointer.starts_with(&format!("{prefix}/")) {
                    break;
                }
                entry.bicep = Some(found.0.clone());
                entry.root_line = Some(found.1);
            }
        }
    }

    fn emit(&mut self, pointer: &str, at: Option<&Target>) {
        let json_line = self.doc.locate(pointer).line;
        let bicep = at.map(|t| BicepPosition {
            file: self.files[t.file].name.clone(),
            line: t.pos.line,
            column: t.pos.column,
        });
        self.entries.push(Entry {
            pointer: pointer.to_string(),
            json_line,
            bicep,
            root_line: at.map(|t| t.root_line),
        });
    }

    /// The value and everything under it map to `at`.
    fn tree(&mut self, value: &Value, pointer: &str, at: Option<&Target>) {
        self.emit(pointer, at);
        for (key, child) in children(value) {
            self.tree(child, &join(pointer, &key), at);
        }
    }

    /// A whole template (root or a module's nested one); unexplained values map to `default`.
    fn template(
        &mut self,
        value: &Value,
        pointer: &str,
        ctx: &Ctx,
        default: Option<&Target>,
        depth: usize,
    ) {
        let file = self.syntax(ctx);
        self.emit(pointer, default);
        let Some(object) = value.as_object() else {
            return;
        };
        for (key, child) in object {
            let p = join(pointer, key);
            match key.as_str() {
                "$schema" => {
                    let at = file
                        .decls
                        .iter()
                        .find(|d| d.kind == DeclKind::TargetScope)
                        .map(|d| self.at(ctx, d.pos));
                    self.tree(child, &p, at.as_ref().or(default));
                }
                "parameters" => {
                    self.emit(&p, default);
                    for (name, param) in children(child) {
                        let pp = join(&p, &name);
                        match file.decl(DeclKind::Param, &name) {
                            Some(decl) => self.param(param, &pp, decl, ctx),
                            None => self.tree(param, &pp, default),
                        }
                    }
                }
                "variables" => {
                    self.emit(&p, default);
                    for (name, var) in children(child) {
                        let vp = join(&p, &name);
                        if name == "copy" && var.is_array() {
                            self.variable_loops(var, &vp, &file, ctx, default);
                            continue;
                        }
                        match file.decl(DeclKind::Var, &name) {
                            Some(decl) => self.declared_value(var, &vp, decl, ctx),
                            None => self.tree(var, &vp, default),
                        }
                    }
                }
                "resources" => {
                    self.emit(&p, default);
                    self.resources(child, &p, &file, ctx, default, depth);
                }
                "outputs" => {
                    self.emit(&p, default);
                    for (name, output) in children(child) {
                        let op = join(&p, &name);
                        match file.decl(DeclKind::Output, &name) {
                            Some(decl) => self.output(output, &op, decl, ctx),
                            None => self.tree(output, &op, default),
                        }
                    }
                }
                "definitions" => {
                    self.emit(&p, default);
                    for (name, def) in children(child) {
                        let dp = join(&p, &name);
                        match file.decl(DeclKind::Type, &name) {
                            Some(decl) => match &decl.value {
                                Some(expr) => self.type_value(def, &dp, expr, decl.pos, ctx),
                                None => self.tree(def, &dp, Some(&self.at(ctx, decl.pos))),
                            },
                            None => self.tree(def, &dp, default),
                        }
                    }
                }
                "extensions" | "imports" => {
                    self.emit(&p, default);
                    for (name, ext) in children(child) {
                        let ep = join(&p, &name);
                        match file.decl(DeclKind::Other, &name) {
                            Some(decl) => self.extension(ext, &ep, decl, ctx),
                            None => self.tree(ext, &ep, default),
                        }
                    }
                }
                "functions" => {
                    self.emit(&p, default);
                    for (i, namespace) in children(child) {
                        let np = join(&p, &i);
                        self.emit(&np, default);
                        for (k, v) in children(namespace) {
                            let kp = join(&np, &k);
                            if k != "members" {
                                self.tree(v, &kp, default);
                                continue;
                            }
                            self.emit(&kp, default);
                            for (name, member) in children(v) {
                                let mp = join(&kp, &name);
                                match file.decl(DeclKind::Func, &name) {
                                    Some(decl) => self.function(member, &mp, decl, ctx),
                                    None => self.tree(member, &mp, default),
                                }
                            }
                        }
                    }
                }
                "metadata" => {
                    self.emit(&p, default);
                    for (name, meta) in children(child) {
                        let mp = join(&p, &name);
                        if name.starts_with("__bicep_exported") && meta.is_array() {
                            self.exports(meta, &mp, &file, ctx, default);
                            continue;
                        }
                        match file.decl(DeclKind::Metadata, &name) {
                            Some(decl) => self.declared_value(meta, &mp, decl, ctx),
                            None => self.tree(meta, &mp, default),
                        }
                    }
                }
                _ => self.tree(child, &p, default),
            }
        }
    }

    /// `metadata.__bicep_exported_variables!` and the like: one item per `@export()` declaration.
    fn exports(
        &mut self,
        value: &Value,
        pointer: &str,
        file: &File,
        ctx: &Ctx,
        default: Option<&Target>,
    ) {
        self.emit(pointer, default);
        for (i, item) in children(value) {
            let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
            let at = file
                .decls
                .iter()
                .find(|d| d.name == name && d.decorator("export").is_some())
                .map(|d| self.at(ctx, d.pos));
            self.tree(item, &join(pointer, &i), at.as_ref().or(default));
        }
    }

    /// An extension: its `config` keys come from the `with { … }` object, each with a
    /// `defaultValue`.
    fn extension(&mut self, value: &Value, pointer: &str, decl: &Decl, ctx: &Ctx) {
        let base = self.at(ctx, decl.pos);
        self.emit(pointer, Some(&base));
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            match (&*key, &decl.value) {
                ("config", Some(config)) => {
                    self.wrapped(child, &p, config, &base, "defaultValue", false, ctx)
                }
                _ => self.tree(child, &p, Some(&base)),
            }
        }
    }

    /// `{key: {<wrapper>: value}}` in JSON for `{key: value}` in Bicep (extension configs,
    /// module extension configs); `key_at_property`: the key's object maps to the Bicep key's
    /// line, else to `at`.
    #[allow(clippy::too_many_arguments)]
    fn wrapped(
        &mut self,
        value: &Value,
        pointer: &str,
        object: &Expr,
        at: &Target,
        wrapper: &str,
        key_at_property: bool,
        ctx: &Ctx,
    ) {
        self.emit(pointer, Some(at));
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            let Some(prop) = object.property(&key) else {
                self.tree(child, &p, Some(at));
                continue;
            };
            let here = self.at(ctx, prop.pos);
            self.emit(&p, Some(if key_at_property { &here } else { at }));
            for (k, v) in children(child) {
                let vp = join(&p, &k);
                if k == wrapper {
                    self.value(v, &vp, &prop.value, prop.pos, ctx);
                } else {
                    self.tree(v, &vp, Some(&here));
                }
            }
        }
    }

    /// A user-defined function: its body's structure maps into `output.value`.
    fn function(&mut self, value: &Value, pointer: &str, decl: &Decl, ctx: &Ctx) {
        let base = self.at(ctx, decl.pos);
        self.emit(pointer, Some(&base));
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            match (&*key, &decl.value) {
                ("output", Some(expr)) => {
                    self.emit(&p, Some(&base));
                    for (k, v) in children(child) {
                        let vp = join(&p, &k);
                        if k == "value" {
                            self.value(v, &vp, expr, expr.pos, ctx);
                        } else {
                            self.tree(v, &vp, Some(&base));
                        }
                    }
                }
                _ => self.tree(child, &p, Some(&base)),
            }
        }
    }

    /// A type: `{type: object, properties: {k: …}}` follows the Bicep object type's keys,
    /// `items` an array type's element.
    fn type_value(&mut self, value: &Value, pointer: &str, expr: &Expr, pos: Pos, ctx: &Ctx) {
        let at = self.at(ctx, pos);
        self.emit(pointer, Some(&at));
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            match (&*key, &expr.kind) {
                ("properties", ExprKind::Object { .. }) => {
                    self.emit(&p, Some(&at));
                    for (name, prop_type) in children(child) {
                        let pp = join(&p, &name);
                        match expr.property(&name) {
                            Some(prop) => {
                                self.type_value(prop_type, &pp, &prop.value, prop.pos, ctx)
                            }
                            None => self.tree(prop_type, &pp, Some(&at)),
                        }
                    }
                }
                _ => self.tree(child, &p, Some(&at)),
            }
        }
    }

    fn param(&mut self, value: &Value, pointer: &str, decl: &Decl, ctx: &Ctx) {
        let base = self.at(ctx, decl.pos);
        self.emit(pointer, Some(&base));
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            let decorator = |name: &str| decl.decorator(name).map(|d| self.at(ctx, d.pos));
            match &*key {
                "type" => {
                    let secure = child
                        .as_str()
                        .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"));
                    let at = if secure { decorator("secure") } else { None };
                    self.tree(child, &p, Some(at.as_ref().unwrap_or(&base)));
                }
                "defaultValue" => match &decl.value {
                    Some(expr) => self.value(child, &p, expr, expr.pos, ctx),
                    None => self.tree(child, &p, Some(&base)),
                },
                "metadata" => self.metadata(child, &p, decl, ctx, &base),
                "allowedValues" | "minValue" | "maxValue" | "minLength" | "maxLength" => {
                    let name = match &*key {
                        "allowedValues" => "allowed",
                        other => other,
                    };
                    match decl.decorator(name) {
                        Some(d) => {
                            let at = d.pos;
                            match d.args.first() {
                                Some(arg) => self.value(child, &p, arg, at, ctx),
                                None => self.tree(child, &p, Some(&self.at(ctx, at))),
                            }
                        }
                        None => self.tree(child, &p, Some(&base)),
                    }
                }
                _ => self.tree(child, &p, Some(&base)),
            }
        }
    }

    /// `metadata` of a parameter, output, resource or module: `description` from `@description`,
    /// other keys from `@metadata({...})`.
    fn metadata(&mut self, value: &Value, pointer: &str, decl: &Decl, ctx: &Ctx, base: &Target) {
        self.emit(pointer, Some(base));
        let meta_arg = decl.decorator("metadata").and_then(|d| d.args.first());
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            if key == "description" {
                if let Some(d) = decl.decorator("description") {
                    let at = self.at(ctx, d.pos);
                    self.tree(child, &p, Some(&at));
                    continue;
                }
            }
            match meta_arg.and_then(|arg| arg.property(&key)) {
                Some(prop) => self.value(child, &p, &prop.value, prop.pos, ctx),
                None => self.tree(child, &p, Some(base)),
            }
        }
    }

    /// A variable's or metadata's value: the declaration line, then the value's structure.
    fn declared_value(&mut self, value: &Value, pointer: &str, decl: &Decl, ctx: &Ctx) {
        match &decl.value {
            Some(expr) => self.value(value, pointer, expr, decl.pos, ctx),
            None => self.tree(value, pointer, Some(&self.at(ctx, decl.pos))),
        }
    }

    /// `variables.copy`: one `{name, count, input}` per `var x = [for …]`.
    fn variable_loops(
        &mut self,
        value: &Value,
        pointer: &str,
        file: &File,
        ctx: &Ctx,
        default: Option<&Target>,
    ) {
        self.emit(pointer, default);
        for (i, item) in children(value) {
            let ip = join(pointer, &i);
            let decl = item
                .get("name")
                .and_then(Value::as_str)
                .and_then(|n| file.decl(DeclKind::Var, n));
            match decl {
                Some(decl) => self.loop_item(item, &ip, decl.pos, decl.value.as_ref(), ctx),
                None => self.tree(item, &ip, default),
            }
        }
    }

    /// A `{name, count, input}` copy item made from a `[for …]` at `pos`.
    fn loop_item(&mut self, item: &Value, pointer: &str, pos: Pos, expr: Option<&Expr>, ctx: &Ctx) {
        let at = self.at(ctx, pos);
        self.emit(pointer, Some(&at));
        for (key, child) in children(item) {
            let p = join(pointer, &key);
            match (&*key, expr.map(|e| &e.kind)) {
                ("input", Some(ExprKind::For(body))) => {
                    let body = body.unwrap_body();
                    self.value(child, &p, body, body.pos, ctx)
                }
                _ => self.tree(child, &p, Some(&at)),
            }
        }
    }

    /// A value whose source is `expr`; the value itself maps to `pos` (its key's line for a
    /// property, the item's line for an array item, the declaration's line for a variable).
    fn value(&mut self, value: &Value, pointer: &str, expr: &Expr, pos: Pos, ctx: &Ctx) {
        let at = self.at(ctx, pos);
        self.emit(pointer, Some(&at));
        match (&expr.kind, value) {
            (ExprKind::Object { .. }, Value::Object(map)) => {
                for (key, child) in map {
                    let p = join(pointer, key);
                    if key == "copy" && expr.property("copy").is_none() && child.is_array() {
                        self.property_loops(child, &p, expr, &at, ctx);
                        continue;
                    }
                    match expr.property(key) {
                        Some(prop) => self.value(child, &p, &prop.value, prop.pos, ctx),
                        None => self.tree(child, &p, Some(&at)),
                    }
                }
            }
            (ExprKind::Array(items), Value::Array(values)) => {
                for (i, child) in values.iter().enumerate() {
                    let p = join(pointer, &i.to_string());
                    match items.get(i) {
                        Some(item) if items.len() == values.len() => {
                            self.value(child, &p, item, item.pos, ctx)
                        }
                        _ => self.tree(child, &p, Some(&at)),
                    }
                }
            }
            _ => {
                for (key, child) in children(value) {
                    self.tree(child, &join(pointer, &key), Some(&at));
                }
            }
        }
    }

    /// A `copy` array inside an object: property loops (`prop: [for …]`).
    fn property_loops(
        &mut self,
        value: &Value,
        pointer: &str,
        object: &Expr,
        at: &Target,
        ctx: &Ctx,
    ) {
        self.emit(pointer, Some(at));
        for (i, item) in children(value) {
            let ip = join(pointer, &i);
            let prop = item
                .get("name")
                .and_then(Value::as_str)
                .and_then(|n| object.property(n));
            match prop {
                Some(prop) => self.loop_item(item, &ip, prop.pos, Some(&prop.value), ctx),
                None => self.tree(item, &ip, Some(at)),
            }
        }
    }

    fn output(&mut self, value: &Value, pointer: &str, decl: &Decl, ctx: &Ctx) {
        let base = self.at(ctx, decl.pos);
        self.emit(pointer, Some(&base));
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            match (&*key, &decl.value) {
                ("value", Some(expr)) => self.value(child, &p, expr, expr.pos, ctx),
                ("metadata", _) => self.metadata(child, &p, decl, ctx, &base),
                ("copy", Some(expr)) => {
                    let pos = expr.loop_pos().unwrap_or(decl.pos);
                    self.loop_item(child, &p, pos, Some(expr), ctx)
                }
                _ => self.tree(child, &p, Some(&base)),
            }
        }
    }

    fn resources(
        &mut self,
        value: &Value,
        pointer: &str,
        file: &File,
        ctx: &Ctx,
        default: Option<&Target>,
        depth: usize,
    ) {
        match value {
            Value::Object(map) => {
                for (symbol, resource) in map {
                    let p = join(pointer, symbol);
                    match find_symbolic(file, symbol) {
                        Some(decl) => self.resource(resource, &p, decl, ctx, depth),
                        None => self.tree(resource, &p, default),
                    }
                }
            }
            Value::Array(items) => {
                let mut candidates = Vec::new();
                flatten(&file.decls, None, &mut candidates);
                let mut used = vec![false; candidates.len()];
                for (i, resource) in items.iter().enumerate() {
                    let p = join(pointer, &i.to_string());
                    match pick(resource, &candidates, &mut used) {
                        Some(decl) => self.resource(resource, &p, decl, ctx, depth),
                        None => self.tree(resource, &p, default),
                    }
                }
            }
            other => self.tree(other, pointer, default),
        }
    }

    fn resource(&mut self, value: &Value, pointer: &str, decl: &Decl, ctx: &Ctx, depth: usize) {
        let base = self.at(ctx, decl.pos);
        self.emit(pointer, Some(&base));
        let body = decl.body();
        let is_module = decl.kind == DeclKind::Module;
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            let property = body.and_then(|b| b.property(&key));
            match &*key {
                "condition" => {
                    let at = decl
                        .value
                        .as_ref()
                        .and_then(Expr::condition_pos)
                        .map(|pos| self.at(ctx, pos));
                    self.tree(child, &p, Some(at.as_ref().unwrap_or(&base)));
                }
                "copy" => {
                    let at = decl
                        .value
                        .as_ref()
                        .and_then(Expr::loop_pos)
                        .map_or_else(|| base.clone(), |pos| self.at(ctx, pos));
                    // `mode` and `batchSize` too: the compiler maps them to the `for`, not to
                    // `@batchSize`.
                    self.tree(child, &p, Some(&at));
                }
                "metadata" if property.is_none() => self.metadata(child, &p, decl, ctx, &base),
                "name" if is_module => match property {
                    Some(prop) => self.value(child, &p, &prop.value, prop.pos, ctx),
                    None => self.tree(child, &p, Some(&base)),
                },
                "type" | "apiVersion" | "name" | "scope" | "dependsOn" | "existing" => {
                    self.tree(child, &p, Some(&base))
                }
                "properties" if is_module => self.module_properties(child, &p, decl, ctx, depth),
                _ => match property {
                    Some(prop) => self.value(child, &p, &prop.value, prop.pos, ctx),
                    None => self.tree(child, &p, Some(&base)),
                },
            }
        }
    }

    fn module_properties(
        &mut self,
        value: &Value,
        pointer: &str,
        decl: &Decl,
        ctx: &Ctx,
        depth: usize,
    ) {
        let base = self.at(ctx, decl.pos);
        self.emit(pointer, Some(&base));
        let params = decl.body().and_then(|b| b.property("params"));
        for (key, child) in children(value) {
            let p = join(pointer, &key);
            match &*key {
                "parameters" => {
                    let at = params.map_or_else(|| base.clone(), |prop| self.at(ctx, prop.pos));
                    self.emit(&p, Some(&at));
                    for (name, param) in children(child) {
                        let pp = join(&p, &name);
                        let Some(prop) = params.and_then(|ps| ps.value.property(&name)) else {
                            self.tree(param, &pp, Some(&at));
                            continue;
                        };
                        let here = self.at(ctx, prop.pos);
                        self.emit(&pp, Some(&here));
                        for (k, v) in children(param) {
                            let vp = join(&pp, &k);
                            if k == "value" {
                                self.value(v, &vp, &prop.value, prop.pos, ctx);
                            } else {
                                self.tree(v, &vp, Some(&here));
                            }
                        }
                    }
                }
                "extensionConfigs" => {
                    match decl.body().and_then(|b| b.property("extensionConfigs")) {
                        Some(configs) => {
                            let at = self.at(ctx, configs.pos);
                            self.emit(&p, Some(&at));
                            for (alias, config) in children(child) {
                                let ap = join(&p, &alias);
                                match configs.value.property(&alias) {
                                    Some(prop) => {
                                        let here = self.at(ctx, prop.pos);
                                        self.wrapped(
                                            config,
                                            &ap,
                                            &prop.value,
                                            &here,
                                            "value",
                                            true,
                                            ctx,
                                        )
                                    }
                                    None => self.tree(config, &ap, Some(&at)),
                                }
                            }
                        }
                        None => self.tree(child, &p, Some(&base)),
                    }
                }
                "template" => match self.module_file(decl, ctx, depth) {
                    Some(inner) => self.template(child, &p, &inner, Some(&base), depth + 1),
                    None => self.tree(child, &p, Some(&base)),
                },
                _ => self.tree(child, &p, Some(&base)),
            }
        }
    }

    /// The context of a module's own file: a local `.bicep` path that can be read.
    fn module_file(&mut self, decl: &Decl, ctx: &Ctx, depth: usize) -> Option<Ctx> {
        if depth >= MAX_MODULE_DEPTH {
            return None;
        }
        let target = decl.target.as_deref()?;
        if target.contains(':') || !target.to_ascii_lowercase().ends_with(".bicep") {
            return None;
        }
        let here = PathBuf::from(&self.files[ctx.file].name);
        let path = normalize(&here.parent().unwrap_or(Path::new("")).join(target));
        let index = match self.loaded.get(&path) {
            Some(known) => *known,
            None => {
                let parsed = std::fs::read_to_string(&path)
                    .ok()
                    .map(|t| syntax::parse(&t));
                match parsed {
                    Some(file) => Some(self.add_file(path.clone(), file)),
                    None => {
                        self.loaded.insert(path, None);
                        None
                    }
                }
            }
        }?;
        Some(Ctx {
            file: index,
            root_line: Some(ctx.root_line.unwrap_or(decl.pos.line)),
        })
    }
}

/// `a/./b/../c` → `a/c`, keeping leading `..` (paths stay as the user would type them).
fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// A symbolic-name key (`parent::child::grandchild`) → its declaration.
fn find_symbolic<'f>(file: &'f File, symbol: &str) -> Option<&'f Decl> {
    let mut parts = symbol.split("::");
    let first = parts.next()?;
    let mut decl = file
        .decls
        .iter()
        .find(|d| matches!(d.kind, DeclKind::Resource | DeclKind::Module) && d.name == first)?;
    for part in parts {
        let ExprKind::Object { resources, .. } = &decl.body()?.kind else {
            return None;
        };
        decl = resources.iter().find(|d| d.name == part)?;
    }
    Some(decl)
}

/// Resources and modules in declaration order (nested after their parent), with full types.
fn flatten<'f>(decls: &'f [Decl], parent: Option<&str>, out: &mut Vec<(String, &'f Decl)>) {
    for decl in decls {
        let full_type = match decl.kind {
            DeclKind::Module => "Microsoft.Resources/deployments".to_string(),
            DeclKind::Resource => {
                let own = decl.resource_type().unwrap_or_default();
                match parent {
                    Some(parent) if !own.contains('/') => format!("{parent}/{own}"),
                    _ => own.to_string(),
                }
            }
            _ => continue,
        };
        if !decl.existing {
            out.push((full_type.clone(), decl));
        }
        if let Some(ExprKind::Object { resources, .. }) = decl.body().map(|b| &b.kind) {
            flatten(resources, Some(&full_type), out);
        }
    }
}

/// The declaration of a classic (array) template's resource: the first unused one of the same
/// type (Bicep writes resources in declaration order, nested ones after their parent).
fn pick<'f>(
    resource: &Value,
    candidates: &[(String, &'f Decl)],
    used: &mut [bool],
) -> Option<&'f Decl> {
    let resource_type = resource.get("type").and_then(Value::as_str)?;
    let index = candidates
        .iter()
        .enumerate()
        .position(|(i, (t, _))| !used[i] && t.eq_ignore_ascii_case(resource_type))?;
    used[index] = true;
    Some(candidates[index].1)
}

/// Every string value with its pointer (only strings that mention `$fxv#`, the only ones asked for).
fn collect_strings<'v>(value: &'v Value, pointer: String, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::String(text) if text.contains("$fxv#") => out.push((pointer, text)),
        Value::Object(_) | Value::Array(_) => {
            for (key, child) in children(value) {
                collect_strings(child, join(&pointer, &key), out);
            }
        }
        _ => {}
    }
}

/// Object members and array items with their pointer segments.
fn children(value: &Value) -> Vec<(Cow<'_, str>, &Value)> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Cow::Owned(i.to_string()), v))
            .collect(),
        _ => Vec::new(),
    }
}

fn join(pointer: &str, segment: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
    out.push_str(pointer);
    out.push('/');
    // Most segments need no escaping: skip the two `replace` passes for them.
    if segment.contains(['~', '/']) {
        out.push_str(&arm::source::escape_pointer_segment(segment));
    } else {
        out.push_str(segment);
    }
    out
}
