#!/usr/bin/env bash
# tests/cli.sh drives "secretstore serve" with the AWS CLI: create, put, get,
# list, the DeleteSecret flow (delete with a recovery window, get fails,
# restore, get works, force delete) and the end of a recovery window through
# the --test-mode endpoints. Run it from anywhere: tests/cli.sh
#
# Needs go, the AWS CLI (installed from Debian's awscli when missing and run
# as root), and jq or python3. Prints PASS or FAIL for each step and exits
# non-zero at the first failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/secretstore-cli.XXXXXX")
server_pid=
step_no=0

cleanup() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

die() {
	echo "cli.sh: $*" >&2
	exit 1
}

# --- tools -------------------------------------------------------------------

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	PATH=/usr/local/go/bin:$PATH
fi
command -v go >/dev/null || die "go is not installed"

if ! command -v aws >/dev/null; then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
		echo "cli.sh: the AWS CLI is missing; installing Debian's awscli"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
	fi
	command -v aws >/dev/null || die "the AWS CLI (aws) is missing: install it (Debian: apt-get install awscli) and run again"
fi

if command -v jq >/dev/null; then
	json=jq
elif command -v python3 >/dev/null; then
	json=python3
else
	die "jq or python3 is needed to read the AWS CLI's JSON"
fi

# field NAME prints the top-level string member NAME of the JSON on stdin.
field() {
	if [[ $json == jq ]]; then
		jq -r --arg f "$1" '.[$f] // empty'
	else
		python3 -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"
	fi
}

# names prints the Name of every secret in the ListSecrets output on stdin.
names() {
	if [[ $json == jq ]]; then
		jq -r '.SecretList[].Name'
	else
		python3 -c 'import json, sys; [print(s["Name"]) for s in json.load(sys.stdin)["SecretList"]]'
	fi
}

# post PATH BODY posts JSON to the server and prints the response body.
post() {
	if command -v curl >/dev/null; then
		curl -fsS --max-time 10 -X POST -H 'Content-Type: application/json' -d "$2" "$url$1"
	else
		python3 - "$url$1" "$2" <<-'EOF'
			import sys, urllib.request
			req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
			                             headers={"Content-Type": "application/json"})
			print(urllib.request.urlopen(req, timeout=10).read().decode())
		EOF
	fi
}

# --- the server --------------------------------------------------------------

echo "cli.sh: building secretstore"
(cd "$root" && go build -o "$work/secretstore" ./cmd/secretstore)

"$work/secretstore" serve --memory --test-mode --addr 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!

addr=
for _ in $(seq 1 100); do
	addr=$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$work/server.log")
	[[ -n $addr ]] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the server exited"; }
	sleep 0.1
done
[[ -n $addr ]] || { cat "$work/server.log" >&2; die "the server did not start"; }
url="http://$addr"
post /_secretstore/clock '{"advance":"0s"}' >/dev/null || die "the server at $url does not answer"
echo "cli.sh: server at $url"

# The AWS CLI talks to the local server only, whatever the user has configured.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_DEFAULT_OUTPUT=json AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SECRETS_MANAGER || true

# sm runs an AWS CLI secretsmanager command against the server.
sm() {
	aws --endpoint-url "$url" --region us-east-1 --cli-connect-timeout 2 --cli-read-timeout 10 secretsmanager "$@"
}

# --- steps -------------------------------------------------------------------

pass() { echo "PASS $step_no $1"; }

