#!/usr/bin/env bash
# tests/cli.sh drives "secretstore serve" with the AWS CLI: create, put, get,
# list, the DeleteSecret flow (delete with a recovery window, get fails,
# restore, get works, force delete), the end of a recovery window through
# the --test-mode endpoints, and replica regions (create with a replica,
# read it and be refused a write in its region, replicate, remove a region,
# promote a replica), and rotation (rotate-secret with a rotation function the
# server runs, a failed rotation, cancel-rotate-secret, describe-secret). Run
# it from anywhere: tests/cli.sh
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

# member NAME prints the top-level member NAME of the JSON on stdin as JSON
# (true, false, null, "text"), for the members field cannot show.
member() {
	if [[ $json == jq ]]; then
		jq -c --arg f "$1" '.[$f]'
	else
		python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin).get(sys.argv[1])))' "$1"
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

# replication prints "REGION STATUS" for every entry of the
# ReplicationStatus in the JSON on stdin (none if it has none), one a line.
replication() {
	if [[ $json == jq ]]; then
		jq -r '(.ReplicationStatus // [])[] | "\(.Region) \(.Status)"'
	else
		python3 -c 'import json, sys; [print(r["Region"], r["Status"]) for r in json.load(sys.stdin).get("ReplicationStatus") or []]'
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

# The rotation function the server runs (serve --rotator ARN=exec:...): the
# four steps of AWS's rotation template, with the AWS CLI. serve gives it the
# event on stdin and SECRETS_MANAGER_ENDPOINT, AWS_REGION and credentials in
# its environment. A secret tagged RotatorFailStep=STEP fails that step.
rotator_arn=arn:aws:lambda:us-east-1:123456789012:function:cli-rotator
cat >"$work/rotator.sh" <<'EOF'
set -euo pipefail
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" AWS_MAX_ATTEMPTS=1
event=$(cat)
member() {
	if command -v jq >/dev/null; then
		jq -r --arg f "$1" '.[$f]' <<<"$event"
	else
		python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$event" "$1"
	fi
}
step=$(member Step) arn=$(member SecretId) token=$(member ClientRequestToken)
sm() { aws --endpoint-url "$SECRETS_MANAGER_ENDPOINT" --output text secretsmanager "$@"; }

# The template's checks: the token's version is AWSPENDING, unless it is
# AWSCURRENT already (then there is nothing left to do).
read -r stages fail_step < <(sm describe-secret --secret-id "$arn" \
	--query "[join(',', VersionIdsToStages.\"$token\" || \`[]\`), Tags[?Key=='RotatorFailStep'].Value | [0]]")
case ,$stages, in
*,AWSCURRENT,*) exit 0 ;;
*,AWSPENDING,*) ;;
*) echo "version $token of $arn is not AWSPENDING" >&2; exit 1 ;;
esac
if [[ $fail_step == "$step" ]]; then
	echo "$step failed on purpose: the secret is tagged RotatorFailStep=$step" >&2
	exit 1
fi

case $step in
createSecret)
	if ! err=$(sm get-secret-value --secret-id "$arn" --version-id "$token" --version-stage AWSPENDING --query VersionId 2>&1 >/dev/null); then
		[[ $err == *ResourceNotFoundException* ]] || { echo "$err" >&2; exit 1; }
		password=$(sm get-random-password --password-length 32 --exclude-punctuation --query RandomPassword)
		sm put-secret-value --secret-id "$arn" --client-request-token "$token" \
			--secret-string "$password" --version-stages AWSPENDING >/dev/null
	fi
	;;
setSecret) ;; # no database to give the new password to
testSecret)
	sm get-secret-value --secret-id "$arn" --version-id "$token" --version-stage AWSPENDING --query VersionId >/dev/null
	;;
