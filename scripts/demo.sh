#!/usr/bin/env bash
# make demo: build sesame, start the local emulators on loopback, and walk
# through what sesame does today. Everything runs in a temporary HOME that is
# removed at the end, and every process started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
SESAME="$PWD/bin/sesame"
[ -x "$SESAME" ] || go build -o "$SESAME" ./cmd/sesame

demo_home=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$demo_home"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
	for _ in $(seq 1 100); do
		python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "demo: $1 did not come up" >&2; return 1
}

# A sandboxed environment: nothing of yours is read or changed.
export HOME="$demo_home"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
mkdir -m 700 -p "$HOME/.aws"

step "start moto (STS and IAM) on loopback"
command -v moto_server >/dev/null || { echo "demo: moto_server not found: pip install 'moto[server]'" >&2; exit 1; }
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >"$demo_home/moto.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$moto_port/moto-api/"
export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_REGION=us-east-1
echo "moto listens on $AWS_ENDPOINT_URL"

step "a sample ~/.aws/config"
cp scripts/demo/config "$HOME/.aws/config"
chmod 600 "$HOME/.aws/config"
sed 's/^/    /' "$HOME/.aws/config"

step "sesame list: every profile, how it gets credentials, and its chain"
show "$SESAME" list </dev/null | cat
echo
echo "(on a terminal this is a table; piped it is tab-separated; --json for scripts)"
printf '$ sesame list --json | (show each chain)\n'
"$SESAME" list --json | python3 -c 'import json,sys; [print(" ", p["name"], "->", " -> ".join(p["chain"][1:]) or "(root)") for p in json.load(sys.stdin)]'

step "a file the AWS CLI would refuse is refused too, with file:line"
printf '[profile broken]\nregion = us-east-1\nregion = eu-west-1\n' >"$HOME/broken-config"
printf '$ AWS_CONFIG_FILE=~/broken-config sesame list\n'
AWS_CONFIG_FILE="$HOME/broken-config" "$SESAME" list || echo "(exit status $?)"

step "moto answers STS on loopback (later steps of the demo use it)"
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=demo-not-a-secret \
	python3 -c 'import boto3; print("  caller:", boto3.client("sts").get_caller_identity()["Arn"])'
show "$SESAME" version

step "done: moto stopped, temporary HOME removed"
