#!/usr/bin/env bash
# make demo: build sesame, start the local emulators on loopback, and walk
# through what sesame does today. Everything runs in a temporary HOME that is
# removed at the end, and every process started here is stopped.
#
# Usage: scripts/demo.sh [SESAME_BINARY]   (default: bin/sesame, built if missing)
set -euo pipefail

# Touch nothing of the caller's, whatever their environment holds: start
# again with only what finding the tools needs (PATH, the Go and pyenv
# settings, the terminal and locale). SESAME_*, AWS_*, XDG_*, BROWSER and
# the rest stay behind, so the demo can never open, unlock or write the
# caller's vault, keyring, config or credentials.
if [ -z "${SESAME_DEMO_CLEAN_ENV:-}" ]; then
	keep=(SESAME_DEMO_CLEAN_ENV=1 "PATH=$PATH" "HOME=$HOME")
	while IFS= read -r name; do
		case "$name" in
		TERM | COLORTERM | NO_COLOR | LANG | LC_* | TMPDIR | CI | PYENV_* | GO*) keep+=("$name=${!name}") ;;
		esac
	done < <(compgen -e)
	exec env -i "${keep[@]}" bash "$0" "$@"
fi
unset SESAME_DEMO_CLEAN_ENV

cd "$(dirname "$0")/.."
SESAME="${1:-$PWD/bin/sesame}"
case "$SESAME" in /*) ;; *) SESAME="$PWD/$SESAME" ;; esac
[ -x "$SESAME" ] || go build -o "$SESAME" ./cmd/sesame
FAKEAWS="$PWD/bin/fakeaws"
go build -o "$FAKEAWS" ./cmd/fakeaws
export PATH="$(dirname "$SESAME"):$PWD/bin:$PATH" # for credential_process = sesame ...

demo_home=$(mktemp -d)
pids=()
cleanup() {
	# Forget the vault key cached in the kernel keyring, then everything else.
	[ -n "${SESAME_BACKEND:-}" ] && "$SESAME" lock >/dev/null 2>&1 || true
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

# A sandboxed home (the environment was cleaned above): nothing of yours is
# read or changed. Go keeps using your build cache.
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}" GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}" GOPATH="${GOPATH:-$(go env GOPATH)}"
export PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}"
export HOME="$demo_home"
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

# The encrypted file backend, with a passphrase for the demo (a real user
# would be asked once on the terminal, or use SESAME_FILE_PASSPHRASE_COMMAND).
export SESAME_BACKEND=file SESAME_FILE_PASSPHRASE=demo-passphrase

step "store a long-term key (read from stdin here; on a terminal sesame asks, without echo)"
printf '$ printf "AKIA...\\n<secret>\\n" | sesame add base\n'
printf 'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' | "$SESAME" add base
echo "the key is in an encrypted vault; nothing readable on disk:"
ls -l "$HOME/.local/share/sesame/vault" | sed 's/^/    /'
grep -c AKIAIOSFODNN7EXAMPLE "$HOME/.local/share/sesame/vault" >/dev/null && echo "    (found the key in the vault?!)" || echo "    (grep finds no key id in it)"

step "sesame list: every profile, how it gets credentials, its chain, and what is stored"
printf '$ sesame list\n'
"$SESAME" list </dev/null | column -t -s "$(printf '\t')"

step "run a command with temporary credentials (GetSessionToken), not the stored key"
printf '$ sesame exec base -- sh -c ...\n'
"$SESAME" exec base -- sh -c 'echo "  the child has a session token (${#AWS_SESSION_TOKEN} characters), expiring $AWS_CREDENTIAL_EXPIRATION,"; echo "  and no SESAME_FILE_PASSPHRASE: [${SESAME_FILE_PASSPHRASE:-}]"'

step "assume a role: the AWS CLI runs as the role"
show "$SESAME" exec admin -- aws sts get-caller-identity --query Arn --output text

step "a credential_process document (what the AWS CLI runs for profile tools)"
printf '$ sesame export --format json admin\n'
"$SESAME" export --format json admin | sed -E 's/("(SecretAccessKey|SessionToken)": ")[^"]{6}[^"]*"/\1\xe2\x80\xa6(hidden)"/'
printf '$ aws sts get-caller-identity --profile tools\n'
aws sts get-caller-identity --profile tools --query Arn --output text
echo "(the second call came from sesame's cache: the role was assumed once)"

step "start the fake IAM Identity Center and the fake console federation endpoint on loopback"
"$FAKEAWS" sso --addr 127.0.0.1:0 --moto "$AWS_ENDPOINT_URL" --config scripts/demo/fakesso.json --auto-approve >"$demo_home/sso.out" 2>"$demo_home/sso.log" &
pids+=($!)
"$FAKEAWS" federation --addr 127.0.0.1:0 >"$demo_home/fed.out" 2>"$demo_home/fed.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$demo_home/sso.out" ] && [ -s "$demo_home/fed.out" ] && break; sleep 0.1; done
sso_url=$(awk '/^sso /{print $2}' "$demo_home/sso.out")
export AWS_ENDPOINT_URL_SSO="$sso_url" AWS_ENDPOINT_URL_SSO_OIDC="$sso_url"
export SESAME_FEDERATION_URL=$(awk '/^federation /{print $2}' "$demo_home/fed.out")
echo "IAM Identity Center: $sso_url   federation: $SESAME_FEDERATION_URL"

step "sign in to IAM Identity Center (device code; the fake approves it by itself)"
show "$SESAME" sso login --sso-session corp --device-code --no-browser

step "an SSO profile's role credentials, for the AWS CLI"
show "$SESAME" exec dev -- aws sts get-caller-identity --query Arn --output text

step "open the AWS console as a role (printed here instead of opening a browser)"
printf '$ sesame login admin --stdout\n'
"$SESAME" login admin --stdout | sed -E 's/SigninToken=[^&]{8}[^&]*/SigninToken=…(hidden)/'

