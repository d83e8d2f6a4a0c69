#!/usr/bin/env bash
# Prove the release artefacts that packaging/release.sh wrote to $DIST
# (make release-check runs it after make release-snapshot; CI runs it as
# root through make test):
#   - every checksum matches, and every artefact has one;
#   - the linux/arm64 and windows archives hold exactly the expected files,
#     with binaries for the right machine;
#   - the manifests name the archives' real checksums;
#   - the .deb installs with dpkg -i: `sesame version` shows the version and
#     commit, `man -w sesame` finds the page, bash completes `sesame ex` to
#     exec; it is removed afterwards (even on failure);
#   - a second build of the linux/amd64 archive and packages, from a copy of the
#     tree in another folder, gives the same bytes;
#   - `go install github.com/sesamehq/sesame/cmd/sesame@VERSION` works
#     without make, and the binary shows that version.
set -euo pipefail

die() { echo "release-check: FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
need dpkg "this check installs the .deb: run it on Debian or Ubuntu"
need man "install man-db (apt-get install man-db)"
need python3 "install Python 3 (apt-get install python3)"
need sha256sum "install GNU coreutils (apt-get install coreutils)"
[ -r /usr/share/bash-completion/bash_completion ] || die "no /usr/share/bash-completion/bash_completion: install bash-completion (apt-get install bash-completion)"
sudo=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "dpkg -i needs root: run it as root (CI does), or install sudo"
	sudo=sudo
fi

cd "$(dirname "$0")/.."
DIST=${DIST:-dist}
[ -r "$DIST/.release.env" ] || die "no $DIST/.release.env: run make release-snapshot first"
. "$DIST/.release.env" # VERSION, COMMIT, SOURCE_DATE_EPOCH of the build
commit=$COMMIT
[ "$commit" = "$(git rev-parse --short HEAD)" ] || die "$DIST/ was built at commit $commit, HEAD is $(git rev-parse --short HEAD) now: run make release-snapshot again"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	case $VERSION in *-dirty) ;; *) die "the tree has changes, yet version $VERSION is not marked -dirty" ;; esac
else
	case $VERSION in *-dirty) die "the tree is clean, yet version $VERSION is marked -dirty" ;; esac
fi
checksums=$DIST/sesame_${VERSION}_checksums.txt
[ -r "$checksums" ] || die "no $checksums: run make release-snapshot again"
echo "release-check: sesame $VERSION (commit $commit) in $DIST/"

# 1. Checksums: all match, and all twelve artefacts have one.
(cd "$DIST" && sha256sum --strict --quiet -c "$(basename "$checksums")") || die "a checksum in $checksums does not match"
for want in linux_amd64.tar.gz linux_arm64.tar.gz darwin_amd64.tar.gz darwin_arm64.tar.gz windows_amd64.zip windows_arm64.zip \
	linux_amd64.deb linux_arm64.deb linux_amd64.rpm linux_arm64.rpm linux_amd64.apk linux_arm64.apk; do
	grep -q "  sesame_${VERSION}_$want\$" "$checksums" || die "$checksums lacks sesame_${VERSION}_$want"
done
[ "$(wc -l <"$checksums")" = 12 ] || die "$checksums has $(wc -l <"$checksums") lines, want 12"
echo "release-check: checksums ok"

# 2. Archive contents and the machine their binary runs on.
python3 - "$DIST" "$VERSION" <<'PY' || die "archive contents are wrong (see above)"
import os, struct, sys, tarfile, zipfile
dist, version = sys.argv[1], sys.argv[2]
ok = True
def check(archive, names, exes, read, machine):
    global ok
    want = set(exes) | {"LICENSE", "README.md", "completions/", "man/",
            "completions/sesame.bash", "completions/_sesame", "completions/sesame.fish", "completions/sesame.ps1"}
    man = {n for n in names if n.startswith("man/") and n != "man/"}
    for page in ("man/sesame.1", "man/sesame-exec.1", "man/sesame-sso-login.1"):
        if page not in man:
            print(f"{archive}: no {page}"); ok = False
    odd = [n for n in man if not n.endswith(".1")]
    extra = set(names) - want - man
    missing = want - set(names)
    if odd or extra or missing:
        print(f"{archive}: unexpected {sorted(extra | set(odd))}, missing {sorted(missing)}"); ok = False
    for exe in exes:
        if not machine(read(exe)):
            print(f"{archive}: {exe} is not a binary for the archive's platform"); ok = False
    for name in ("completions/sesame.bash",):
        if b"__start_sesame" not in read(name):
            print(f"{archive}: {name} is not sesame's bash completion"); ok = False

