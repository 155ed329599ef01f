#!/bin/sh
# The man pages and shell completions that every archive and package ships, written by uptty
# itself (uptty man, uptty completion) so that they always match the commands and flags:
#
#   DIR/man/uptty.1.gz, DIR/man/uptty-COMMAND.1.gz
#   DIR/completions/uptty.bash, uptty.zsh, uptty.fish, uptty.ps1
#
# Usage, from the repository's root: packaging/generate.sh [UPTTY [DIR]]
#   UPTTY  an uptty binary that runs on this machine; "" or none: built here with go build,
#          stamped $VERSION (the man pages' footer says it).
#   DIR    default build, which .goreleaser.yaml and packaging/nfpm.yaml read.
#
# The pages are dated $SOURCE_DATE_EPOCH, by default the commit's time, and gzipped without a
# name or time stamp (gzip -n), so that the same commit gives the same bytes.
set -eu

uptty="${1:-}"
dir="${2:-build}"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
fi
export SOURCE_DATE_EPOCH

mkdir -p "$dir"
# The directory ignores itself: goreleaser refuses to release from a checkout with untracked
# files, which a build/ left by an earlier run would be.
echo '*' >"$dir/.gitignore"
if [ -z "$uptty" ]; then
	uptty="$dir/uptty-host"
	# The flags of .goreleaser.yaml's builds, so that its build for this machine finds every
	# package compiled already.
	CGO_ENABLED=0 go build -trimpath -ldflags "-X main.version=${VERSION:-dev}" -o "$uptty" .
fi
case "$uptty" in
*/*) ;;
*) uptty="./$uptty" ;;
esac

rm -rf "$dir/man" "$dir/completions"
mkdir -p "$dir/man" "$dir/completions"
"$uptty" man --dir "$dir/man" >/dev/null
gzip -9n "$dir"/man/*.1
for shell in bash zsh fish powershell; do
	case "$shell" in
	powershell) file=uptty.ps1 ;;
	*) file="uptty.$shell" ;;
	esac
	"$uptty" completion "$shell" >"$dir/completions/$file"
done
