#!/usr/bin/env bash
# Runs `rolegate check` for the GitHub Action (see action.yml), writes the Markdown report to the
# job summary, emits annotations for the first findings, and sets the step outputs. It never fails
# the step itself: the action's last step ("Gate") does, after the summary and comment are written.
#
# Environment: INPUT_PATH, INPUT_POLICY, INPUT_POLICY_REF, INPUT_PARAMETERS, INPUT_BICEP, INPUT_FORMAT, INPUT_FAIL_ON, INPUT_SARIF,
# INPUT_LIVE, INPUT_AUTH, INPUT_SUBSCRIPTION_ID, INPUT_RESOURCE_GROUP, INPUT_LIVE_ERRORS, RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. ROLEGATE (optional) overrides the binary.
set -uo pipefail

rolegate_bin="${ROLEGATE:-rolegate}"
out_dir="${RUNNER_TEMP:?}/rolegate-report"
mkdir -p "$out_dir"
md="$out_dir/report.md"
json="$out_dir/report.json"
rm -f "$md" "$json"

# GitHub keeps at most 1 MiB of summary per step; stay clearly below it.
summary_limit=1000000
# Workflow-command annotations are capped at 10 errors and 10 warnings per step; extra ones are
# dropped silently, so say how many there were instead.
annotation_limit=10

output() { printf '%s=%s\n' "$1" "$2" >> "${GITHUB_OUTPUT:?}"; }

bad_input() {
  echo "::error title=rolegate::$1"
  output exit-code 2
  output verdict ""
  output sarif ""
  output markdown ""
  output json ""
  exit 0
}

case "${INPUT_FORMAT:-text}" in text | json) ;; *) bad_input "format must be text or json, not '${INPUT_FORMAT}'" ;; esac
case "${INPUT_FAIL_ON:-error}" in error | warning) ;; *) bad_input "fail-on must be error or warning, not '${INPUT_FAIL_ON}'" ;; esac
case "${INPUT_LIVE:-false}" in true | false) ;; *) bad_input "live must be true or false, not '${INPUT_LIVE}'" ;; esac
case "${INPUT_AUTH:-auto}" in
  auto | cli | managed-identity | workload-identity | github-oidc | client-secret) ;;
  *) bad_input "auth must be auto, cli, managed-identity, workload-identity, github-oidc or client-secret, not '${INPUT_AUTH}'" ;;
esac
case "${INPUT_LIVE_ERRORS:-fail}" in fail | warn) ;; *) bad_input "live-errors must be fail or warn, not '${INPUT_LIVE_ERRORS}'" ;; esac

# Inputs are lists separated by spaces or newlines (paths with spaces are not supported).
read -r -a paths <<< "$(printf '%s' "${INPUT_PATH:-}" | tr '\r\n' '  ')"
read -r -a params <<< "$(printf '%s' "${INPUT_PARAMETERS:-}" | tr '\r\n' '  ')"
[ "${#paths[@]}" -gt 0 ] || paths=(.)

args=(check "${paths[@]}")
for p in "${params[@]}"; do args+=(-p "$p"); done
[ -n "${INPUT_POLICY:-}" ] && args+=(--policy "$INPUT_POLICY")
[ -n "${INPUT_POLICY_REF:-}" ] && args+=(--policy-ref "$INPUT_POLICY_REF")
args+=(--format "${INPUT_FORMAT:-text}" --fail-on "${INPUT_FAIL_ON:-error}")
args+=(--markdown "$md" --markdown-artifact "the job log" --json "$json")
[ -n "${INPUT_SARIF:-}" ] && args+=(--sarif "$INPUT_SARIF")
# The deployment context counts without --live too (guid() names as Azure computes them).
[ -n "${INPUT_SUBSCRIPTION_ID:-}" ] && args+=(--subscription-id "$INPUT_SUBSCRIPTION_ID")
[ -n "${INPUT_RESOURCE_GROUP:-}" ] && args+=(--resource-group "$INPUT_RESOURCE_GROUP")
if [ "${INPUT_LIVE:-false}" = true ]; then
  args+=(--live --auth "${INPUT_AUTH:-auto}" --live-errors "${INPUT_LIVE_ERRORS:-fail}")
