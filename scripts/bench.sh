#!/usr/bin/env bash
# make bench: the whole-process benchmarks of BENCHMARKS.md, with hyperfine.
# Everything runs in a temporary HOME against moto on loopback; nothing of
# yours is read or changed. Needs hyperfine (apt-get install -y hyperfine);
# the Secret Service and pass rows also need dbus, gnome-keyring, pass, gnupg.
#
# The first table gives each time as a ratio to a floor, scripts/benchfloor
# (a Go program that starts, reads one small file and prints JSON), timed in
# the same hyperfine run: a loaded or slower machine slows both alike.
#
#   AWS_VAULT_SRC=/path/to/aws-vault   also build the ByteNess aws-vault fork
#                                      from that checkout and time it beside
#                                      sesame (file backend); no row without it
#   QUICK=1                            the ratio table only
#   INSTR=1                            also count instructions per run (valgrind)
#   RUNS=N                             hyperfine runs per row (default 100)
#   ROUNDS=N                           rounds the ratio table's runs are split in (default 5)
#   SESAME=/path/to/sesame             time that binary instead of bin/sesame
#   SESAME_BASE=/path/to/sesame        also time this build (before a change) in
#                                      the same rounds, as "base" rows
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: hyperfine not found: apt-get install -y hyperfine" >&2; exit 1; }
SESAME=${SESAME:-$PWD/bin/sesame} # SESAME=/path/to/binary times another build
[ -x "$SESAME" ] || { echo "bench: $SESAME not found: run make build (or make bench)" >&2; exit 1; }
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

