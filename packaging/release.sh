#!/usr/bin/env bash
# Build sesame's release artefacts into $DIST (default dist/): archives,
# .deb/.rpm/.apk packages, a SHA-256 checksums file and the Homebrew, Scoop
# and winget manifests. `make release-snapshot` runs it (and installs nfpm).
#
# Two runs on one commit give byte-identical files: every time stamp is the
# commit time (SOURCE_DATE_EPOCH), binaries are built with -trimpath and an
# empty build id, archives are written by packaging/archive.py.
#
# Environment (all optional):
#   VERSION           default: the tag vX.Y.Z on HEAD without its v, else
#                     0.0.0-snapshot.<commit>; "-dirty" is added when tracked
#                     files differ from HEAD
#   PLATFORMS         default: linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
#   PACKAGES          default: deb rpm apk (for the linux platforms)
#   DIST              default: dist
#   RELEASE_BASE_URL  where the archives will be downloaded from, VERSION
#                     replaced: https://github.com/sesamehq/sesame/releases/download/vVERSION
#   NFPM, GO          the nfpm and go commands
#   COMMIT, SOURCE_DATE_EPOCH  default from git: the short commit id, the commit time
set -euo pipefail

die() { echo "release: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }

GO=${GO:-go}
NFPM=${NFPM:-nfpm}
need "$GO" "install Go 1.26 or newer (https://go.dev/dl/)"
need python3 "install Python 3 (apt-get install python3): packaging/archive.py writes the archives"
need gzip "install gzip (apt-get install gzip)"
need sha256sum "install GNU coreutils (apt-get install coreutils)"

cd "$(dirname "$0")/.."

# VERSION, COMMIT and SOURCE_DATE_EPOCH come from git unless given (the
# reproducibility check builds a copy of the tree that is no checkout).
if [ -z "${VERSION:-}" ] || [ -z "${COMMIT:-}" ] || [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	need git "install git (apt-get install git)"
	git rev-parse --git-dir >/dev/null 2>&1 || die "$(pwd) is not a git checkout: set VERSION, COMMIT and SOURCE_DATE_EPOCH"
fi
commit=${COMMIT:-$(git rev-parse --short HEAD)}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
date=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
if [ -z "${VERSION:-}" ]; then
	dirty=""
	if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
		dirty="-dirty"
	fi
	if tag=$(git describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null); then
		VERSION=${tag#v}$dirty
	else
		VERSION=0.0.0-snapshot.$commit$dirty
	fi
fi
case $VERSION in
"" | *[!A-Za-z0-9.+~-]* | [!0-9]*) die "version \"$VERSION\" is not X.Y.Z[-suffix]: tag vX.Y.Z, or set VERSION (digits, letters, . + ~ -)" ;;
esac
ALL_PLATFORMS="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
PLATFORMS=${PLATFORMS:-$ALL_PLATFORMS}
PACKAGES=${PACKAGES-deb rpm apk}
DIST=${DIST:-dist}
RELEASE_BASE_URL=${RELEASE_BASE_URL:-https://github.com/sesamehq/sesame/releases/download/vVERSION}
if [ -n "$PACKAGES" ]; then
	command -v "$NFPM" >/dev/null 2>&1 || die "$NFPM not found: run make release-snapshot (it installs it), or go install github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0"
fi

export SOURCE_DATE_EPOCH=$epoch
echo "release: sesame $VERSION (commit $commit, $date) into $DIST/"

# Artefacts of an earlier run (another version, say) would mix with these.
rm -rf "$DIST/.work" "$DIST/.release.env" "$DIST/manifests" "$DIST"/sesame_*
mkdir -p "$DIST/.work"
work=$DIST/.work
docs=$work/docs

# Man pages and completions, from the command tree.
"$GO" run ./internal/tools/gendocs -out "$docs" -version "$VERSION" -date "$epoch"
cp LICENSE "$docs/LICENSE"
mkdir -p "$docs/man-gz"
for page in "$docs"/man/*.1; do
	gzip -9 -n -c "$page" >"$docs/man-gz/$(basename "$page").gz"
done

ldflags="-s -w -buildid= -X main.version=$VERSION -X main.commit=$commit -X main.date=$date"
doc_entries=(LICENSE=LICENSE README.md=README.md)
for f in "$docs"/completions/*; do doc_entries+=("completions/$(basename "$f")=$f"); done
for f in "$docs"/man/*.1; do doc_entries+=("man/$(basename "$f")=$f"); done

artefacts=()
for platform in $PLATFORMS; do
	os=${platform%/*}
	arch=${platform#*/}
	echo "release: build $os/$arch"
	build() { CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFLAGS= "$GO" build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$1" "$2"; }
	name=sesame_${VERSION}_${os}_$arch
	# Windows: the full program alone, as sesame.exe. Linux and macOS: the
	# front program as bin/sesame and the full program as
	# libexec/sesame/sesame, where the front looks for it (internal/front).
	if [ "$os" = windows ]; then
		full=$work/${os}_$arch/sesame.exe
		build "$full" ./cmd/sesame
		out=$name.zip
		programs=("sesame.exe=$full:755")
	else
		full=$work/${os}_$arch/libexec/sesame/sesame
		front=$work/${os}_$arch/bin/sesame
		build "$full" ./cmd/sesame
		build "$front" ./cmd/sesame-front
		out=$name.tar.gz
		programs=("bin/sesame=$front:755" "libexec/sesame/sesame=$full:755")
	fi
	python3 packaging/archive.py "$DIST/$out" "$epoch" "${programs[@]}" "${doc_entries[@]}"
	artefacts+=("$out")

	if [ "$os" = linux ]; then
		for format in $PACKAGES; do
			pkg=$name.$format
			VERSION=$VERSION ARCH=$arch FRONT=$front FULL=$full DOCS=$docs \
				"$NFPM" package --config packaging/nfpm.yaml --packager "$format" --target "$DIST/$pkg" >/dev/null
			artefacts+=("$pkg")
		done
	fi
done

# What packaging/check.sh compares the installed binary and a second build with.
printf 'VERSION=%s\nCOMMIT=%s\nSOURCE_DATE_EPOCH=%s\n' "$VERSION" "$commit" "$epoch" >"$DIST/.release.env"

checksums=sesame_${VERSION}_checksums.txt
(cd "$DIST" && sha256sum "${artefacts[@]}" | LC_ALL=C sort -k2 >"$checksums")
echo "release: $DIST/$checksums"

# The manifests name every platform's archive: only a full build has them.
if [ "$PLATFORMS" = "$ALL_PLATFORMS" ]; then
	python3 packaging/manifests.py --version "$VERSION" --base-url "${RELEASE_BASE_URL//VERSION/$VERSION}" \
		--checksums "$DIST/$checksums" --date "${date%%T*}" --out "$DIST/manifests"
fi

rm -rf "$work"
