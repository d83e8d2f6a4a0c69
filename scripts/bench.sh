#!/usr/bin/env bash
# make bench: the whole-process benchmarks of BENCHMARKS.md, with hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: hyperfine not found: apt-get install -y hyperfine" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 scripts/gen-config.py 5000 "$dir/config"
export AWS_CONFIG_FILE="$dir/config" AWS_SHARED_CREDENTIALS_FILE="$dir/credentials" HOME="$dir"
hyperfine --warmup 10 --runs 100 -N \
	--export-markdown "$dir/list.md" \
	'bin/sesame list' 'bin/sesame list --json'
cat "$dir/list.md"
