//! The syntax tree of a template expression.

use std::fmt;

/// A parsed expression node with its 1-based character position in the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// 1-based character position of the node's first character in the expression text
    /// (counting the opening `[` when the text was given in bracketed form).
    pub position: usize,
}

/// The kinds of expression node.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A string literal (quotes removed, `''` unescaped).
    String(String),
    /// An integer literal.
    Int(i64),
    /// A function call; `namespace` is set for user-defined functions (`ns.name(...)`).
    Call {
        namespace: Option<String>,
        name: String,
        args: Vec<Expr>,
    },
    /// `target.name`, or `target?.name` when `safe`.
    Property {
        target: Box<Expr>,
        name: String,
        safe: bool,
    },
    /// `target[index]`, or `target?[index]` when `safe`.
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
}

impl Expr {
    /// The function name if this node is a call (without namespace).
    pub fn call_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Call { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The call arguments if this node is a call.
    pub fn call_args(&self) -> Option<&[Expr]> {
        match &self.kind {
            ExprKind::Call { args, .. } => Some(args),
            _ => None,
        }
    }

    /// True if this is a call of `name` (case-insensitive, no namespace).
    pub fn is_call_of(&self, name: &str) -> bool {
        matches!(&self.kind, ExprKind::Call { namespace: None, name: n, .. } if n.eq_ignore_ascii_case(name))
    }
}

/// Renders the expression back to ARM syntax (without the surrounding brackets).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            ExprKind::Int(i) => write!(f, "{i}"),
            ExprKind::Call {
                namespace,
                name,
                args,
            } => {
                if let Some(ns) = namespace {
                    write!(f, "{ns}.")?;
                }
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            ExprKind::Property { target, name, safe } => {
                write!(f, "{target}{}{name}", if *safe { "?." } else { "." })
            }
            ExprKind::Index {
                target,
                index,
                safe,
            } => write!(f, "{target}{}[{index}]", if *safe { "?" } else { "" }),
        }
    }
}