finishSecret)
	current=$(sm list-secret-version-ids --secret-id "$arn" --query "Versions[?contains(VersionStages, 'AWSCURRENT')].VersionId | [0]")
	sm update-secret-version-stage --secret-id "$arn" --version-stage AWSCURRENT \
		--move-to-version-id "$token" --remove-from-version-id "$current" >/dev/null
	sm update-secret-version-stage --secret-id "$arn" --version-stage AWSPENDING --remove-from-version-id "$token" >/dev/null
	;;
*) echo "unknown step $step" >&2; exit 1 ;;
esac
EOF

"$work/secretstore" serve --memory --test-mode --addr 127.0.0.1:0 \
	--rotator "$rotator_arn=exec:bash $work/rotator.sh" >"$work/server.log" 2>&1 &
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

# sm runs an AWS CLI secretsmanager command against the server, in
# us-east-1; sm_in REGION runs one in REGION (the server serves each request
# in the region it is signed for).
sm() {
	sm_in us-east-1 "$@"
}

sm_in() {
	local region=$1
	shift
	aws --endpoint-url "$url" --region "$region" --cli-connect-timeout 2 --cli-read-timeout 10 secretsmanager "$@"
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
contains() { [[ $1 == *"$2"* ]]; }
lacks() { [[ $1 != *"$2"* ]]; }
listed() { names <<<"$out" | grep -qxF "$1"; }
not_listed() { ! listed "$1"; }
# replicated REGION STATUS: the ReplicationStatus in $out lists REGION with
# STATUS. not_replicated REGION: $out is JSON whose ReplicationStatus does
# not list REGION.
replicated() { replication <<<"$out" | grep -qxF "$1 $2"; }
not_replicated() {
	local regions
	regions=$(replication <<<"$out") && ! grep -q "^$1 " <<<"$regions"
}

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

# Replica regions. The server picks the region of a request from its
# signature: sm_in REGION reads and writes the secrets of REGION.
rep=cli/replicated-secret
replica_msg="Operation not permitted on a replica secret. Call must be made in primary secret's region."
step "create-secret --add-replica-regions Region=eu-west-1" \
	sm create-secret --name "$rep" --secret-string first --add-replica-regions Region=eu-west-1
check "create-secret reports the eu-west-1 replica InSync" replicated eu-west-1 InSync
primary_arn=$(field ARN <<<"$out")
replica_arn=${primary_arn/:us-east-1:/:eu-west-1:}
check "the primary's ARN is in us-east-1" contains "$primary_arn" ":secretsmanager:us-east-1:"

step "get-secret-value --region eu-west-1" sm_in eu-west-1 get-secret-value --secret-id "$rep"
check "the replica holds the primary's value" is "$(field SecretString <<<"$out")" first
check "the replica's ARN is the primary's, in eu-west-1" is "$(field ARN <<<"$out")" "$replica_arn"
step "get-secret-value --region eu-west-1 by the replica's ARN" sm_in eu-west-1 get-secret-value --secret-id "$replica_arn"
check "the replica's ARN finds it" is "$(field SecretString <<<"$out")" first

step_error "put-secret-value --region eu-west-1 is refused on the replica" InvalidParameterException \
	sm_in eu-west-1 put-secret-value --secret-id "$rep" --secret-string refused
check "the error says the replica is read-only" contains "$out" "$replica_msg"
step "put-secret-value in us-east-1" sm put-secret-value --secret-id "$rep" --secret-string second
step "get-secret-value --region eu-west-1 after the put" sm_in eu-west-1 get-secret-value --secret-id "$rep"
check "the put in us-east-1 reached the replica" is "$(field SecretString <<<"$out")" second

step "describe-secret (primary)" sm describe-secret --secret-id "$rep"
check "the primary's ReplicationStatus lists eu-west-1 InSync" replicated eu-west-1 InSync
check "the primary's PrimaryRegion is us-east-1" is "$(field PrimaryRegion <<<"$out")" us-east-1
step "describe-secret --region eu-west-1 (replica)" sm_in eu-west-1 describe-secret --secret-id "$rep"
check "the replica's PrimaryRegion is us-east-1" is "$(field PrimaryRegion <<<"$out")" us-east-1
check "the replica has no ReplicationStatus of its own" not_replicated eu-west-1

step "replicate-secret-to-regions Region=ap-south-1" \
	sm replicate-secret-to-regions --secret-id "$rep" --add-replica-regions Region=ap-south-1
check "ReplicationStatus lists ap-south-1 InSync" replicated ap-south-1 InSync
check "ReplicationStatus still lists eu-west-1 InSync" replicated eu-west-1 InSync
step "get-secret-value --region ap-south-1" sm_in ap-south-1 get-secret-value --secret-id "$rep"
check "the new replica holds the current value" is "$(field SecretString <<<"$out")" second

step "remove-regions-from-replication ap-south-1" \
	sm remove-regions-from-replication --secret-id "$rep" --remove-replica-regions ap-south-1
check "ReplicationStatus no longer lists ap-south-1" not_replicated ap-south-1
check "ReplicationStatus still lists eu-west-1 InSync" replicated eu-west-1 InSync
step_error "get-secret-value --region ap-south-1 fails: the replica is gone" ResourceNotFoundException \
	sm_in ap-south-1 get-secret-value --secret-id "$rep"

step_error "stop-replication-to-replica in us-east-1 fails on the primary" InvalidRequestException \
	sm stop-replication-to-replica --secret-id "$rep"
step "stop-replication-to-replica --region eu-west-1 (promote)" \
	sm_in eu-west-1 stop-replication-to-replica --secret-id "$rep"
check "stop-replication-to-replica returns the replica's ARN" is "$(field ARN <<<"$out")" "$replica_arn"
step "put-secret-value --region eu-west-1 on the promoted secret" \
	sm_in eu-west-1 put-secret-value --secret-id "$rep" --secret-string eu-own
step "get-secret-value --region eu-west-1" sm_in eu-west-1 get-secret-value --secret-id "$rep"
check "the promoted secret holds its own write" is "$(field SecretString <<<"$out")" eu-own
step "describe-secret --region eu-west-1 (promoted)" sm_in eu-west-1 describe-secret --secret-id "$rep"
check "the promoted secret has no PrimaryRegion" is "$(field PrimaryRegion <<<"$out")" ""
step "describe-secret (former primary)" sm describe-secret --secret-id "$rep"
check "the primary's ReplicationStatus no longer lists eu-west-1" not_replicated eu-west-1
check "the primary is no longer replicated" is "$(field PrimaryRegion <<<"$out")" ""
step "get-secret-value in us-east-1" sm get-secret-value --secret-id "$rep"
check "the primary kept its own value" is "$(field SecretString <<<"$out")" second

step "create-secret (reset check)" sm create-secret --name cli/reset-me --secret-string v
step "POST /_secretstore/reset" post /_secretstore/reset '{}'
step "list-secrets after reset" sm list-secrets --include-planned-deletion
check "reset emptied the store" not_listed cli/reset-me

# Rotation, run by the rotation function above (serve --rotator
# ARN=exec:bash rotator.sh): it runs in the background, so the steps wait for
# its outcome.

# wait_rotated NAME VERSION waits until VERSION of secret NAME is AWSCURRENT.
wait_rotated() {
	local i
	for i in $(seq 1 120); do
		[[ $(sm get-secret-value --secret-id "$1" --query VersionId --output text) == "$2" ]] && return 0
		sleep 0.5
	done
	return 1
}

# wait_rotation_failed VERSION waits until the server logs that the rotation
# to VERSION failed.
wait_rotation_failed() {
	local i
	for i in $(seq 1 120); do
		grep -q "msg=\"rotation failed\".* version=$1 " "$work/server.log" && return 0
		sleep 0.5
	done
	return 1
}

rot=cli/rotated-secret
step "create-secret (rotation)" sm create-secret --name "$rot" --secret-string first-password
first_version=$(field VersionId <<<"$out")
step_error "rotate-secret with a function the server does not have fails" AccessDeniedException \
	sm rotate-secret --secret-id "$rot" --rotation-lambda-arn arn:aws:lambda:us-east-1:123456789012:function:nobody
step "describe-secret" sm describe-secret --secret-id "$rot"
check "nothing of it was stored" is "$(member RotationEnabled <<<"$out")" null

step "rotate-secret --rotation-lambda-arn --rotation-rules AutomaticallyAfterDays=30" \
	sm rotate-secret --secret-id "$rot" --rotation-lambda-arn "$rotator_arn" --rotation-rules AutomaticallyAfterDays=30
new_version=$(field VersionId <<<"$out")
check "rotate-secret returns the new version's id" not_empty "$new_version"
step "the rotation function makes the new version AWSCURRENT" wait_rotated "$rot" "$new_version"
step "get-secret-value" sm get-secret-value --secret-id "$rot"
check "AWSCURRENT is the rotated version" is "$(field VersionId <<<"$out")" "$new_version"
rotated_value=$(field SecretString <<<"$out")
check "it holds a new 32-character password" is "${#rotated_value}" 32
step "get-secret-value --version-stage AWSPREVIOUS" sm get-secret-value --secret-id "$rot" --version-stage AWSPREVIOUS
check "AWSPREVIOUS is the first version" is "$(field VersionId <<<"$out")" "$first_version"
step "describe-secret" sm describe-secret --secret-id "$rot"
check "RotationEnabled is true" is "$(member RotationEnabled <<<"$out")" true
check "RotationLambdaARN is the function" is "$(field RotationLambdaARN <<<"$out")" "$rotator_arn"
check "LastRotatedDate is set" not_empty "$(field LastRotatedDate <<<"$out")"
check "NextRotationDate is set" not_empty "$(field NextRotationDate <<<"$out")"

step "tag-resource RotatorFailStep=testSecret" sm tag-resource --secret-id "$rot" --tags Key=RotatorFailStep,Value=testSecret
step "rotate-secret (its testSecret fails)" sm rotate-secret --secret-id "$rot"
failed_version=$(field VersionId <<<"$out")
step "the server logs the failed rotation" wait_rotation_failed "$failed_version"
check "the log quotes the function's stderr" contains "$(cat "$work/server.log")" "testSecret failed on purpose"
step "get-secret-value after the failed rotation" sm get-secret-value --secret-id "$rot"
check "AWSCURRENT did not move" is "$(field VersionId <<<"$out")" "$new_version"
step "get-secret-value --version-stage AWSPENDING" sm get-secret-value --secret-id "$rot" --version-stage AWSPENDING
check "AWSPENDING is on the failed rotation's version" is "$(field VersionId <<<"$out")" "$failed_version"
step_error "rotate-secret while that rotation is not complete" InvalidRequestException sm rotate-secret --secret-id "$rot"
check "the error says it will be reattempted" contains "$out" "A previous rotation isn't complete. That rotation will be reattempted."

step "cancel-rotate-secret" sm cancel-rotate-secret --secret-id "$rot"
check "cancel-rotate-secret returns the pending version" is "$(field VersionId <<<"$out")" "$failed_version"
step "describe-secret after cancel-rotate-secret" sm describe-secret --secret-id "$rot"
check "RotationEnabled is false" is "$(member RotationEnabled <<<"$out")" false
check "RotationLambdaARN stays" is "$(field RotationLambdaARN <<<"$out")" "$rotator_arn"
check "NextRotationDate is gone" is "$(member NextRotationDate <<<"$out")" null
step "get-secret-value --version-stage AWSPENDING after cancel-rotate-secret" \
	sm get-secret-value --secret-id "$rot" --version-stage AWSPENDING
check "AWSPENDING stays where the rotation left it" is "$(field VersionId <<<"$out")" "$failed_version"
check "the server's log holds no secret value" lacks "$(cat "$work/server.log")" "$rotated_value"

echo "cli.sh: all $step_no steps passed"
