#!/usr/bin/env bash
# Tests the GitHub Action's scripts (action/*.sh) against a stub `rolegate`, so the glue can be
# checked without a runner: argument building, outputs, job summary, annotation escaping and caps,
# fork-PR and bad-input behaviour. Run: bash action/test.sh (needs bash and jq).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_contains() { grep -qF -- "$2" "$1" || fail "$3: '$2' not in $1"; }
expect_not_contains() { ! grep -qF -- "$2" "$1" || fail "$3: '$2' unexpectedly in $1"; }

if ! command -v jq >/dev/null 2>&1; then
  echo "skipping action tests: jq is not installed"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The stub records its argv, writes the reports it is asked for, and exits with $STUB_EXIT.
cat > "$tmp/rolegate" <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "$@" > "$STUB_ARGV"
printf '%s\n' "${ROLEGATE_BICEP:-unset}" > "$STUB_ARGV.bicep"
[ "$1" = "publish" ] && { [ "${STUB_PUBLISH:-no}" = yes ] && exit 0 || exit 2; }
md="" json="" sarif=""
while [ $# -gt 0 ]; do
  case "$1" in
    --markdown) md="$2"; shift ;;
    --json) json="$2"; shift ;;
    --sarif) sarif="$2"; shift ;;
  esac
  shift
done
[ "$STUB_EXIT" = 2 ] && { echo "main.json:3:5: invalid JSON" >&2; exit 2; }
[ -n "$md" ] && printf '## rolegate: %s\n' "$STUB_VERDICT" > "$md"
[ -n "$sarif" ] && echo '{"version":"2.1.0","runs":[]}' > "$sarif"
[ -n "$json" ] && cp "$STUB_JSON" "$json"
exit "$STUB_EXIT"
STUB
chmod +x "$tmp/rolegate"

run_check() { # name, exit, verdict, json-file, extra env...
  local name="$1" code="$2" verdict="$3" jsonf="$4"
  shift 4
  mkdir -p "$tmp/$name"
  : > "$tmp/$name/out"
  : > "$tmp/$name/summary"
  (
    cd "$tmp/$name" || exit 1
    env ROLEGATE="$tmp/rolegate" STUB_ARGV="$tmp/$name/argv" STUB_EXIT="$code" STUB_VERDICT="$verdict" \
      STUB_JSON="$jsonf" RUNNER_TEMP="$tmp/$name" GITHUB_OUTPUT="$tmp/$name/out" \
      GITHUB_STEP_SUMMARY="$tmp/$name/summary" INPUT_PATH="examples/a/main.json" INPUT_POLICY="" \
      INPUT_PARAMETERS="" INPUT_FORMAT=text INPUT_FAIL_ON=error INPUT_SARIF=rolegate.sarif "$@" \
      bash "$here/check.sh"
  ) > "$tmp/$name/log" 2>&1 || fail "$name: check.sh exited non-zero"
}

# 1. pass: outputs, summary, SARIF path, argument list.
echo '{"verdict":"pass","findings":[]}' > "$tmp/pass.json"
run_check pass 0 pass "$tmp/pass.json" \
  INPUT_PATH=$'examples/a/main.json\nexamples/b/main.json' INPUT_PARAMETERS="a.parameters.json b.parameters.json" \
  INPUT_POLICY="embedded:strict"
expect_contains "$tmp/pass/out" "exit-code=0" pass
expect_contains "$tmp/pass/out" "verdict=pass" pass
expect_contains "$tmp/pass/out" "sarif=rolegate.sarif" pass
expect_contains "$tmp/pass/summary" "## rolegate: pass" pass
expect_contains "$tmp/pass/argv" "examples/b/main.json" "pass argv"
expect_contains "$tmp/pass/argv" "b.parameters.json" "pass argv"
expect_contains "$tmp/pass/argv" "embedded:strict" "pass argv"
[ "$(grep -c '^-p$' "$tmp/pass/argv")" = 2 ] || fail "pass argv: expected two -p"
[ "$(sed -n 2p "$tmp/pass/argv")" = "examples/a/main.json" ] || fail "pass argv: first path"

