package ui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/uptty/uptty/probe"
)

func TestUptimeText(t *testing.T) {
	now := fixedNow
	tests := []struct {
		name string
		st   probe.Status
		want string
	}{
		{"never checked", probe.Status{}, "—"},
		{"no downtime", probe.Status{State: probe.Up, AsOf: now, Observed: time.Hour}, "100%"},
		{"rounds down", probe.Status{State: probe.Up, AsOf: now, Observed: 100000 * time.Second, Downtime: time.Second}, "99.99%"},
		{"two decimals", probe.Status{State: probe.Up, AsOf: now, Observed: 10000 * time.Second, Downtime: 5 * time.Second}, "99.95%"},
		{"extended to now while down", probe.Status{
			State: probe.Down, AsOf: now.Add(-time.Hour), Observed: time.Hour, Outage: &probe.Outage{Start: now.Add(-time.Hour)},
		}, "50.00%"},
		{"all down", probe.Status{State: probe.Down, AsOf: now, Observed: time.Hour, Downtime: time.Hour}, "0.00%"},
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
		st   probe.Status
		want string
	}{
		{"up, never down", probe.Status{State: probe.Up}, ""},
		{"open outage", probe.Status{State: probe.Down, Outage: &probe.Outage{Start: start}}, "DOWN 4m12s since 21:47:02"},
		{"open since yesterday", probe.Status{State: probe.Down, Outage: &probe.Outage{Start: start.Add(-24 * time.Hour)}},
			"DOWN 1d00h since Nov 24 21:47:02"},
		{"open since last year", probe.Status{State: probe.Down, Outage: &probe.Outage{Start: start.AddDate(-1, 0, 0)}},
			"DOWN 365d00h since 2025-11-25 21:47:02"},
		{"pending shows the reason", probe.Status{State: probe.Pending, Reason: "connection refused",
			LastOutage: &probe.Outage{Start: start, End: start.Add(time.Second)}}, "connection refused"},
		{"degraded shows the reason", probe.Status{State: probe.Degraded, Reason: "slow: 1.24s > 800ms"}, "slow: 1.24s > 800ms"},
		{"reason is cleaned", probe.Status{State: probe.Degraded, Reason: "cert\x1b[31m expires\nin 3d"}, "cert[31m expires in 3d"},
		{"last outage", probe.Status{State: probe.Up,
			LastOutage: &probe.Outage{Start: now.Add(-2*time.Minute - 15*time.Second), End: now.Add(-2 * time.Minute)}},
			"last down 15s, 2m ago"},
		{"paused keeps the open outage", probe.Status{State: probe.Paused, Outage: &probe.Outage{Start: start}}, "DOWN 4m12s since 21:47:02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outageText(now, tt.st, kst); got != tt.want {
				t.Errorf("outageText(%s) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Checkout API", "Checkout API"},
		{"결제 게이트웨이", "결제 게이트웨이"},
		{"a\tb\nc", "a b c"},
		{"\x1b[2J\x1b]0;pwned\x07x", "[2J]0;pwnedx"},
		{"del\x7f c1\u0085 bidi\u202eevil", "del c1 bidievil"},
		{"bad \xff utf8", "bad  utf8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
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
	ok := func(d time.Duration) probe.Sample { return probe.Sample{Latency: d, OK: true} }
	fail := probe.Sample{Latency: 10 * time.Second}
	tests := []struct {
		name    string
		samples []probe.Sample
		width   int
		wide    bool
		want    string
	}{
		{"empty", nil, 4, false, "    "},
		{"zero width", []probe.Sample{ok(ms)}, 0, false, ""},
		{"scaled to the slowest", []probe.Sample{ok(0), ok(50 * ms), ok(100 * ms)}, 3, false, "▁▅█"},
		{"failures are marked whatever their latency", []probe.Sample{ok(100 * ms), fail, ok(100 * ms)}, 3, false, "█×█"},
		{"padded left, newest right", []probe.Sample{ok(10 * ms)}, 3, false, "  █"},
		{"keeps the newest", []probe.Sample{fail, ok(0), ok(10 * ms)}, 2, false, "▁█"},
		{"all failed", []probe.Sample{fail, fail}, 2, false, "××"},
		{"braille", []probe.Sample{ok(0), ok(50 * ms), ok(100 * ms), fail}, 5, true, " ⣀⣶⣿!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sparkline(tt.samples, tt.width, glyphsFor(tt.wide))
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
	tests := []struct {
		width, name int
		want        layout
	}{
		{200, 20, layout{name: 20, lat: latW, spark: sparkMax, up: upW, out: 90}},
		{120, 16, layout{name: 16, lat: latW, spark: 14, up: upW, out: outRoomy}}, // reasons before a long sparkline
		{80, 16, layout{name: 16, lat: latW, spark: 8, up: upW, out: outWant}},
		{80, 30, layout{name: 16, lat: latW, spark: 8, up: upW, out: outWant}}, // name cut before the sparkline goes
		{70, 16, layout{name: 16, lat: latW, up: upW, out: outWant}},           // sparkline gone
		{60, 16, layout{name: 13, lat: latW, out: outWant}},                    // uptime gone
		{50, 16, layout{name: 16, out: 21}},                                    // latency gone, outage shortened
		{30, 16, layout{name: 16, out: 0}},                                     // outage gone
		{20, 16, layout{name: 9}},                                              // name cut
		{5, 16, layout{}},                                                      // nothing but the state
		{60, 40, layout{name: 13, lat: latW, out: outWant}},                    // long names
	}
	for _, tt := range tests {
		got := fitColumns(tt.width, tt.name)
		if got != tt.want {
			t.Errorf("fitColumns(%d, %d) = %+v, want %+v", tt.width, tt.name, got, tt.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.example.com/healthz", "https://api.example.com/healthz"},
		{"https://user:secret@api.example.com/x?y=1", "https://api.example.com/x?y=•••"},
		{"https://api.example.com/ok?token=hunter2&v=2", "https://api.example.com/ok?token=•••&v=•••"},
		{"dns://127.0.0.1/example.com?type=MX", "dns://127.0.0.1/example.com?type=MX"},
		{"tcp://db:5432", "tcp://db:5432"},
		{"https://user:se%zzcret@host/", "https://host/"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWindowTitle(t *testing.T) {
	var c [probe.Paused + 1]int
	if got := windowTitle(c); got != "uptty" {
		t.Errorf("windowTitle(none) = %q, want %q", got, "uptty")
	}
	c[probe.Up], c[probe.Down] = 12, 1
	if got, want := windowTitle(c), "uptty: 1 DOWN, 12 UP"; got != want {
		t.Errorf("windowTitle(1 down, 12 up) = %q, want %q", got, want)
	}
}
