package ui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/track"
)

func TestUptimeText(t *testing.T) {
	now := fixedNow
	tests := []struct {
		name string
		st   track.Status
		want string
	}{
		{"never checked", track.Status{}, "—"},
		{"no downtime", track.Status{State: track.Up, AsOf: now, Observed: time.Hour}, "100%"},
		{"rounds down", track.Status{State: track.Up, AsOf: now, Observed: 100000 * time.Second, Downtime: time.Second}, "99.99%"},
		{"two decimals", track.Status{State: track.Up, AsOf: now, Observed: 10000 * time.Second, Downtime: 5 * time.Second}, "99.95%"},
		{"extended to now while down", track.Status{
			State: track.Down, AsOf: now.Add(-time.Hour), Observed: time.Hour, Outage: track.Outage{Start: now.Add(-time.Hour)},
		}, "50.00%"},
		{"all down", track.Status{State: track.Down, AsOf: now, Observed: time.Hour, Downtime: time.Hour}, "0.00%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uptimeText(now, tt.st, "—"); got != tt.want {
				t.Errorf("uptimeText(%s) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestOutageText(t *testing.T) {
	now := fixedNow // 21:51:14 on Nov 25
	start := time.Date(2026, 11, 25, 21, 47, 2, 0, kst)
	tests := []struct {
		name string
		st   track.Status
		want string
	}{
		{"up, never down", track.Status{State: track.Up}, ""},
		{"open outage", track.Status{State: track.Down, Outage: track.Outage{Start: start}}, "DOWN 4m12s since 21:47:02"},
		{"open since yesterday", track.Status{State: track.Down, Outage: track.Outage{Start: start.Add(-24 * time.Hour)}},
			"DOWN 1d00h since Nov 24 21:47:02"},
		{"open since last year", track.Status{State: track.Down, Outage: track.Outage{Start: start.AddDate(-1, 0, 0)}},
			"DOWN 365d00h since 2025-11-25 21:47:02"},
		{"pending shows the reason", track.Status{State: track.Pending, Reason: "connection refused",
			Outage: track.Outage{Start: start, End: start.Add(time.Second)}}, "connection refused"},
		{"degraded shows the reason", track.Status{State: track.Degraded, Reason: "slow: 1.24s > 800ms"}, "slow: 1.24s > 800ms"},
		{"last outage", track.Status{State: track.Up,
			Outage: track.Outage{Start: now.Add(-2*time.Minute - 15*time.Second), End: now.Add(-2 * time.Minute)}},
			"last down 15s, 2m ago"},
		// The first failed check began 0.9s into 21:47:02: at 21:51:14 the clock and the
		// start say 4m12s, as `uptty incidents` would; 4m11.1s measured read 4m11s.
		{"open outage from within a second", track.Status{State: track.Down, Outage: track.Outage{Start: start.Add(900 * time.Millisecond)}},
			"DOWN 4m12s since 21:47:02"},
		{"last outage within seconds", track.Status{State: track.Up,
			Outage: track.Outage{Start: start.Add(800 * time.Millisecond), End: start.Add(3100 * time.Millisecond)}},
			"last down 3s, 4m ago"},
		{"paused keeps the open outage", track.Status{State: track.Paused, Outage: track.Outage{Start: start}}, "DOWN 4m12s since 21:47:02"},
		// uptty stopped 20s into the outage and started again 3m later: the duration is the
		// clocks' (as in `uptty incidents`), and says how much of it nobody saw.
		{"open across a stop", track.Status{State: track.Down, Outage: track.Outage{Start: start, Unwatched: 3 * time.Minute}},
			"DOWN 4m12s since 21:47:02 (3m00s not watched)"},
		{"ended after a stop", track.Status{State: track.Up,
			Outage: track.Outage{Start: now.Add(-5 * time.Minute), End: now.Add(-2 * time.Minute), Unwatched: 90 * time.Second}},
			"last down 3m00s (1m30s not watched), 2m ago"},
		{"unwatched under a second", track.Status{State: track.Down, Outage: track.Outage{Start: start, Unwatched: 900 * time.Millisecond}},
			"DOWN 4m12s since 21:47:02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outageText(now, tt.st, kst); got != tt.want {
				t.Errorf("outageText(%s) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestAmbiguousWideFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set", nil, false},
		{"english", map[string]string{"LANG": "en_US.UTF-8"}, false},
		{"korean LANG", map[string]string{"LANG": "ko_KR.UTF-8"}, true},
		{"japanese LC_CTYPE", map[string]string{"LC_CTYPE": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, true},
		{"chinese LC_ALL wins", map[string]string{"LC_ALL": "zh_CN.UTF-8", "LC_CTYPE": "en_US.UTF-8"}, true},
		{"LC_ALL english wins over korean LANG", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "ko_KR.UTF-8"}, false},
		{"RUNEWIDTH_EASTASIAN=1", map[string]string{"RUNEWIDTH_EASTASIAN": "1"}, true},
		{"RUNEWIDTH_EASTASIAN=0 overrides locale", map[string]string{"RUNEWIDTH_EASTASIAN": "0", "LANG": "ja_JP.UTF-8"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AmbiguousWideFromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
				t.Errorf("AmbiguousWideFromEnv(%v) = %v, want %v", tt.env, got, tt.want)
			}
		})
	}
}

func TestSparkline(t *testing.T) {
	ms := time.Millisecond
	ok := func(d time.Duration) track.Sample { return track.Sample{Latency: d, OK: true} }
	fail := track.Sample{Latency: 10 * time.Second}
	tests := []struct {
		name    string
		samples []track.Sample
		width   int
		wide    bool
		want    string
	}{
		{"empty", nil, 4, false, "    "},
		{"zero width", []track.Sample{ok(ms)}, 0, false, ""},
		{"scaled to the slowest", []track.Sample{ok(0), ok(50 * ms), ok(100 * ms)}, 3, false, "▁▅█"},
		{"failures are marked whatever their latency", []track.Sample{ok(100 * ms), fail, ok(100 * ms)}, 3, false, "█×█"},
		{"padded left, newest right", []track.Sample{ok(10 * ms)}, 3, false, "  █"},
		{"keeps the newest", []track.Sample{fail, ok(0), ok(10 * ms)}, 2, false, "▁█"},
		{"all failed", []track.Sample{fail, fail}, 2, false, "××"},
		{"braille", []track.Sample{ok(0), ok(50 * ms), ok(100 * ms), fail}, 5, true, " ⣀⣶⣿!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var spark track.Spark
			for _, x := range tt.samples {
				spark.Push(x)
			}
			got := sparkline(&spark, tt.width, glyphsFor(tt.wide))
			if got != tt.want {
				t.Errorf("sparkline(%s) = %q, want %q", tt.name, got, tt.want)
			}
			if w := ansi.StringWidth(got); w != tt.width {
				t.Errorf("sparkline(%s) is %d cells, want %d", tt.name, w, tt.width)
			}
		})
	}
}

// TestGlyphsWide: the wide set holds no East Asian ambiguous-width character, which would be
// drawn two cells wide on the terminals it is for.
func TestGlyphsWide(t *testing.T) {
	g := glyphsFor(true)
	all := append([]string{g.fail, g.ellipsis, g.none, g.arrow, g.block}, g.bars...)
	for _, s := range all {
		for _, r := range s {
			if r >= 0x80 && (r < 0x2800 || r > 0x28ff) {
				t.Errorf("wide glyph %q (U+%04X) is neither ASCII nor braille", s, r)
			}
		}
	}
}

func TestFitColumns(t *testing.T) {
	short := nameWidths{widest: 16, full: 16}
	// The fixture: 결제 게이트웨이 is 15 cells, and one name is far over the cap.
	fixtureNames := nameWidths{widest: 55, full: 15}
	tests := []struct {
		name  string
		width int
		names nameWidths
		want  layout
	}{
		{"roomy", 200, nameWidths{20, 20}, layout{name: 20, lat: latW, spark: sparkMax, up: upW, out: 90}},
		{"reasons before a long sparkline", 120, short, layout{name: 16, lat: latW, spark: 14, up: upW, out: outRoomy}},
		{"every column", 80, short, layout{name: 16, lat: latW, spark: 8, up: upW, out: outWant}},
		{"sparkline gone", 70, short, layout{name: 16, lat: latW, up: upW, out: outWant}},
		{"uptime gone", 66, short, layout{name: 16, lat: latW, out: 29}},
		{"latency gone before a name is cut", 60, short, layout{name: 16, out: 31}},
		{"outage shortened", 50, short, layout{name: 16, out: 21}},
		{"outage gone", 30, short, layout{name: 16, out: 0}},
		{"name cut", 20, short, layout{name: 9}},
		{"nothing but the state", 5, short, layout{}},
		{"a long name is cut to keep the sparkline and the uptime", 80, nameWidths{30, 30}, layout{name: 16, lat: latW, spark: 8, up: upW, out: outWant}},
		{"a name over the cap holds no column back", 80, fixtureNames, layout{name: 16, lat: latW, spark: 8, up: upW, out: outWant}},
		{"the latency waits for the names that fit", 62, fixtureNames, layout{name: 15, lat: latW, out: outWant}},
		{"names that fit whole, the outage column kept", 60, fixtureNames, layout{name: 21, out: outWant}},
		{"names that fit whole, the outage column shortened", 40, fixtureNames, layout{name: 15, out: 12}},
		{"only names over the cap: cut to keep the latency", 60, nameWidths{40, 0}, layout{name: 13, lat: latW, out: outWant}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fitColumns(tt.width, tt.names); got != tt.want {
				t.Errorf("fitColumns(%d, %+v) = %+v, want %+v", tt.width, tt.names, got, tt.want)
			}
		})
	}
}

// TestFitColumnsNamesStayWhole: a name no wider than nameCap that is shown whole at some width
// is shown whole at every wider one (a first-user trial saw a Korean name whole at 40 columns
// and cut at 60), and the columns fill the width exactly.
func TestFitColumnsNamesStayWhole(t *testing.T) {
	for _, names := range []nameWidths{{4, 4}, {12, 12}, {15, 15}, {16, 16}, {30, 30}, {32, 32}, {55, 15}, {55, 30}, {40, 0}} {
		whole := false
		for w := 0; w <= 240; w++ {
			l := fitColumns(w, names)
			if target := min(names.full, nameWhole); target > 0 && l.name >= target {
				whole = true
			} else if whole {
				t.Errorf("fitColumns(%d, %+v).name = %d, want at least %d as at a narrower width", w, names, l.name, min(names.full, nameWhole))
			}
			used := markW + stateW + 1 + l.name
			for _, c := range []struct{ w, gap int }{{l.lat, 1}, {l.spark, 2}, {l.up, 1}, {l.out, 2}} {
				if c.w > 0 {
					used += c.gap + c.w
				}
			}
			if l.out > 0 && used != w {
				t.Errorf("fitColumns(%d, %+v) = %+v fills %d cells, want %d", w, names, l, used, w)
			}
		}
	}
}

func TestWindowTitle(t *testing.T) {
	count := func(pausedDown int, kv ...int) tally {
		var c tally
		for k := 0; k < len(kv); k += 2 {
			c.n[kv[k]] = kv[k+1]
		}
		c.pausedDown = pausedDown
		return c
	}
	tests := []struct {
		name string
		c    tally
		want string
	}{
		{"none", tally{}, "uptty"},
		{"down and up", count(0, int(track.Up), 12, int(track.Down), 1), "uptty: 1 DOWN, 12 UP"},
		{"paused in an outage", count(1, int(track.Up), 3, int(track.Down), 1), "uptty: 1 DOWN (paused), 3 UP"},
		{"some of the down paused", count(1, int(track.Down), 2, int(track.Paused), 1), "uptty: 2 DOWN (1 paused), 1 PAUSED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := windowTitle(tt.c); got != tt.want {
				t.Errorf("windowTitle(%+v) = %q, want %q", tt.c, got, tt.want)
			}
		})
	}
}