step "no IAM Identity Center? sign in with console credentials (AWS Sign-In, what aws login does)"
"$FAKEAWS" signin --addr 127.0.0.1:0 --moto "$AWS_ENDPOINT_URL" --auto-approve >"$demo_home/signin.out" 2>"$demo_home/signin.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$demo_home/signin.out" ] && break; sleep 0.1; done
export AWS_ENDPOINT_URL_SIGNIN=$(awk '/^signin /{print $2}' "$demo_home/signin.out")
echo "AWS Sign-In (fake, approves by itself): $AWS_ENDPOINT_URL_SIGNIN"
# The "browser" follows the one-time link sesame gives it to the sign-in
# page, which (auto-approving) sends it back to sesame on 127.0.0.1.
printf '#!/bin/sh\nexec python3 -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30).read()" "$1"\n' >"$HOME/browser.sh"
chmod 700 "$HOME/browser.sh"
printf '$ sesame signin me --region us-east-1\n'
BROWSER="$HOME/browser.sh" "$SESAME" signin me --region us-east-1
echo "sesame wrote into ~/.aws/config:"
sed -n '/^\[profile me\]/,$p' "$HOME/.aws/config" | sed 's/^/    /'
show "$SESAME" exec me -- aws sts get-caller-identity --query Arn --output text
echo "the DPoP key and refresh token are in the vault, not in ~/.aws/login/cache:"
ls "$HOME/.aws/login/cache" 2>/dev/null || echo "    (no ~/.aws/login/cache)"
printf '$ sesame status\n'
"$SESAME" status </dev/null | column -t -s "$(printf '\t')"
show "$SESAME" signout me

step "a file the AWS CLI would refuse is refused too, with file:line"
printf '[profile broken]\nregion = us-east-1\nregion = eu-west-1\n' >"$HOME/broken-config"
printf '$ AWS_CONFIG_FILE=~/broken-config sesame list\n'
AWS_CONFIG_FILE="$HOME/broken-config" "$SESAME" list || echo "(exit status $?)"

show "$SESAME" version

step "done: moto and the fakes stopped, the vault key forgotten, the temporary HOME removed"