# 2. fail: annotations escaped, suppressed findings skipped, capped at 10 per level with a notice.
jq -n '{verdict: "fail", findings: (
  [{rule: "RA002", name: "privileged-role", severity: "error",
    message: "Contributor, on /subscriptions/x\nsecond line 100%",
    location: {file: "examples/a/main.json", line: 183, column: 13, pointer: "/resources/2"}}]
  + [{rule: "RA006", name: "hardcoded-principal", severity: "error", message: "from bicep",
      location: {file: "main.json", line: 142, column: 13, pointer: "/resources/4/properties/principalId",
                 bicep: {file: "infra/main.bicep", line: 116, column: 5}}}]
  + [{rule: "RA003", name: "scope-too-broad", severity: "error", message: "suppressed one",
      location: {file: "main.json", line: 1, column: 1, pointer: ""}, suppressed: {reason: "r"}}]
  + [range(12) | {rule: "RA007", name: "principal-type-missing", severity: "warning", message: "w\(.)",
      location: {file: "main.json", line: ., column: 1, pointer: ""}}])}' > "$tmp/fail.json"
run_check fail 1 fail "$tmp/fail.json"
expect_contains "$tmp/fail/out" "exit-code=1" fail
expect_contains "$tmp/fail/out" "verdict=fail" fail
expect_contains "$tmp/fail/log" "::error file=examples/a/main.json,line=183,col=13,title=RA002 privileged-role::Contributor, on /subscriptions/x%0Asecond line 100%25" fail
expect_not_contains "$tmp/fail/log" "suppressed one" fail
expect_contains "$tmp/fail/log" "::error file=infra/main.bicep,line=116,col=5,title=RA006 hardcoded-principal::from bicep" "fail bicep"
[ "$(grep -c '^::warning file=' "$tmp/fail/log")" = 10 ] || fail "fail: expected 10 warning annotations"
expect_contains "$tmp/fail/log" "2 more warnings" fail

# 2b. bicep input: `auto` leaves the choice to rolegate, anything else reaches it as ROLEGATE_BICEP.
expect_contains "$tmp/pass/argv.bicep" "unset" "bicep auto"
run_check bicepoff 0 pass "$tmp/pass.json" INPUT_BICEP=off
expect_contains "$tmp/bicepoff/argv.bicep" "off" "bicep off"

# 3. bad input: nothing judged, summary says so, no verdict.
run_check bad 2 "" "$tmp/pass.json"
expect_contains "$tmp/bad/out" "exit-code=2" bad
expect_contains "$tmp/bad/out" "verdict=" bad
expect_not_contains "$tmp/bad/out" "verdict=pass" bad
expect_contains "$tmp/bad/out" "sarif=" bad
expect_not_contains "$tmp/bad/out" "sarif=rolegate.sarif" bad
expect_contains "$tmp/bad/summary" "nothing was judged" bad

# 4. invalid input value: exit code 2 without running rolegate.
run_check badformat 0 pass "$tmp/pass.json" INPUT_FORMAT=yaml
expect_contains "$tmp/badformat/out" "exit-code=2" badformat
[ ! -e "$tmp/badformat/argv" ] || fail "badformat: rolegate ran"

# 5. comment: forks and builds without `publish` degrade to a notice; the token is never printed.
run_comment() { # name, env...
  local name="$1"
  shift
  env ROLEGATE="$tmp/rolegate" STUB_ARGV="$tmp/$name.argv" GITHUB_TOKEN="ghs_secret_value" \
    MARKDOWN="$tmp/pass/rolegate-report/report.md" JSON_REPORT="" "$@" \
    bash "$here/comment.sh" > "$tmp/$name.log" 2>&1 || fail "$name: comment.sh exited non-zero"
  expect_not_contains "$tmp/$name.log" "ghs_secret_value" "$name token"
}
run_comment fork EVENT_NAME=pull_request HEAD_REPO=someone/fork BASE_REPO=org/repo
expect_contains "$tmp/fork.log" "forks get a read-only token" fork
run_comment push EVENT_NAME=push
expect_contains "$tmp/push.log" "has no pull request" push
run_comment nopublish EVENT_NAME=pull_request HEAD_REPO=org/repo BASE_REPO=org/repo
expect_contains "$tmp/nopublish.log" "no 'publish' command" nopublish
run_comment publish EVENT_NAME=pull_request HEAD_REPO=org/repo BASE_REPO=org/repo STUB_PUBLISH=yes \
  JSON_REPORT="$tmp/pass.json" COMMENT_KEY=prod
