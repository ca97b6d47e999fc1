//! From policy text to a [`Policy`]: YAML with positions, JSON Schema validation, typed reading,
//! then compilation of globs, roles and dates. Every problem becomes a [`Diagnostic`] at
//! file:line:column.

use std::sync::Arc;

use arm::Location;

use crate::date::Date;
use crate::error::{Diagnostic, DiagnosticKind, PolicyError};
use crate::glob::Pattern;
use crate::model::{IdentityKind, PolicyFile, ScopeLevel, UnresolvedMode};
use crate::node::{self, PosIndex};
use crate::policy::{
    Exception, ExternalPrincipal, GrantRule, IdentityRule, Policy, RoleSpec, Selector, Setting,
    SeverityOverride, WorkloadRule,
};
use crate::schema;
use crate::spanned::{Pos, Spanned};

/// Roles denied when the policy does not say: Microsoft's privileged administrator roles.
pub const DEFAULT_DENIED_ROLES: [&str; 4] = [
    "Owner",
    "Contributor",
    "User Access Administrator",
    "Role Based Access Control Administrator",
];

/// Scope level allowed when the policy does not say.
pub const DEFAULT_MAX_SCOPE: ScopeLevel = ScopeLevel::ResourceGroup;

/// Treatment of unresolved values when the policy does not say.
pub const DEFAULT_UNRESOLVED: UnresolvedMode = UnresolvedMode::Fail;

struct Ctx<'a> {
    file: &'a str,
    index: &'a PosIndex,
    diagnostics: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn location(&self, pos: Pos) -> Location {
        Location {
            file: self.file.to_owned(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            pointer: self.index.pointer_at(pos),
            bicep: None,
        }
    }

    fn at_pointer(&self, pointer: &str, key: bool) -> Location {
        let pos = if key {
            self.index.key(pointer)
        } else {
            self.index.value(pointer)
        };
        Location {
            file: self.file.to_owned(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            pointer: pointer.to_owned(),
            bicep: None,
        }
    }

    fn push(&mut self, location: Location, kind: DiagnosticKind, message: String) {
        self.diagnostics.push(Diagnostic {
            location,
            kind,
            message,
        });
    }

    fn glob(&mut self, what: &str, text: &Spanned<String>) -> Option<Pattern> {
        match Pattern::new(&text.value) {
            Ok(p) => Some(p),
            Err(reason) => {
                let location = self.location(text.pos);
                self.push(
                    location,
                    DiagnosticKind::InvalidGlob,
                    format!("invalid {what} glob `{}`: {reason}", text.value),
                );
                None
            }
        }
    }

    fn role(&self, text: &Spanned<String>) -> RoleSpec {
        RoleSpec {
            text: text.value.trim().to_owned(),
            location: self.location(text.pos),
            explicit: true,
        }
    }
}

/// Parses and validates policy text; `file` names it in locations and messages.
pub(crate) fn parse_policy(file: &str, text: &str) -> Result<Policy, PolicyError> {
    parse_policy_checked(file, text, SchemaCheck::Validate)
}

/// Whether to validate against the JSON Schema before reading the typed policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaCheck {
    /// Every policy a user wrote: the schema gives all problems with their locations.
    Validate,
    /// The policies built into the binary: validated by this crate's tests, and compiling the
    /// schema would cost most of a small check's run time.
    Trusted,
}

pub(crate) fn parse_policy_checked(
    file: &str,
    text: &str,
    check: SchemaCheck,
) -> Result<Policy, PolicyError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let invalid = |diagnostics: Vec<Diagnostic>| PolicyError::Invalid {
        file: file.to_owned(),
        diagnostics,
    };
    let (json, index) = match node::parse(text) {
        Ok(parsed) => parsed,
        Err(e) => return Err(invalid(vec![yaml_diagnostic(file, &e)])),
    };
    let mut ctx = Ctx {
        file,
        index: &index,
        diagnostics: Vec::new(),
    };
    if !json.is_object() {
        let message = if json.is_null() {
            "the policy is empty: it needs at least `version: 1`".to_owned()
        } else {
            "a policy is a mapping of keys, starting with `version: 1`".to_owned()
        };
        ctx.push(ctx.at_pointer("", false), DiagnosticKind::Syntax, message);
        return Err(invalid(ctx.diagnostics));
    }

    if check == SchemaCheck::Validate {
        schema_diagnostics(&mut ctx, &json)?;
    }
    if !ctx.diagnostics.is_empty() {
        return Err(invalid(finish(ctx.diagnostics)));
    }

    let parsed: PolicyFile = match serde_saphyr::from_str_with_options(text, node::yaml_options()) {
        Ok(p) => p,
        Err(e) => return Err(invalid(vec![yaml_diagnostic(file, &e)])),
    };
    let policy = compile(&mut ctx, parsed, text);
    if !ctx.diagnostics.is_empty() {
        return Err(invalid(finish(ctx.diagnostics)));
    }
    Ok(policy)
}

