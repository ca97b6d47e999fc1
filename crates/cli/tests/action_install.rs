//! The action's `install: release` path (action/install.sh) against a local release server that
//! serves what .github/workflows/release.yml attaches: `rolegate-<tag>-<target>.tar.gz` (binary at
//! its root) and `SHA256SUMS`.

use std::path::{Path, PathBuf};
use std::process::Command;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "ghs_RELEASEtoken0123456789";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A release archive holding a stand-in `rolegate` that prints a version.
fn archive(dir: &Path) -> Vec<u8> {
    let stage = dir.join("stage");
    std::fs::create_dir_all(&stage).unwrap();
    let exe = stage.join("rolegate");
    std::fs::write(&exe, "#!/bin/sh\necho 'rolegate 9.9.9 (release)'\n").unwrap();
    assert!(Command::new("chmod")
        .arg("+x")
        .arg(&exe)
        .status()
        .unwrap()
        .success());
    let tgz = dir.join("a.tar.gz");
    assert!(Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(&stage)
        .arg("rolegate")
        .status()
        .unwrap()
        .success());
    std::fs::read(tgz).unwrap()
}

fn sha256(dir: &Path, bytes: &[u8]) -> String {
    let f = dir.join("sum-input");
    std::fs::write(&f, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&f).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split(' ')
        .next()
        .unwrap()
        .to_string()
}

async fn install(server: &MockServer, dir: &Path) -> (Option<i32>, String, PathBuf) {
    let bin = dir.join("bin-dir");
    let github_path = dir.join("github_path");
    std::fs::write(&github_path, "").unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/install.sh"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("INSTALL", "release")
        .env("VERSION", "v9.9.9")
        .env("ACTION_REPOSITORY", "o/rolegate")
        .env("GITHUB_SERVER_URL", server.uri())
        .env("GH_TOKEN", TOKEN)
        .env("RUNNER_OS_NAME", "Linux")
        .env("RUNNER_ARCH_NAME", "X64")
        .env("RUNNER_TEMP", dir)
        .env("BIN_DIR", &bin)
        .env("GITHUB_PATH", &github_path)
        .env("GITHUB_ACTION_PATH", root());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text, bin)
}

const ASSET: &str =
    "/o/rolegate/releases/download/v9.9.9/rolegate-v9.9.9-x86_64-unknown-linux-musl.tar.gz";
const SUMS: &str = "/o/rolegate/releases/download/v9.9.9/SHA256SUMS";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_release_downloads_verifies_and_puts_rolegate_on_path() {
    let dir = std::env::temp_dir().join(format!("rolegate-install-ok-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = archive(&dir);
    let sums = format!(
        "{}  rolegate-v9.9.9-aarch64-unknown-linux-musl.tar.gz\n{}  rolegate-v9.9.9-x86_64-unknown-linux-musl.tar.gz\n",
        "0".repeat(64),
        sha256(&dir, &bytes)
    );
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ASSET))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SUMS))
        .respond_with(ResponseTemplate::new(200).set_body_string(sums))
        .mount(&server)
        .await;

    let (code, text, bin) = install(&server, &dir).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("rolegate 9.9.9 (release)"),
        "the installed binary ran: {text}"
    );
    assert!(bin.join("bin/rolegate").exists());
    let path_file = std::fs::read_to_string(dir.join("github_path")).unwrap();
    assert_eq!(path_file.trim(), bin.join("bin").display().to_string());
    assert!(!text.contains(TOKEN), "token printed: {text}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(
        |r| r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}") as &str)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_archive_or_a_missing_release_is_refused() {
    let dir = std::env::temp_dir().join(format!("rolegate-install-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = archive(&dir);
    let sums = format!(
        "{}  rolegate-v9.9.9-x86_64-unknown-linux-musl.tar.gz\n",
        "ab".repeat(32)
    );
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ASSET))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(SUMS))
        .respond_with(ResponseTemplate::new(200).set_body_string(sums))
        .mount(&server)
        .await;
    let (code, text, bin) = install(&server, &dir).await;
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("checksum mismatch"), "{text}");
    assert!(!bin.join("bin/rolegate").exists(), "nothing installed");

    let empty = MockServer::start().await;
    let (code, text, _) = install(&empty, &dir).await;
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("cannot download"), "{text}");
}
