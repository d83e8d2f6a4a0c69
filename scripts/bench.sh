#!/usr/bin/env bash
# make bench: the whole-process benchmarks of BENCHMARKS.md, with hyperfine.
# Everything runs in a temporary HOME against moto on loopback; nothing of
# yours is read or changed. Needs hyperfine (apt-get install -y hyperfine);
# the Secret Service and pass rows also need dbus, gnome-keyring, pass, gnupg.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: hyperfine not found: apt-get install -y hyperfine" >&2; exit 1; }
SESAME="$PWD/bin/sesame"
dir=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
runs=${RUNS:-100}
# hf RUNS ARGS...: hyperfine with RUNS runs, the summary lines only.
hf() { local n=$1; shift; hyperfine -N --warmup 5 --runs "$n" --style basic "$@" 2>&1 | grep -E 'Benchmark|Time|Range' || true; }
peak_rss() { /usr/bin/time -f '  peak RSS: %M KiB' "$@" 2>&1 >/dev/null | grep 'peak RSS'; }

export HOME="$dir/home" AWS_CONFIG_FILE="$dir/home/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$dir/home/.aws/credentials"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
mkdir -p "$HOME/.aws"

echo "== sesame list over 5,000 profiles"
python3 scripts/gen-config.py 5000 "$dir/big-config"
AWS_CONFIG_FILE="$dir/big-config" SESAME_BACKEND=file hf "$runs" "$SESAME list" "$SESAME list --json"
AWS_CONFIG_FILE="$dir/big-config" SESAME_BACKEND=file peak_rss "$SESAME" list

echo "== sesame list over 4,000-deep include_profile and source_profile chains"
python3 scripts/gen-chain.py 4000 include_profile "$dir/include-chain"
python3 scripts/gen-chain.py 4000 source_profile "$dir/source-chain"
AWS_CONFIG_FILE="$dir/include-chain" SESAME_BACKEND=file hf "$runs" -n 'list, 4,000-deep include_profile chain' "$SESAME list"
# The table and the TSV shorten chains of more than 9 names (list.chainShown).
AWS_CONFIG_FILE="$dir/source-chain" SESAME_BACKEND=file hf 3 -n 'list, 4,000-deep source_profile chain' "$SESAME list"

echo "== moto on loopback"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1
cat >"$AWS_CONFIG_FILE" <<CFG
[profile base]
region = us-east-1
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
CFG
keys=$'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

echo "== file backend (unlock cache warm)"
export SESAME_BACKEND=file SESAME_FILE_PASSPHRASE=bench-passphrase
printf '%s\n' "$keys" | "$SESAME" add base --no-config 2>/dev/null
"$SESAME" export --format json admin >/dev/null
hf "$runs" -n 'file: Get of a stored key (export --no-session)' "$SESAME export --format json --no-session base" \
   -n 'file: warm export of a cached role session' "$SESAME export --format json admin"
peak_rss "$SESAME" export --format json admin
hf 20 -n 'file: cold export, one AssumeRole to moto' --prepare "$SESAME clear admin --backend file" "$SESAME export --format json admin"
peak_rss sh -c "$SESAME clear admin 2>/dev/null; exec $SESAME export --format json admin"
SESAME_FILE_UNLOCK_TTL=0 hf 10 -n 'file: Get with no unlock cache (argon2id)' "$SESAME export --format json --no-session base"
unset SESAME_FILE_PASSPHRASE

if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
	echo "== secret-service backend (gnome-keyring)"
	cat >"$dir/ss.sh" <<SH
#!/bin/sh
printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
sleep 0.3
export SESAME_BACKEND=secret-service
printf '%s\n' "$keys" | "$SESAME" add base --no-config 2>/dev/null
"$SESAME" export --format json admin >/dev/null
hyperfine -N --warmup 10 --runs $runs --style basic -n 'secret-service: Get of a stored key' "$SESAME export --format json --no-session base" \
   -n 'secret-service: warm export of a cached role session' "$SESAME export --format json admin" 2>&1 | grep -E 'Benchmark|Time|Range'
SH
	chmod +x "$dir/ss.sh"
	dbus-run-session -- "$dir/ss.sh"
fi

if command -v pass >/dev/null && command -v gpg >/dev/null; then
	echo "== pass backend"
	export GNUPGHOME="$dir/gnupg" SESAME_PASS_DIR="$dir/pass" SESAME_BACKEND=pass
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key bench@example.invalid default default never 2>/dev/null
	PASSWORD_STORE_DIR="$SESAME_PASS_DIR" pass init bench@example.invalid >/dev/null
	printf '%s\n' "$keys" | "$SESAME" add base --no-config 2>/dev/null
	hf 30 -n 'pass: Get of a stored key' "$SESAME export --format json --no-session base"
	gpgconf --kill gpg-agent
fi
