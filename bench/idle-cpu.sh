#!/bin/sh
# idle-cpu.sh measures what uptty costs when there is nothing to do: one loopback service
# checked every hour, the real binary in a 120x40 tmux pane, CPU (user + system, from
# /proc/PID/stat) over SECONDS (default 60) after a 5 s settle. It prints CPU-s per minute, the
# same from the scheduler's nanosecond counts of every thread (/proc/PID/task/*/schedstat: the
# ticks are 1/100 s, coarse for a figure of a few hundredths), and wake-ups per second (the
# threads' voluntary context switches: on a VM each one costs far more than the work it wakes
# for).
#
#   sh bench/idle-cpu.sh [SECONDS]
#
# Needs tmux and python3 (for the loopback target). Run from the repository root; UPTTY_BIN
# names a binary to measure instead of building this checkout.
set -eu
secs=${1:-60}
dir=$(mktemp -d)
sess=uptty-idle-$$
cleanup() {
	tmux kill-session -t "$sess" 2>/dev/null || true
	[ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
if [ -n "${UPTTY_BIN:-}" ]; then
	cp "$UPTTY_BIN" "$dir/uptty"
else
	GOFLAGS=-mod=mod go build -o "$dir/uptty" .
fi
python3 -m http.server 0 --bind 127.0.0.1 --directory "$dir" >"$dir/http.log" 2>&1 &
srv=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$dir/http.log" | head -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "target did not start" >&2; exit 1; }
cat >"$dir/uptty.yaml" <<YAML
defaults:
  interval: 1h
services:
  - name: idle
    url: http://127.0.0.1:$port/
history:
  path: $dir/history.db
YAML
tmux new-session -d -s "$sess" -x 120 -y 40 "$dir/uptty --config $dir/uptty.yaml"
sleep 5
pid=$(tmux list-panes -t "$sess" -F '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
nanos() { cat /proc/"$pid"/task/*/schedstat | awk '{ s += $1 } END { printf "%d", s }'; }
wakes() { cat /proc/"$pid"/task/*/status | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }'; }
hz=$(getconf CLK_TCK)
a=$(ticks) an=$(nanos) aw=$(wakes)
sleep "$secs"
b=$(ticks) bn=$(nanos) bw=$(wakes)
awk -v a="$a" -v b="$b" -v hz="$hz" -v s="$secs" -v an="$an" -v bn="$bn" -v aw="$aw" -v bw="$bw" \
	'BEGIN { printf "idle CPU: %.3f CPU-s per minute (%d ticks of 1/%d s in %d s); %.4f by schedstat; %.1f wake-ups/s\n", (b-a)/hz*60/s, b-a, hz, s, (bn-an)/1e9*60/s, (bw-aw)/s }'