# linux/arm64: an ELF for aarch64 (e_machine 183).
p = os.path.join(dist, f"sesame_{version}_linux_arm64.tar.gz")
with tarfile.open(p) as t:
    members = t.getmembers()
    names = [m.name + ("/" if m.isdir() else "") for m in members]
    for m in members:
        if m.uid or m.gid or m.mtime != members[0].mtime:
            print(f"{p}: {m.name} has uid {m.uid}, gid {m.gid}, mtime {m.mtime}"); ok = False
    # The front program, and the full program where the front looks for it.
    exes = ("bin/sesame", "libexec/sesame/sesame")
    for exe in exes:
        if t.getmember(exe).mode != 0o755:
            print(f"{p}: {exe} is not mode 0755"); ok = False
    names = [n for n in names if n not in ("bin/", "libexec/", "libexec/sesame/")]
    check(p, names, exes, lambda n: t.extractfile(n).read(),
          lambda b: b[:4] == b"\x7fELF" and struct.unpack_from("<H", b, 18)[0] == 183)

# windows/amd64 and arm64: a PE for x86-64 (0x8664) and ARM64 (0xaa64).
for arch, pe_machine in (("amd64", 0x8664), ("arm64", 0xAA64)):
    p = os.path.join(dist, f"sesame_{version}_windows_{arch}.zip")
    with zipfile.ZipFile(p) as z:
        def pe(b, want=pe_machine):
            if b[:2] != b"MZ":
                return False
            off = struct.unpack_from("<I", b, 0x3C)[0]
            return b[off:off + 4] == b"PE\0\0" and struct.unpack_from("<H", b, off + 4)[0] == want
        check(p, z.namelist(), ("sesame.exe",), z.read, pe)
sys.exit(0 if ok else 1)
PY
echo "release-check: archives ok"

# 3. Manifests: the real checksums and URLs, nothing left unfilled.
m=$DIST/manifests
sum() { awk -v n="sesame_${VERSION}_$1" '$2 == n {print $1}' "$checksums"; }
grep -q "sha256 \"$(sum darwin_arm64.tar.gz)\"" "$m/homebrew/sesame.rb" || die "the Homebrew formula lacks the darwin/arm64 checksum"
grep -q "url \".*/sesame_${VERSION}_linux_amd64.tar.gz\"" "$m/homebrew/sesame.rb" || die "the Homebrew formula lacks the linux/amd64 URL"
python3 - "$m/scoop/sesame.json" "$(sum windows_amd64.zip)" "$VERSION" <<'PY' || die "the Scoop manifest is wrong"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["version"] == sys.argv[3], j["version"]
assert j["architecture"]["64bit"]["hash"] == sys.argv[2], j["architecture"]["64bit"]
assert j["architecture"]["64bit"]["url"].endswith(f"/sesame_{sys.argv[3]}_windows_amd64.zip")
PY
python3 - "$m/winget" "$VERSION" "$(sum windows_amd64.zip)" "$(sum windows_arm64.zip)" <<'PY' || die "the winget manifests are wrong"
import os, sys
try:
    import yaml  # PyYAML, which moto needs too
except ImportError:
    sys.exit("no PyYAML: pip install pyyaml")
d, version, x64, arm64 = sys.argv[1:]
docs = {t: yaml.safe_load(open(os.path.join(d, f"SesameHQ.Sesame{t}.yaml"))) for t in ("", ".installer", ".locale.en-US")}
for t, want in (("", "version"), (".installer", "installer"), (".locale.en-US", "defaultLocale")):
    m = docs[t]
    assert m["ManifestType"] == want and m["ManifestVersion"] == "1.6.0", m
    assert m["PackageIdentifier"] == "SesameHQ.Sesame" and m["PackageVersion"] == version, m
got = {i["Architecture"]: (i["InstallerSha256"], i["InstallerUrl"]) for i in docs[".installer"]["Installers"]}
assert got["x64"][0] == x64.upper() and got["x64"][1].endswith(f"/sesame_{version}_windows_amd64.zip"), got
assert got["arm64"][0] == arm64.upper() and got["arm64"][1].endswith(f"/sesame_{version}_windows_arm64.zip"), got
assert docs[".installer"]["NestedInstallerFiles"][0]["RelativeFilePath"] == "sesame.exe"
PY
! grep -rq '{{' "$m" || die "a manifest in $m has an unfilled {{...}}"
echo "release-check: manifests ok"

# 4. Install the .deb, use it, remove it.
deb=$DIST/sesame_${VERSION}_linux_amd64.deb
if dpkg -s sesame >/dev/null 2>&1; then
	die "a sesame package is installed already: remove it first (dpkg -r sesame)"
fi
[ ! -e /usr/bin/sesame ] || die "/usr/bin/sesame exists and belongs to no package: move it away first"
trap '$sudo dpkg -r sesame >/dev/null 2>&1 || true' EXIT
$sudo dpkg -i "$deb" >/dev/null || die "dpkg -i $deb failed"
out=$(/usr/bin/sesame version)
case $out in
"sesame $VERSION (commit $commit, built "*) ;;
*) die "sesame version printed \"$out\", want \"sesame $VERSION (commit $commit, built ...)\"" ;;
esac
# The front program answers the prompt segment itself; the full program
# is where the front looks for it.
[ -x /usr/libexec/sesame/sesame ] || die "the .deb did not install the full program /usr/libexec/sesame/sesame"
[ "$(env -i HOME=/nonexistent AWS_PROFILE=deb-check /usr/bin/sesame prompt)" = deb-check ] || die "sesame prompt did not print the profile"
for page in sesame sesame-exec; do
	[ "$(man -w "$page")" = /usr/share/man/man1/$page.1.gz ] || die "man -w $page: \"$(man -w "$page" 2>&1)\", want /usr/share/man/man1/$page.1.gz"
