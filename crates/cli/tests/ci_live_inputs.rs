//! The GitHub Action's and the Azure DevOps task's `live` inputs pass exactly the values
//! `rolegate check` accepts: the lists the glue checks (action/check.sh, task.json, index.js) are
//! compared with the CLI's own, and the flags they build exist.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use rolegate::args::Cli;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The values `rolegate check --<flag>` accepts, as its parser lists them.
fn names(flag: &str) -> Vec<String> {
    let cli = Cli::command();
    let check = cli.find_subcommand("check").expect("a check subcommand");
    let arg = check
        .get_arguments()
        .find(|a| a.get_long() == Some(flag))
        .unwrap_or_else(|| panic!("check has no --{flag}"));
    arg.get_possible_values()
        .iter()
        .map(|v| v.get_name().to_string())
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_task_offers_exactly_the_clis_auth_methods_and_live_error_modes() {
    let task: serde_json::Value =
        serde_json::from_str(&read("azure-devops/rolegate-task/task.json"))
            .expect("task.json is JSON");
    let options = |name: &str| -> Vec<String> {
        let input = task["inputs"]
            .as_array()
            .and_then(|inputs| inputs.iter().find(|i| i["name"] == name))
            .unwrap_or_else(|| panic!("task.json has no '{name}' input"));
        input["options"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(options("auth"), names("auth"));
    assert_eq!(options("liveErrors"), names("live-errors"));
    let shim = read("azure-devops/rolegate-task/index.js");
    let quoted = |list: Vec<String>| {
        list.iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert!(
        shim.contains(&format!("[{}]", quoted(names("auth")))),
        "index.js AUTH_METHODS differ from the CLI's"
    );
    assert!(shim.contains(&format!("[{}]", quoted(names("live-errors")))));
}

#[test]
fn the_action_accepts_exactly_the_clis_auth_methods_and_live_error_modes() {
    let script = read("action/check.sh");
    assert!(
        script.contains(&format!("  {})", names("auth").join(" | "))),
        "action/check.sh's auth values differ from the CLI's: {:?}",
        names("auth")
    );
    assert!(script.contains(&format!(
        "case \"${{INPUT_LIVE_ERRORS:-fail}}\" in {})",
        names("live-errors").join(" | ")
    )));
    // action.yml is YAML GitHub can load, declares each input, and hands it to check.sh.
    let action: serde_json::Value =
        serde_saphyr::from_str(&read("action.yml")).expect("action.yml is valid YAML");
    let check_step = action["runs"]["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["id"] == "check"))
        .expect("the check step");
    for (input, variable) in [
        ("live", "INPUT_LIVE"),
        ("auth", "INPUT_AUTH"),
        ("subscription-id", "INPUT_SUBSCRIPTION_ID"),
        ("resource-group", "INPUT_RESOURCE_GROUP"),
        ("live-errors", "INPUT_LIVE_ERRORS"),
    ] {
        assert!(
            action["inputs"][input]["description"].is_string(),
            "action.yml lacks input {input}"
        );
        assert_eq!(
            check_step["env"][variable],
            format!("${{{{ inputs.{input} }}}}").as_str(),
            "{variable}"
        );
        assert!(
            script.contains(variable),
            "check.sh does not read {variable}"
        );
    }
    assert_eq!(action["inputs"]["live"]["default"], "false");
    assert_eq!(action["inputs"]["auth"]["default"], "auto");
    assert_eq!(action["inputs"]["live-errors"]["default"], "fail");
}

#[test]
fn the_flags_the_glue_builds_are_flags_of_check() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["check", "--help"])
        .output()
        .expect("rolegate runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--live",
        "--auth",
        "--subscription-id",
        "--resource-group",
        "--live-errors",
    ] {
        assert!(help.contains(flag), "check has no {flag}");
        assert!(
            read("action/check.sh").contains(flag),
            "check.sh does not pass {flag}"
        );
        assert!(
            read("azure-devops/rolegate-task/index.js").contains(&format!("'{flag}'")),
            "index.js does not pass {flag}"
        );
    }
}
