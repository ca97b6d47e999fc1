#!/usr/bin/env bash
# Posts or updates the sticky PR comment for the GitHub Action (input `comment: true`). Posting
# degrades gracefully: when it cannot or may not post, it says why and leaves the job summary as the
# report. It never fails the job; the verdict does.
#
# Environment: GITHUB_TOKEN (never printed), EVENT_NAME, HEAD_REPO, BASE_REPO, MARKDOWN, JSON_REPORT,
# COMMENT_KEY.
# ROLEGATE (optional) overrides the binary.
set -uo pipefail

rolegate_bin="${ROLEGATE:-rolegate}"

case "${EVENT_NAME:-}" in
  pull_request | pull_request_target) ;;
  *)
    echo "::notice title=rolegate::no PR comment: the '${EVENT_NAME:-unknown}' event has no pull request (the report is in the job summary)"
    exit 0
    ;;
esac

# A pull_request run from a fork gets a read-only token: a comment would fail with 403.
if [ "${EVENT_NAME}" = "pull_request" ] && [ -n "${HEAD_REPO:-}" ] && [ "${HEAD_REPO}" != "${BASE_REPO:-}" ]; then
  echo "::notice title=rolegate::no PR comment: pull requests from forks get a read-only token (the report is in the job summary); post it from a workflow_run workflow, see docs/github-action.md#pull-requests-from-forks"
  exit 0
fi

if [ -z "${GITHUB_TOKEN:-}" ]; then
  echo "::warning title=rolegate::no PR comment: no github-token"
  exit 0
fi

if ! "$rolegate_bin" publish --help >/dev/null 2>&1; then
  echo "::notice title=rolegate::no PR comment: this rolegate build has no 'publish' command yet (the report is in the job summary)"
  exit 0
fi

if [ -z "${JSON_REPORT:-}" ]; then
  echo "::warning title=rolegate::no PR comment: no JSON report was written"
  exit 0
fi

# The job summary was written by check.sh. publish exits with the report's verdict (0 or 1) and
# prints a one-line warning for what it could not post; 2 means it could not run at all.
args=(publish github --json "$JSON_REPORT" --markdown "${MARKDOWN:?}" --no-summary)
[ -n "${COMMENT_KEY:-}" ] && args+=(--comment-key "$COMMENT_KEY")
"$rolegate_bin" "${args[@]}"
code=$?
if [ "$code" -gt 1 ]; then
  echo "::warning title=rolegate::the PR comment could not be posted (rolegate publish exited $code); the report is in the job summary"
fi
exit 0
