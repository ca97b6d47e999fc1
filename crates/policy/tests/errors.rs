//! Every kind of policy error, with its exact line and column.

use policy::{DiagnosticKind, Policy};

/// The first diagnostic for `text`: (kind, line, column, message).
fn first_error(text: &str) -> (DiagnosticKind, u32, u32, String) {
    let error = match Policy::from_str("rolegate.yaml", text) {
        Ok(_) => panic!("expected an error for {text:?}"),
        Err(e) => e,
    };
    let d = error
        .diagnostics()
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no diagnostics in {error}"));
    assert_eq!(d.location.file, "rolegate.yaml");
    (d.kind, d.location.line, d.location.column, d.message)
}

#[test]
fn yaml_syntax_error() {
    let (kind, line, column, message) = first_error("version: 1\nworkloads: [\n");
    assert_eq!((kind, line, column), (DiagnosticKind::Syntax, 2, 12));
    assert!(message.starts_with("invalid YAML"), "{message}");
}

#[test]
fn duplicate_key() {
    let (kind, line, column, message) =
        first_error("version: 1\nmax_scope: resource\nmax_scope: resource\n");
    assert_eq!((kind, line, column), (DiagnosticKind::Syntax, 3, 1));
    assert!(message.contains("duplicate"), "{message}");
    assert!(!message.contains("DuplicateKeyPolicy"), "{message}");
}

#[test]
fn empty_and_non_mapping() {
    assert_eq!(first_error("").0, DiagnosticKind::Syntax);
    assert_eq!(first_error("# only a comment\n").0, DiagnosticKind::Syntax);
    let (kind, line, column, _) = first_error("- version: 1\n");
    assert_eq!((kind, line, column), (DiagnosticKind::Syntax, 1, 1));
}

#[test]
fn unknown_top_level_key_with_suggestion() {
    let (kind, line, column, message) = first_error("version: 1\nseverty:\n  RA001: off\n");
    assert_eq!((kind, line, column), (DiagnosticKind::UnknownKey, 2, 1));
    assert!(message.contains("`severty`"), "{message}");
    assert!(message.contains("did you mean `severity`"), "{message}");
}

#[test]
fn unknown_nested_key_points_at_the_key() {
    let text = "version: 1\nworkloads:\n  - match:\n      type: Microsoft.Logic/workflows\n      nmae: wf-*\n";
    let (kind, line, column, message) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::UnknownKey, 5, 7));
    assert!(message.contains("`workloads[0].match`"), "{message}");
    assert!(message.contains("did you mean `name`"), "{message}");
}

#[test]
fn every_problem_is_reported_in_file_order() {
    let text = "version: 1\nmax_scop: resource\nunresolved: maybe\nextra: 1\n";
    let error = Policy::from_str("p.yaml", text).expect_err("invalid policy");
    let found: Vec<(DiagnosticKind, u32, u32)> = error
        .diagnostics()
        .iter()
        .map(|d| (d.kind, d.location.line, d.location.column))
        .collect();
    assert_eq!(
        found,
        vec![
            (DiagnosticKind::UnknownKey, 2, 1),
            (DiagnosticKind::InvalidValue, 3, 13),
            (DiagnosticKind::UnknownKey, 4, 1),
        ]
    );
    // The error's text names file:line:column for every problem.
    let text = error.to_string();
    assert!(
        text.contains("p.yaml:2:1: unknown key `max_scop`"),
        "{text}"
    );
    assert!(text.contains("p.yaml:3:13:"), "{text}");
    assert!(text.contains("p.yaml:4:1:"), "{text}");
}

#[test]
fn missing_version() {
    let (kind, line, column, message) = first_error("unresolved: fail\n");
    assert_eq!((kind, line, column), (DiagnosticKind::MissingKey, 1, 1));
    assert!(message.contains("`version`"), "{message}");
}

#[test]
fn missing_nested_required_key() {
    let text = "version: 1\nexceptions:\n  - rule: RA002\n    owner: me\n    expires: 2030-01-01\n";
    let (kind, line, column, message) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::MissingKey, 3, 5));
    assert!(
        message.contains("`reason`") && message.contains("`exceptions[0]`"),
        "{message}"
    );
}

#[test]
fn unsupported_version() {
    let (kind, line, column, _) = first_error("version: 2\n");
    assert_eq!(
        (kind, line, column),
        (DiagnosticKind::UnsupportedVersion, 1, 10)
    );
    assert_eq!(
        first_error("version: one\n").0,
        DiagnosticKind::UnsupportedVersion
    );
}