echo "== building the floor${AWS_VAULT_SRC:+ and aws-vault from $AWS_VAULT_SRC}"
FLOOR="$dir/floor"
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$FLOOR" ./scripts/benchfloor
AV=""
if [ -n "${AWS_VAULT_SRC:-}" ]; then
	# Built as its release is (static, stripped). Its go.mod may replace
	# its keyring with a local checkout.
	if (cd "$AWS_VAULT_SRC" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$dir/aws-vault" .); then
		AV="$dir/aws-vault"
	else
		echo "bench: cannot build aws-vault in $AWS_VAULT_SRC; its rows are left out" >&2
	fi
fi

export HOME="$dir/home" AWS_CONFIG_FILE="$dir/home/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$dir/home/.aws/credentials"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_VAULT
mkdir -p "$HOME/.aws"

echo "== moto on loopback"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1
# aws-vault caches an AssumeRole session only for a role with mfa_serial, so
# its rows use admin-mfa (warmed once with a token; moto accepts any).
small='[profile base]
region = us-east-1
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
[profile admin-mfa]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/bench'
printf '%s\n' "$small" >"$AWS_CONFIG_FILE"
# The same profiles after 5,000 generated ones (at the end of the file).
python3 scripts/gen-config.py 5000 "$dir/big-config"
printf '\n%s\n' "$small" >>"$dir/big-config"
keys=$'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'

# The vault's unlock cache lasts 15 minutes by default; the rows below take
# longer than that, and every one of them is meant warm.
export SESAME_BACKEND=file SESAME_FILE_PASSPHRASE=bench-passphrase SESAME_FILE_UNLOCK_TTL=24h
printf '%s\n' "$keys" | "$SESAME" add base --no-config 2>/dev/null
"$SESAME" export --format json admin >/dev/null
if [ -n "$AV" ]; then
	export AWS_VAULT_BACKEND=file AWS_VAULT_FILE_DIR="$dir/aws-vault-keys" AWS_VAULT_FILE_PASSPHRASE=bench-passphrase
	AWS_ACCESS_KEY_ID=${keys%%$'\n'*} AWS_SECRET_ACCESS_KEY=${keys#*$'\n'} "$AV" add base --env >/dev/null
	if ! "$AV" export --format=json --mfa-token=123456 admin-mfa >/dev/null; then
		echo "bench: aws-vault cannot export the role; its rows are left out" >&2
		AV=""
	fi
fi

# ratio NAME -n NAME COMMAND...: times the floor and the commands in ROUNDS
# rounds of hyperfine runs (RUNS runs each in all), so that each round's
# ratios compare runs made within a second or two of each other: on a shared
# machine the load drifts between rounds, not within one. Prints each row's
# median (over every run), its ratio to the floor (the median over rounds of
# the ratio of medians) and the same ratio of CPU time (user + system), and
# keeps them for the summary.
ratio() {
	local group=$1; shift
	local r per=$(( (runs + rounds - 1) / rounds ))
	for r in $(seq "$rounds"); do
		hyperfine -N --warmup 3 --runs "$per" --style none --export-json "$dir/$group.$r.json" \
			-n floor "$FLOOR $dir/home/.aws/config" "$@" >/dev/null 2>"$dir/$group.err" ||
			{ cat "$dir/$group.err" >&2; return 1; }
	done
	python3 - "$group" "$dir/$group".*.json >>"$dir/summary" <<'PY'
import json, statistics as st, sys
group, files = sys.argv[1], sys.argv[2:]
rounds = [json.load(open(f))["results"] for f in files]
for i, r in enumerate(rounds[0]):
    times = [t for res in rounds for t in res[i]["times"]]
    wall = st.median(res[i]["median"] / res[0]["median"] for res in rounds)
    cpu = st.median((res[i]["user"] + res[i]["system"]) / (res[0]["user"] + res[0]["system"]) for res in rounds)
    print(f"| {group}: {r['command']} | {st.median(times)*1e3:.1f} ms | {wall:.2f}x | {cpu:.2f}x |")
PY
}
rounds=${ROUNDS:-5}
: >"$dir/summary"
echo "== ratios to the floor (file backend, unlock cache warm; medians)"
av_small=() av_big=()
if [ -n "$AV" ]; then
	av_small=(-n 'aws-vault: warm export --format=json of the cached role' "$AV export --format=json admin-mfa")
	av_big=(-n 'aws-vault: warm export --format=json of the cached role' "$AV export --format=json admin-mfa"
		-n 'aws-vault: list, 5,000 profiles' "$AV list")
fi
base_small=() base_big=()
if [ -n "${SESAME_BASE:-}" ]; then
	base_small=(-n 'base: version' "$SESAME_BASE version" -n 'base: warm export' "$SESAME_BASE export --format json admin"
		-n 'base: prompt' "$SESAME_BASE prompt")
	base_big=(-n 'base: warm export' "$SESAME_BASE export --format json admin"
		-n 'base: list' "$SESAME_BASE list" -n 'base: list --json' "$SESAME_BASE list --json")
fi
# AWS_PROFILE for the prompt row (the other rows name their profile).
AWS_PROFILE=admin ratio '2-profile config' \
	-n 'sesame version' "$SESAME version" \
	-n 'warm export --format json of a cached role' "$SESAME export --format json admin" \
	-n 'prompt (AWS_PROFILE=admin)' "$SESAME prompt" \
	-n 'export --format json --no-session (stored key)' "$SESAME export --format json --no-session base" \
	"${base_small[@]}" "${av_small[@]}"
AWS_CONFIG_FILE="$dir/big-config" ratio '5,003-profile config' \
	-n 'warm export --format json of a cached role' "$SESAME export --format json admin" \
	-n 'list (the table; tab-separated when piped)' "$SESAME list" \
	-n 'list --json' "$SESAME list --json" \
	"${base_big[@]}" "${av_big[@]}"
echo "| what | median | ratio to the floor (wall) | ratio (CPU: user + system) |"
echo "|---|---|---|---|"
cat "$dir/summary"
if [ -n "${INSTR:-}" ] && command -v valgrind >/dev/null; then
	# Instructions per run (callgrind): a count that does not depend on
	# the machine's load, for before/after comparisons on a shared machine.
	# Valgrind stops on an instruction it does not know now and then
	# (RDTSCP): such runs are retried.
	ic() {
		local i
		for i in 1 2 3 4 5 6 7 8; do
			if GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$dir/ic.err" &&
				! grep -q 'unhandled instruction' "$dir/ic.err"; then
				grep -o 'Collected : [0-9]*' "$dir/ic.err" | grep -o '[0-9]*$'
				return
			fi
		done
		echo '?'
	}
	echo "== instructions per run (valgrind --tool=callgrind; where the front program"
	echo "   runs the full one, only the front's instructions are counted)"
	echo "| what | $SESAME${SESAME_BASE:+ | $SESAME_BASE} |"
	echo "|---|---|${SESAME_BASE:+---|}"
	row() {
		local name=$1 cfg=$2; shift 2
		local b=""
		[ -n "${SESAME_BASE:-}" ] && b=" | $(AWS_CONFIG_FILE=$cfg ic "$SESAME_BASE" "$@")"
		echo "| $name | $(AWS_CONFIG_FILE=$cfg ic "$SESAME" "$@")$b |"
	}
	echo "| floor | $(ic "$FLOOR" "$dir/home/.aws/config") |"
	row 'version' "$AWS_CONFIG_FILE" version
	row 'warm export, 2-profile config' "$AWS_CONFIG_FILE" export --format json admin
	AWS_PROFILE=admin row 'prompt' "$AWS_CONFIG_FILE" prompt
	row 'warm export, 5,003-profile config' "$dir/big-config" export --format json admin
	row 'list, 5,003 profiles' "$dir/big-config" list
	row 'list --json, 5,003 profiles' "$dir/big-config" list --json
fi
[ -n "${QUICK:-}" ] && exit 0
unset SESAME_FILE_PASSPHRASE

echo "== sesame list over 5,000 profiles"
AWS_CONFIG_FILE="$dir/big-config" SESAME_BACKEND=file hf "$runs" "$SESAME list" "$SESAME list --json"
AWS_CONFIG_FILE="$dir/big-config" SESAME_BACKEND=file peak_rss "$SESAME" list

echo "== sesame list over 4,000-deep include_profile and source_profile chains"
python3 scripts/gen-chain.py 4000 include_profile "$dir/include-chain"
python3 scripts/gen-chain.py 4000 source_profile "$dir/source-chain"
AWS_CONFIG_FILE="$dir/include-chain" SESAME_BACKEND=file hf "$runs" -n 'list, 4,000-deep include_profile chain' "$SESAME list"
# The table and the TSV shorten chains of more than 9 names (list.chainShown).
AWS_CONFIG_FILE="$dir/source-chain" SESAME_BACKEND=file hf 3 -n 'list, 4,000-deep source_profile chain' "$SESAME list"

echo "== file backend (unlock cache warm)"
export SESAME_FILE_PASSPHRASE=bench-passphrase
printf '%s\n' "$small" >"$AWS_CONFIG_FILE"
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