fi

# `bicep`: auto (rolegate looks for `bicep`, then `az`), off, or the path of a Bicep CLI.
case "${INPUT_BICEP:-auto}" in
  "" | auto) unset ROLEGATE_BICEP ;;
  *) export ROLEGATE_BICEP="$INPUT_BICEP" ;;
esac

echo "::group::rolegate ${args[*]}"
"$rolegate_bin" "${args[@]}"
code=$?
echo "::endgroup::"

# Verdict: from the JSON report when there is one, else from the exit code.
verdict=""
if [ -s "$json" ] && command -v jq >/dev/null 2>&1; then
  verdict=$(jq -r '.verdict // empty' "$json" 2>/dev/null || true)
fi
if [ -z "$verdict" ]; then
  case "$code" in 0) verdict=pass ;; 1) verdict=fail ;; *) verdict="" ;; esac
fi

# Job summary.
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -s "$md" ]; then
    size=$(wc -c < "$md")
    if [ "$size" -le "$summary_limit" ]; then
      cat "$md" >> "$GITHUB_STEP_SUMMARY"
    else
      head -c "$summary_limit" "$md" >> "$GITHUB_STEP_SUMMARY"
      printf '\n\n… report truncated (%s bytes); the full report is in the job log.\n' "$size" >> "$GITHUB_STEP_SUMMARY"
    fi
  else
    {
      echo "## rolegate: nothing was judged"
      echo
      echo "\`rolegate check\` exited with code $code (bad input or usage). The job log names the file, line and column."
    } >> "$GITHUB_STEP_SUMMARY"
  fi
fi

# Annotations on the changed lines (errors and warnings that are not covered by an exception).
if [ -s "$json" ] && command -v jq >/dev/null 2>&1; then
  for level in error warning; do
    total=$(jq --arg l "$level" '[.findings[]? | select(.severity == $l and (.suppressed == null))] | length' "$json" 2>/dev/null || echo 0)
    # Escaping per the workflow-command rules: data escapes % CR LF; properties also : and ,.
    jq -r --arg l "$level" --argjson n "$annotation_limit" '
      def data: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
      def prop: data | gsub(":"; "%3A") | gsub(","; "%2C");
      [.findings[]? | select(.severity == $l and (.suppressed == null))][:$n][]
      # The Bicep line when the template was compiled from Bicep: the file in the PR diff. A
      # template compiled in memory ("main.bicep (compiled)") is no file: without a Bicep line
      # for the value, the annotation goes on the .bicep file and names the compiled line.
      | .location as $loc
      | (if $loc.bicep then {at: $loc.bicep, note: ""}
         elif ($loc.file | endswith(" (compiled)")) then
           {at: {file: ($loc.file | rtrimstr(" (compiled)")), line: 1, column: 1},
            note: "(no Bicep line; in the compiled JSON (\($loc.file)) at line \($loc.line), column \($loc.column)) "}
         else {at: $loc, note: ""} end) as $shown
      | $shown.at as $at
      | "::\($l) file=\($at.file | prop),line=\($at.line),col=\($at.column),title=\((.rule + " " + .name) | prop)::\(($shown.note + .message) | data)"
    ' "$json" 2>/dev/null || true
    if [ "${total:-0}" -gt "$annotation_limit" ]; then
      echo "::notice title=rolegate::$((total - annotation_limit)) more ${level}s are in the job summary and the SARIF report"
    fi
  done
fi

output exit-code "$code"
output verdict "$verdict"
if [ -n "${INPUT_SARIF:-}" ] && [ -s "$INPUT_SARIF" ]; then output sarif "$INPUT_SARIF"; else output sarif ""; fi
if [ -s "$md" ]; then output markdown "$md"; else output markdown ""; fi
if [ -s "$json" ]; then output json "$json"; else output json ""; fi
exit 0
