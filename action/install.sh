#!/usr/bin/env bash
# Installs rolegate for the GitHub Action (see action.yml, input `install`) and puts it on PATH.
#
# Environment: INSTALL (source|release|path), VERSION, ACTION_REF, ACTION_REPOSITORY, BIN_DIR,
# GH_TOKEN (release downloads only; never printed), RUNNER_OS_NAME, RUNNER_ARCH_NAME,
# GITHUB_ACTION_PATH, GITHUB_PATH, GITHUB_SERVER_URL (release downloads; default https://github.com).
set -euo pipefail

bin_dir="${BIN_DIR:?BIN_DIR is required}"
exe="rolegate"
[ "${RUNNER_OS_NAME:-}" = "Windows" ] && exe="rolegate.exe"

use_bin() {
  echo "$1" >> "$GITHUB_PATH"
  "$1/$exe" --version
}

case "${INSTALL:-source}" in
  path)
    if ! command -v rolegate >/dev/null 2>&1; then
      echo "::error title=rolegate::install: path, but no rolegate on PATH"
      exit 2
    fi
    rolegate --version
    ;;

  source)
    if [ -x "$bin_dir/bin/$exe" ]; then
      # Cache hit, or an earlier step of this job already built it.
      echo "rolegate already built for this source"
      use_bin "$bin_dir/bin"
      exit 0
    fi
    if ! command -v cargo >/dev/null 2>&1; then
      echo "::error title=rolegate::install: source needs a Rust toolchain (e.g. dtolnay/rust-toolchain@stable before this step), or use install: release"
      exit 2
    fi
    # --locked: build exactly the dependency versions the action was tested with.
    cargo install --locked --path "$GITHUB_ACTION_PATH/crates/cli" --root "$bin_dir" \
      --target-dir "$RUNNER_TEMP/rolegate-target"
    use_bin "$bin_dir/bin"
    ;;

  release)
    version="${VERSION:-}"
    [ -n "$version" ] || version="${ACTION_REF:-}"
    repo="${ACTION_REPOSITORY:-}"
    if [ -z "$version" ] || [ -z "$repo" ]; then
      echo "::error title=rolegate::install: release needs a version (input 'version' or a tagged 'uses: owner/repo@vX')"
      exit 2
    fi
    case "${RUNNER_OS_NAME:-}/${RUNNER_ARCH_NAME:-}" in
      Linux/X64) target="x86_64-unknown-linux-musl" ;;
      Linux/ARM64) target="aarch64-unknown-linux-musl" ;;
      macOS/ARM64) target="aarch64-apple-darwin" ;;
      macOS/X64) target="x86_64-apple-darwin" ;;
      Windows/X64) target="x86_64-pc-windows-msvc" ;;
      *)
        echo "::error title=rolegate::no prebuilt rolegate for ${RUNNER_OS_NAME:-?}/${RUNNER_ARCH_NAME:-?}; use install: source"
        exit 2
        ;;
    esac
    asset="rolegate-${version}-${target}.tar.gz"
    work="$RUNNER_TEMP/rolegate-download"
    rm -rf "$work" && mkdir -p "$work" "$bin_dir/bin"
    # The release workflow (.github/workflows/release.yml) attaches the archives and SHA256SUMS.
    base="${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download/$version"
    fetch() {
      # The token goes in a header read from a file descriptor, never on a command line; curl does
      # not send it on to the host a release download redirects to.
      if [ -n "${GH_TOKEN:-}" ]; then
        curl -fsSL --retry 3 --retry-delay 2 -H @<(printf 'Authorization: Bearer %s\n' "$GH_TOKEN") -o "$2" "$1"
      else
        curl -fsSL --retry 3 --retry-delay 2 -o "$2" "$1"
      fi
    }
    if ! fetch "$base/$asset" "$work/$asset" || ! fetch "$base/SHA256SUMS" "$work/SHA256SUMS"; then
      echo "::error title=rolegate::cannot download $asset and SHA256SUMS from $repo release $version (is it published?); use install: source"
      exit 2
    fi
    # SHA256SUMS holds "<hex>  <asset>" lines; the asset must be listed and match.
    want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$work/SHA256SUMS")
    got=$( (sha256sum "$work/$asset" 2>/dev/null || shasum -a 256 "$work/$asset") | cut -d' ' -f1)
    if [ -z "$want" ] || [ "$want" != "$got" ]; then
      echo "::error title=rolegate::checksum mismatch for $asset (SHA256SUMS says '${want:-nothing}', the download is $got)"
      exit 2
    fi
    tar -xzf "$work/$asset" -C "$bin_dir/bin"
    chmod +x "$bin_dir/bin/$exe" 2>/dev/null || true
    use_bin "$bin_dir/bin"
    ;;

  *)
    echo "::error title=rolegate::unknown install '${INSTALL}' (source, release or path)"
    exit 2
    ;;
esac