#[test]
fn value_not_in_enum_lists_the_choices() {
    let (kind, line, column, message) = first_error("version: 1\nmax_scope: everywhere\n");
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 2, 12));
    assert!(message.contains("\"everywhere\" is not one of: tenant, management-group, subscription, resource-group, resource, child-resource"), "{message}");
}

#[test]
fn wrong_type() {
    let text = "version: 1\nworkloads:\n  - grants:\n      - roles: 5\n";
    let (kind, line, column, message) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 4, 16));
    assert!(
        message.contains("`workloads[0].grants[0].roles`"),
        "{message}"
    );
}

#[test]
fn empty_value() {
    let (kind, line, column, message) = first_error("version: 1\nunresolved:\n");
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 2, 11));
    assert!(message.contains("has no value"), "{message}");
}

#[test]
fn yaml_1_1_booleans_are_plain_words() {
    // `off` is a severity here, not YAML 1.1's `false`.
    let policy = Policy::from_str("p.yaml", "version: 1\nseverity:\n  EV002: off\n");
    assert!(policy.is_ok(), "{:?}", policy.err().map(|e| e.to_string()));
    let (kind, line, column, _) = first_error("version: 1\nallow_shared_identities: yes\n");
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 2, 26));
}

#[test]
fn bad_rule_id_as_severity_key() {
    let (kind, line, column, message) = first_error("version: 1\nseverity:\n  XX01: off\n");
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 3, 3));
    assert!(message.contains("`XX01` is not a rule id"), "{message}");
}

#[test]
fn bad_rule_id_in_exception() {
    let text = "version: 1\nexceptions:\n  - rule: privileged-role\n    reason: r\n    owner: o\n    expires: 2030-01-01\n";
    let (kind, line, column, _) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 3, 11));
}

#[test]
fn bad_guid_for_external_principal() {
    let text = "version: 1\nexternal_principals:\n  - id: not-a-guid\n    reason: r\n";
    let (kind, line, column, _) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 3, 9));
}

#[test]
fn invalid_glob() {
    let text = "version: 1\nworkloads:\n  - match:\n      name: 'wf-[a'\n";
    let (kind, line, column, message) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidGlob, 4, 13));
    assert!(message.contains("wf-[a"), "{message}");
}

#[test]
fn invalid_dates() {
    let text = "version: 1\nexceptions:\n  - rule: RA002\n    reason: r\n    owner: o\n    expires: 2026-02-30\n";
    let (kind, line, column, _) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidDate, 6, 14));
    let text = "version: 1\nexceptions:\n  - rule: RA002\n    reason: r\n    owner: o\n    expires: next year\n";
    let (kind, line, column, _) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 6, 14));
}

#[test]
fn empty_roles_list_is_rejected() {
    let text = "version: 1\nworkloads:\n  - grants:\n      - roles: []\n";
    let (kind, line, column, _) = first_error(text);
    assert_eq!((kind, line, column), (DiagnosticKind::InvalidValue, 4, 16));
}

#[test]
fn unreadable_file() {
    let error = Policy::load(std::path::Path::new("/nonexistent/rolegate.yaml")).err();
    assert!(matches!(error, Some(policy::PolicyError::Io { .. })));
}

#[test]
fn odd_input_never_panics() {
    // Multi-byte keys where rule ids go, deep nesting, aliases, tabs, binary-ish text.
    for text in [
        "version: 1\nseverity:\n  aé12: off\n",
        "version: 1\nseverity:\n  ééé: off\n",
        &format!(
            "version: 1\nworkloads: {}{}\n",
            "[".repeat(200),
            "]".repeat(200)
        ),
        "version: 1\nx: &a [*a]\n",
        "version: 1\n\tmax_scope: resource\n",
        "\u{feff}version: 1\n",
        "version: 1\nworkloads:\n  - match: {tags: {env: [a]}}\n",
        "version: 1\nexceptions:\n  - {rule: RA002, reason: r, owner: o, expires: 20260101}\n",
        "? [a]\n: b\n",
    ] {
        let _ = Policy::from_str("odd.yaml", text);
    }
    // Nesting far beyond what a policy needs is a syntax error at a position, not a crash.
    let deep = format!(
        "version: 1\nworkloads: {}{}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let (kind, line, _, _) = first_error(&deep);
    assert_eq!((kind, line), (DiagnosticKind::Syntax, 2));
    // A BOM is fine.
    assert!(Policy::from_str("bom.yaml", "\u{feff}version: 1\n").is_ok());
}