fn finish(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort_by(|a, b| {
        (a.location.line, a.location.column, &a.message).cmp(&(
            b.location.line,
            b.location.column,
            &b.message,
        ))
    });
    diagnostics.dedup();
    diagnostics
}

fn yaml_diagnostic(file: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let pos = error
        .location()
        .map(|l| Pos::from_saphyr(&l))
        .unwrap_or(Pos { line: 1, column: 1 });
    let mut message = error.without_snippet().to_string();
    // serde-saphyr appends the position; ours is in the location already.
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    // A hint meant for programmers using the YAML library, not for policy authors.
    if let Some(i) = message.find(", set DuplicateKeyPolicy") {
        message.truncate(i);
    }
    Diagnostic {
        location: Location {
            file: file.to_owned(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            pointer: String::new(),
            bicep: None,
        },
        kind: DiagnosticKind::Syntax,
        message: format!("invalid YAML: {message}"),
    }
}

fn schema_diagnostics(ctx: &mut Ctx<'_>, json: &serde_json::Value) -> Result<(), PolicyError> {
    use jsonschema::error::ValidationErrorKind as K;
    let validator = schema::validator().map_err(|message| PolicyError::Invalid {
        file: ctx.file.to_owned(),
        diagnostics: vec![Diagnostic {
            location: ctx.at_pointer("", false),
            kind: DiagnosticKind::Syntax,
            message,
        }],
    })?;
    let errors: Vec<_> = validator.iter_errors(json).collect();
    // An enum error says more than the type error beside it ("not one of ..." vs "not a string").
    let enum_pointers: Vec<String> = errors
        .iter()
        .filter(|e| matches!(e.kind(), K::Enum { .. }))
        .map(|e| e.instance_path().as_str().to_owned())
        .collect();
    for error in &errors {
        let pointer = error.instance_path().as_str().to_owned();
        let field = describe(&pointer);
        let instance = json.pointer(&pointer).unwrap_or(&serde_json::Value::Null);
        match error.kind() {
            K::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let child = format!("{pointer}/{}", escape(key));
                    let mut message = format!("unknown key `{key}` in {field}");
                    if let Some(known) = suggest(key) {
                        message.push_str(&format!(" (did you mean `{known}`?)"));
                    }
                    ctx.push(
                        ctx.at_pointer(&child, true),
                        DiagnosticKind::UnknownKey,
                        message,
                    );
                }
            }
            K::Required { property } => {
                let name = property.as_str().unwrap_or("?");
                ctx.push(
                    ctx.at_pointer(&pointer, false),
                    DiagnosticKind::MissingKey,
                    format!("missing required key `{name}` in {field}"),
                );
            }
            _ if pointer == "/version" => ctx.push(
                ctx.at_pointer(&pointer, false),
                DiagnosticKind::UnsupportedVersion,
                format!("unsupported policy version {instance}: this rolegate reads version 1"),
            ),
            K::PropertyNames { .. } => report_bad_rule_keys(ctx, json, &pointer),
            _ if instance.is_null() => ctx.push(
                ctx.at_pointer(&pointer, false),
                DiagnosticKind::InvalidValue,
                format!("{field} has no value; give one or remove the key"),
            ),
            K::Type { .. } if enum_pointers.contains(&pointer) => {}
            K::Enum { options } => {
                let allowed: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().map_or(v.to_string(), str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                ctx.push(
                    ctx.at_pointer(&pointer, false),
                    DiagnosticKind::InvalidValue,
                    format!("{field}: {instance} is not one of: {}", allowed.join(", ")),
                );
            }
            _ => {
                let mut detail = error.to_string();
                if detail.len() > 200 {
                    detail = format!("{}...", detail.chars().take(200).collect::<String>());
                }
                let message = format!("{field}: {detail}");
                ctx.push(
                    ctx.at_pointer(&pointer, false),
                    DiagnosticKind::InvalidValue,
                    message,
                );
            }
        }
    }
    Ok(())
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn report_bad_rule_keys(ctx: &mut Ctx<'_>, json: &serde_json::Value, pointer: &str) {
    let Some(map) = json.pointer(pointer).and_then(|v| v.as_object()) else {
        return;
    };
    for key in map.keys() {
        if !is_rule_id(key) {
            let child = format!("{pointer}/{}", escape(key));
            ctx.push(
                ctx.at_pointer(&child, true),
                DiagnosticKind::InvalidValue,
                format!("`{key}` is not a rule id (expected e.g. RA002: MI, RA, SC, EV or LV and three digits)"),
            );
        }
    }
}

fn is_rule_id(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 5
        && matches!(text.get(..2), Some("MI" | "RA" | "SC" | "EV" | "LV"))
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// `workloads[0].grants[1].roles` for `/workloads/0/grants/1/roles`.
fn describe(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the policy".to_owned();
    }
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.bytes().all(|b| b.is_ascii_digit()) && !segment.is_empty() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    format!("`{out}`")
}

/// The closest key the format knows, for typos.
fn suggest(key: &str) -> Option<&'static str> {
    const KEYS: &[&str] = &[
        "version",
        "unresolved",
        "max_scope",
        "denied_roles",
        "external_principals",
        "allow_shared_identities",
        "shareable_identities",
        "severity",
        "workloads",
        "exceptions",
        "id",
        "reason",
        "name",
        "match",
        "identity",
        "grants",
        "type",
        "kind",
        "tags",
        "required",
        "roles",
        "target",
        "scopes",
        "rule",
        "workload",
        "role",
        "scope",
        "owner",
        "expires",
    ];
    let lower = key.to_ascii_lowercase().replace('-', "_");
    KEYS.iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn compile(ctx: &mut Ctx<'_>, parsed: PolicyFile, text: &str) -> Policy {
    let top = ctx.location(Pos { line: 1, column: 1 });
    if parsed.version.value != 1 {
        let location = ctx.location(parsed.version.pos);
        ctx.push(
            location,
            DiagnosticKind::UnsupportedVersion,
            format!(
                "unsupported policy version {}: this rolegate reads version 1",
                parsed.version.value
            ),
        );
    }

    let unresolved = match &parsed.unresolved {
        Some(s) => Setting {
            value: s.value,
            location: ctx.location(s.pos),
            explicit: true,
        },
        None => Setting {
            value: DEFAULT_UNRESOLVED,
            location: top.clone(),
            explicit: false,
        },
    };
    let max_scope = match &parsed.max_scope {
        Some(s) => Setting {
            value: s.value,
            location: ctx.location(s.pos),
            explicit: true,
        },
        None => Setting {
            value: DEFAULT_MAX_SCOPE,
            location: top.clone(),
            explicit: false,
        },
    };
    let allow_shared = match &parsed.allow_shared_identities {
        Some(s) => Setting {
            value: s.value,
            location: ctx.location(s.pos),
            explicit: true,
        },
        None => Setting {
            value: false,
            location: top.clone(),
            explicit: false,
        },
    };

    let denied_roles = match &parsed.denied_roles {
        Some(list) => list.iter().map(|r| ctx.role(r)).collect(),
        None => DEFAULT_DENIED_ROLES
            .iter()
            .map(|name| RoleSpec {
                text: (*name).to_owned(),
                location: top.clone(),
                explicit: false,
            })
            .collect(),
    };

    let external_principals = parsed
        .external_principals
        .iter()
        .map(|p| ExternalPrincipal {
            id: p.value.id.value.trim().to_ascii_lowercase(),
            reason: p.value.reason.clone(),
            location: ctx.location(p.pos),
        })
        .collect();

    let shareable = parsed
        .shareable_identities
        .iter()
        .filter_map(|g| {
            let pattern = ctx.glob("identity name", g)?;
            Some((pattern, ctx.location(g.pos)))
        })
        .collect();

    let severity = parsed
        .severity
        .iter()
        .map(|(rule, level)| SeverityOverride {
            rule: rule.to_ascii_uppercase(),
            level: level.value,
            location: ctx.location(level.pos),
        })
        .collect();

    let workloads = parsed
        .workloads
        .iter()
        .enumerate()
        .map(|(i, entry)| compile_workload(ctx, i, entry))
        .collect();

    let exceptions = parsed
        .exceptions
        .iter()
        .filter_map(|entry| compile_exception(ctx, entry))
        .collect();

    Policy {
        name: ctx.file.to_owned(),
        text: Arc::from(text),
        unresolved,
        max_scope,
        denied_roles,
        external_principals,
        allow_shared,
        shareable,
        severity,
        workloads,
        exceptions,
    }
}

fn compile_workload(
    ctx: &mut Ctx<'_>,
    i: usize,
    entry: &Spanned<crate::model::WorkloadEntry>,
) -> WorkloadRule {
    let w = &entry.value;
    let name = w.name.clone().unwrap_or_else(|| format!("workloads[{i}]"));
    let location = ctx.location(entry.pos);
    let mut selector = Selector {
        resource_type: None,
        name: None,
        kind: None,
        tags: Vec::new(),
    };
    if let Some(sel) = &w.selector {
        let s = &sel.value;
        selector.resource_type = s
            .resource_type
            .as_ref()
            .and_then(|g| ctx.glob("resource type", g));
        selector.name = s.name.as_ref().and_then(|g| ctx.glob("name", g));
        selector.kind = s.kind.as_ref().and_then(|g| ctx.glob("kind", g));
        for (tag, value) in &s.tags {
            if let Some(p) = ctx.glob("tag value", value) {
                selector.tags.push((tag.clone(), p));
            }
        }
    }
    let identity = w.identity.as_ref().map(|id| IdentityRule {
        required: id.value.required.as_ref().is_none_or(|r| r.value),
        kind: id
            .value
            .kind
            .as_ref()
            .map_or(IdentityKind::Any, |k| k.value),
        location: ctx.location(id.pos),
        rule_name: name.clone(),
    });
    let (grants, grants_location) = match &w.grants {
        None => (None, location.clone()),
        Some(list) => {
            let rules = list
                .value
                .iter()
                .map(|g| {
                    let target = g.value.target.as_ref().map(|t| &t.value);
                    GrantRule {
                        roles: g.value.roles.iter().map(|r| ctx.role(r)).collect(),
                        target_type: target
                            .and_then(|t| t.resource_type.as_ref())
                            .and_then(|p| ctx.glob("target type", p)),
                        target_name: target
                            .and_then(|t| t.name.as_ref())
                            .and_then(|p| ctx.glob("target name", p)),
                        scopes: g
                            .value
                            .scopes
                            .as_ref()
                            .map(|s| s.iter().map(|l| l.value).collect()),
                        location: ctx.location(g.pos),
                    }
                })
                .collect();
            // The key `grants:` is the best place to say "not in this list".
            let pointer = ctx.index.pointer_at(list.pos);
            (Some(rules), ctx.at_pointer(&pointer, true))
        }
    };
    WorkloadRule {
        name,
        location,
        selector,
        identity,
        grants,
        grants_location,
    }
}

fn compile_exception(
    ctx: &mut Ctx<'_>,
    entry: &Spanned<crate::model::ExceptionEntry>,
) -> Option<Exception> {
    let e = &entry.value;
    let expires = match Date::parse(&e.expires.value) {
        Some(d) => d,
        None => {
            let location = ctx.location(e.expires.pos);
            ctx.push(
                location,
                DiagnosticKind::InvalidDate,
                format!(
                    "`expires: {}` is not a calendar date (YYYY-MM-DD)",
                    e.expires.value
                ),
            );
            return None;
        }
    };
    Some(Exception {
        rule: e.rule.value.trim().to_ascii_uppercase(),
        rule_location: ctx.location(e.rule.pos),
        workload: e.workload.as_ref().and_then(|g| ctx.glob("workload", g)),
        identity: e.identity.as_ref().and_then(|g| ctx.glob("identity", g)),
        role: e.role.as_ref().map(|r| ctx.role(r)),
        scope: e.scope.as_ref().and_then(|g| ctx.glob("scope", g)),
        reason: e.reason.clone(),
        owner: e.owner.clone(),
        expires,
        location: ctx.location(entry.pos),
    })
}

/// A policy of built-in defaults only, for the impossible case that the embedded default does
/// not validate (its tests guarantee it does): never panic, never run without a policy.
pub(crate) fn builtin_fallback() -> Policy {
    let top = Location {
        file: "embedded:default.yaml".to_owned(),
        line: 1,
        column: 1,
        pointer: String::new(),
        bicep: None,
    };
    let setting = |value| Setting {
        value,
        location: top.clone(),
        explicit: false,
    };
    Policy {
        name: top.file.clone(),
        text: Arc::from(""),
        unresolved: setting(DEFAULT_UNRESOLVED),
        max_scope: Setting {
            value: DEFAULT_MAX_SCOPE,
            location: top.clone(),
            explicit: false,
        },
        denied_roles: DEFAULT_DENIED_ROLES
            .iter()
            .map(|name| RoleSpec {
                text: (*name).to_owned(),
                location: top.clone(),
                explicit: false,
            })
            .collect(),
        external_principals: Vec::new(),
        allow_shared: Setting {
            value: false,
            location: top.clone(),
            explicit: false,
        },
        shareable: Vec::new(),
        severity: Vec::new(),
        workloads: Vec::new(),
        exceptions: Vec::new(),
    }
}
