#!/usr/bin/env bash
# tests/docker.sh builds the FROM scratch image of the Dockerfile, offline
# (the image has no base, so nothing is pulled), and checks it as a user
# runs it: docker run with a volume, the AWS CLI against it, the
# healthcheck turning healthy, docker stop ending within its grace period
# with the store closed cleanly (exit status 0, "stopped" logged), and the
# data still there for a second container on the same volume.
#
# Needs go, docker (with a running daemon: .ci/run installs docker.io and
# starts dockerd) and the AWS CLI. Prints PASS or FAIL for each step and
# exits non-zero at the first failure; removes what it made.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/secretstore-docker.XXXXXX")
tag="secretstore:test-$$"
name="secretstore-test-$$"
volume="secretstore-test-$$"
step_no=0

cleanup() {
	docker rm -f "$name" "$name-2" >/dev/null 2>&1 || true
	docker volume rm "$volume" >/dev/null 2>&1 || true
	docker rmi "$tag" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

die() {
	echo "docker.sh: $*" >&2
	exit 1
}
pass() {
	step_no=$((step_no + 1))
	echo "PASS $step_no: $*"
}
fail() {
	echo "FAIL: $*" >&2
	docker logs "$name" 2>&1 | tail -20 >&2 || true
	exit 1
}

command -v docker >/dev/null || die "docker is not installed"
docker info >/dev/null 2>&1 || die "the docker daemon is not running"
if ! command -v aws >/dev/null; then
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
		echo "docker.sh: the AWS CLI is missing; installing Debian's awscli"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli >/dev/null
	fi
	command -v aws >/dev/null || die "the AWS CLI (aws) is missing: install it (Debian: apt-get install awscli) and run again"
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	PATH=/usr/local/go/bin:$PATH
fi

# --- the image ---------------------------------------------------------------

mkdir "$work/data"
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || true)
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.stampedRevision=$revision" -o "$work/secretstore" ./cmd/secretstore)
# The legacy builder suffices (docker.io 20.10's default); its deprecation
# notice is shown only when the build fails.
docker build --quiet -t "$tag" -f "$root/Dockerfile" "$work" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "docker build"; }
size=$(docker image inspect -f '{{.Size}}' "$tag")
pass "docker build (offline, FROM scratch): $((size / 1024 / 1024)) MiB"
[[ $(docker image inspect -f '{{.Config.User}}' "$tag") == 65532:65532 ]] || fail "the image does not run as user 65532"
[[ $(docker image inspect -f '{{json .Config.ExposedPorts}}' "$tag") == *4566/tcp* ]] || fail "the image does not expose 4566"
pass "non-root user 65532, EXPOSE 4566"

# --- run it -------------------------------------------------------------------

key=$(head -c 32 /dev/urandom | base64)
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""

# run NAME starts a container of the image on the volume and sets $endpoint.
run() {
	docker run -d --name "$1" -p 127.0.0.1::4566 -v "$volume:/data" \
		-e SECRETSTORE_MASTER_KEY="$key" --health-interval 1s --health-start-period 1s "$tag" >/dev/null ||
		fail "docker run"
	local port
	port=$(docker port "$1" 4566/tcp | head -1)
	endpoint="http://${port}"
}

# wait_healthy NAME waits for the container's healthcheck to pass.
wait_healthy() {
	local status
	for _ in $(seq 1 60); do
		status=$(docker inspect -f '{{.State.Health.Status}}' "$1")
		[[ $status == healthy ]] && return 0
		[[ $(docker inspect -f '{{.State.Running}}' "$1") == true ]] || fail "$1 exited"
		sleep 0.5
	done
	fail "$1's healthcheck is $status after 30 s"
}

docker volume create "$volume" >/dev/null
run "$name"
wait_healthy "$name"
pass "docker run: the healthcheck (secretstore health) turned healthy"

aws --endpoint-url "$endpoint" secretsmanager create-secret --name prod/db/password --secret-string hunter2 >/dev/null ||
	fail "create-secret"
got=$(aws --endpoint-url "$endpoint" secretsmanager get-secret-value --secret-id prod/db/password --query SecretString --output text) ||
	fail "get-secret-value"
[[ $got == hunter2 ]] || fail "get-secret-value = $got"
pass "the AWS CLI against the container: create-secret, get-secret-value"

start=$(date +%s.%N)
docker stop -t 10 "$name" >/dev/null
took=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
awk "BEGIN { exit !($took < 10) }" || fail "docker stop took ${took}s, the whole grace period: SIGTERM was not handled"
[[ $(docker inspect -f '{{.State.ExitCode}}' "$name") == 0 ]] || fail "exit status $(docker inspect -f '{{.State.ExitCode}}' "$name") after docker stop"
docker logs "$name" 2>&1 | grep -q 'msg=stopped' || fail "no clean stop logged"
pass "docker stop: exit status 0 in ${took}s, the store closed cleanly"

run "$name-2"
wait_healthy "$name-2"
got=$(aws --endpoint-url "$endpoint" secretsmanager get-secret-value --secret-id prod/db/password --query SecretString --output text) ||
	fail "get-secret-value in the second container"
[[ $got == hunter2 ]] || fail "the second container reads $got"
docker stop -t 10 "$name-2" >/dev/null
pass "a second container on the same volume reads the secret"