done
MANWIDTH=80 man sesame-exec 2>/dev/null | grep -q "Run a command with temporary credentials" || die "man sesame-exec does not show the command's description"
for f in /usr/share/zsh/vendor-completions/_sesame /usr/share/fish/vendor_completions.d/sesame.fish; do
	[ -s "$f" ] || die "the .deb did not install $f"
done
# bash-completion loads /usr/share/bash-completion/completions/sesame on
# first use, as an interactive shell would; its function asks sesame.
complete_sesame() {
	env -i PATH=/usr/bin:/bin HOME=/nonexistent WORD="$1" bash --norc --noprofile -c '
		. /usr/share/bash-completion/bash_completion
		__load_completion sesame || exit 3
		COMP_WORDS=(sesame "$WORD"); COMP_CWORD=1; COMP_LINE="sesame $WORD"; COMP_POINT=${#COMP_LINE}
		spec=$(complete -p sesame) || exit 4
		fn=${spec##*-F }; fn=${fn%% *}
		"$fn" sesame "$WORD" sesame
		printf "%s\n" "${COMPREPLY[@]}"' 2>/dev/null # compopt complains outside a real completion
}
replies=$(complete_sesame ex) || die "bash completion of \"sesame ex\" failed (status $?)"
[ "$(echo $replies)" = "exec export" ] || die "bash completion of \"sesame ex\" gave \"$(echo $replies)\", want \"exec export\""
replies=$(complete_sesame exe) || die "bash completion of \"sesame exe\" failed (status $?)"
[ "$replies" = exec ] || die "bash completion of \"sesame exe\" gave \"$replies\", want exec"
$sudo dpkg -r sesame >/dev/null || die "dpkg -r sesame failed"
trap - EXIT
[ ! -e /usr/bin/sesame ] && [ ! -e /usr/libexec/sesame ] || die "dpkg -r sesame left /usr/bin/sesame or /usr/libexec/sesame"
echo "release-check: .deb installs: version (front and full program), prompt, man pages, bash completion ok; removed"

# 5. Reproducible: build the linux/amd64 archive and packages again, from a
# copy of the tree in another folder, a few seconds later, and compare them
# with $DIST's. A tree with changes may have changed since $DIST was built
# (an editor saving a file, say): then two copies, taken at one moment, are
# built and compared with each other.
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
copy_tree() {
	mkdir "$1"
	git ls-files -z --cached --others --exclude-standard | (while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
		xargs -0 cp --parents -t "$1"
}
build_copy() {
	VERSION=$VERSION COMMIT=$COMMIT SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH \
		PLATFORMS=linux/amd64 PACKAGES="deb rpm apk" DIST="$2" "$1/packaging/release.sh" >/dev/null
}
first=$DIST
copy_tree "$copy/src"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	copy_tree "$copy/src2"
	build_copy "$copy/src2" "$copy/dist2"
	first=$copy/dist2
fi
build_copy "$copy/src" "$copy/dist"
for f in "sesame_${VERSION}_linux_amd64".{tar.gz,deb,rpm,apk}; do
	cmp "$first/$f" "$copy/dist/$f" || die "$f differs between two builds of the same tree"
done
echo "release-check: a second build gives the same bytes"

# 6. go install module@version, without make: a module proxy (a folder)
# serves the committed tree under a pseudo-version of HEAD, and the binary
# it installs names that version (Go's build information).
rev=$(git rev-parse HEAD)
modver=v0.0.0-$(TZ=UTC git log -1 --date=format-local:%Y%m%d%H%M%S --format=%cd HEAD)-${rev:0:12}
at=$copy/proxy/github.com/sesamehq/sesame/@v
mkdir -p "$at"
git archive --format=zip --prefix="github.com/sesamehq/sesame@$modver/" -o "$at/$modver.zip" HEAD
git show HEAD:go.mod >"$at/$modver.mod"
printf '{"Version":"%s","Time":"%s"}\n' "$modver" "$(date -u -d "@$(git log -1 --format=%ct HEAD)" +%Y-%m-%dT%H:%M:%SZ)" >"$at/$modver.info"
echo "$modver" >"$at/list"
GOPROXY="file://$copy/proxy,$(go env GOPROXY)" GONOSUMDB=github.com/sesamehq/sesame GOFLAGS= GOBIN="$copy/gobin" \
	go install "github.com/sesamehq/sesame/cmd/sesame@$modver" || die "go install github.com/sesamehq/sesame/cmd/sesame@$modver failed"
out=$("$copy/gobin/sesame" version)
case $out in
"sesame $modver (commit "*) ;;
*) die "sesame installed by go install printed \"$out\", want \"sesame $modver ...\"" ;;
esac
echo "release-check: go install github.com/sesamehq/sesame/cmd/sesame@$modver: $out"
echo "release-check: ok"