expect_contains "$tmp/publish.argv" "github" publish
expect_contains "$tmp/publish.argv" "--markdown" publish
expect_contains "$tmp/publish.argv" "--no-summary" publish
expect_contains "$tmp/publish.argv" "prod" publish
expect_contains "$tmp/fork.log" "workflow_run" fork
# check.sh passes policy-ref through.
run_check policyref 0 pass "$tmp/pass.json" INPUT_POLICY_REF=origin/main
expect_contains "$tmp/policyref/argv" "--policy-ref" policyref
expect_contains "$tmp/policyref/argv" "origin/main" policyref

# 6. live: the inputs reach rolegate as the CLI's flags; off by default; bad values are bad input.
expect_not_contains "$tmp/pass/argv" "--live" "live off by default"
run_check live 0 pass "$tmp/pass.json" INPUT_LIVE=true INPUT_AUTH=github-oidc \
  INPUT_SUBSCRIPTION_ID=11111111-1111-4111-8111-111111111111 INPUT_RESOURCE_GROUP=rg-pay INPUT_LIVE_ERRORS=warn
args_line="$(tr '\n' ' ' < "$tmp/live/argv")"
for want in "--live " "--auth github-oidc " "--subscription-id 11111111-1111-4111-8111-111111111111 " \
  "--resource-group rg-pay " "--live-errors warn "; do
  case "$args_line" in *"$want"*) ;; *) fail "live argv: '$want' not in '$args_line'" ;; esac
done
run_check livedefaults 0 pass "$tmp/pass.json" INPUT_LIVE=true INPUT_SUBSCRIPTION_ID=sub-1
args_line="$(tr '\n' ' ' < "$tmp/livedefaults/argv")"
for want in "--live " "--auth auto " "--live-errors fail " "--subscription-id sub-1 "; do
  case "$args_line" in *"$want"*) ;; *) fail "live defaults argv: '$want' not in '$args_line'" ;; esac
done
expect_not_contains "$tmp/livedefaults/argv" "--resource-group" "live defaults"
# The deployment context without --live: passed on, no --live.
run_check context 0 pass "$tmp/pass.json" INPUT_SUBSCRIPTION_ID=sub-2 INPUT_RESOURCE_GROUP=rg-2
expect_contains "$tmp/context/argv" "sub-2" context
expect_contains "$tmp/context/argv" "rg-2" context
expect_not_contains "$tmp/context/argv" "--live" context
for bad in "INPUT_LIVE=yes" "INPUT_AUTH=password" "INPUT_LIVE_ERRORS=ignore"; do
  name="bad-${bad%%=*}"
  run_check "$name" 0 pass "$tmp/pass.json" "$bad"
  expect_contains "$tmp/$name/out" "exit-code=2" "$name"
  [ ! -e "$tmp/$name/argv" ] || fail "$name: rolegate ran"
done

# 7. A template compiled in memory with no Bicep line for a finding: annotated on the .bicep file.
jq -n '{verdict: "fail", findings: [{rule: "EV001", name: "unresolved", severity: "error", message: "m",
  location: {file: "infra/main.bicep (compiled)", line: 4, column: 3, pointer: "/x"}}]}' > "$tmp/inmem.json"
run_check inmem 1 fail "$tmp/inmem.json"
expect_contains "$tmp/inmem/log" "::error file=infra/main.bicep,line=1,col=1,title=EV001 unresolved::(no Bicep line; in the compiled JSON (infra/main.bicep (compiled)) at line 4, column 3) m" inmem

if [ "$failures" -gt 0 ]; then
  echo "$failures action test(s) failed"
  exit 1
fi
echo "action tests: all passed"
