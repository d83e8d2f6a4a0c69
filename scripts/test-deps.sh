#!/usr/bin/env bash
# Installs what `make test` needs on this kind of machine, and only what is
# missing: the Debian packages of scripts/ci-packages.txt (keyring
# daemons, pass, the AWS CLI v2, Chromium, tmux, shells, ...), as root or
# through sudo. Go tools (staticcheck, nfpm) are installed by their make
# targets, and the npm packages by the tests themselves (internal/testenv).
# Python 3 with moto, boto3 and botocore, and Node.js with npm, come with
# the machine: a missing one is an error that says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(grep -v '^[[:space:]]*\(#\|$\)' scripts/ci-packages.txt)
missing=()
for pkg in "${wanted[@]}"; do
	dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "test-deps: installing ${missing[*]}"
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

fail=0
if ! command -v moto_server >/dev/null || ! python3 -c 'import moto, boto3, botocore' 2>/dev/null; then
	echo "test-deps: moto_server, boto3 or botocore is missing: install them with pip install 'moto[server]' boto3" >&2
	fail=1
fi
for tool in node npm; do
	command -v "$tool" >/dev/null || { echo "test-deps: $tool is missing: install Node.js 20 or newer with npm" >&2; fail=1; }
done
exit "$fail"