fail() {
	echo "FAIL $step_no $1"
	shift
	[[ $# -gt 0 ]] && printf '     %s\n' "$@"
	echo "---- server log (last lines)"
	tail -n 20 "$work/server.log"
	exit 1
}

# step DESC CMD... runs CMD and fails the step unless it succeeds; its
# output is in $out.
step() {
	local desc=$1
	shift
	step_no=$((step_no + 1))
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "command: $*" "output: $out"
	fi
}

# step_error DESC CODE CMD... runs CMD and fails the step unless it fails
# with the AWS error CODE.
step_error() {
	local desc=$1 code=$2
	shift 2
	step_no=$((step_no + 1))
	if out=$("$@" 2>&1); then
		fail "$desc" "command: $*" "succeeded; want $code" "output: $out"
	elif [[ $out == *"($code)"* ]]; then
		pass "$desc"
	else
		fail "$desc" "command: $*" "want $code" "output: $out"
	fi
}

# check DESC TEST... fails the step unless the test succeeds.
check() {
	local desc=$1
	shift
	step_no=$((step_no + 1))
	if "$@"; then
		pass "$desc"
	else
		fail "$desc" "output: $out"
	fi
}

is() { [[ $1 == "$2" ]]; }
not_empty() { [[ -n $1 ]]; }
listed() { names <<<"$out" | grep -qxF "$1"; }
not_listed() { ! listed "$1"; }

name=cli/test-secret

step "create-secret" sm create-secret --name "$name" --secret-string first
check "create-secret returns the name" is "$(field Name <<<"$out")" "$name"

step "put-secret-value" sm put-secret-value --secret-id "$name" --secret-string second
check "put-secret-value returns a version id" not_empty "$(field VersionId <<<"$out")"

step "get-secret-value" sm get-secret-value --secret-id "$name"
check "get-secret-value returns the value put" is "$(field SecretString <<<"$out")" second

step "get-secret-value --version-stage AWSPREVIOUS" sm get-secret-value --secret-id "$name" --version-stage AWSPREVIOUS
check "AWSPREVIOUS holds the first value" is "$(field SecretString <<<"$out")" first

step "list-secrets" sm list-secrets
check "list-secrets shows the secret" listed "$name"

step "delete-secret --recovery-window-in-days 7" sm delete-secret --secret-id "$name" --recovery-window-in-days 7
check "delete-secret returns a DeletionDate" not_empty "$(field DeletionDate <<<"$out")"

step_error "get-secret-value fails while scheduled for deletion" InvalidRequestException \
	sm get-secret-value --secret-id "$name"

step "describe-secret" sm describe-secret --secret-id "$name"
check "describe-secret shows DeletedDate" not_empty "$(field DeletedDate <<<"$out")"

step "list-secrets" sm list-secrets
check "list-secrets hides the scheduled secret" not_listed "$name"
step "list-secrets --include-planned-deletion" sm list-secrets --include-planned-deletion
check "list-secrets --include-planned-deletion shows it" listed "$name"

step "restore-secret" sm restore-secret --secret-id "$name"
step "get-secret-value after restore" sm get-secret-value --secret-id "$name"
check "the value survived the restore" is "$(field SecretString <<<"$out")" second

step "delete-secret --force-delete-without-recovery" sm delete-secret --secret-id "$name" --force-delete-without-recovery
step_error "get-secret-value fails after the forced delete" ResourceNotFoundException \
	sm get-secret-value --secret-id "$name"
step "list-secrets --include-planned-deletion" sm list-secrets --include-planned-deletion
check "list-secrets no longer shows it" not_listed "$name"

# The end of a recovery window, without waiting a week.
window=cli/window-secret
step "create-secret (recovery window check)" sm create-secret --name "$window" --secret-string v
step "delete-secret --recovery-window-in-days 7" sm delete-secret --secret-id "$window" --recovery-window-in-days 7
step "POST /_secretstore/clock advance 192h" post /_secretstore/clock '{"advance":"192h"}'
check "the clock answers with the new time" not_empty "$(field now <<<"$out")"
step "POST /_secretstore/reap" post /_secretstore/reap '{}'
step_error "describe-secret fails once the window has ended" ResourceNotFoundException \
	sm describe-secret --secret-id "$window"

step "create-secret (reset check)" sm create-secret --name cli/reset-me --secret-string v
step "POST /_secretstore/reset" post /_secretstore/reset '{}'
step "list-secrets after reset" sm list-secrets --include-planned-deletion
check "reset emptied the store" not_listed cli/reset-me

echo "cli.sh: all $step_no steps passed"
