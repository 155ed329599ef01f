#!/bin/sh
# rss-hour.sh measures whether uptty's memory stays flat once every ring is full: bench/farm
# with 1,000 services checked every second (issue #11's figure) for MINUTES (default 60),
# uptty serve's RSS (all, anonymous, file-backed) logged each second to OUT.rss and the farm's
# figures to OUT.txt (OUT defaults to rss-hour). At 1 s the rings (120 samples, 50 checks)
# are full after two minutes; history's hourly aggregates after an hour. It takes about a
# full core for the whole run.
#
#   sh bench/rss-hour.sh [MINUTES [OUT]]
#
# Run from the repository root; UPTTY_BIN names a binary to measure instead of building this
# checkout. The log reads with e.g. awk 'NR % 300 == 2' OUT.rss (every five minutes).
set -eu
mins=${1:-60}
out=${2:-rss-hour}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
GOFLAGS=-mod=mod go build -o "$dir/farm" ./bench/farm
bin=${UPTTY_BIN:-}
if [ -z "$bin" ]; then
	GOFLAGS=-mod=mod go build -o "$dir/uptty" .
	bin=$dir/uptty
fi
"$dir/farm" --bin "$bin" --n 1000 --interval 1s --duration "${mins}m" --settle 2m \
	--floor-cpu 0 --rss-log "$out.rss" --json "$out.json" | tee "$out.txt"
