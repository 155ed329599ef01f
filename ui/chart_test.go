package ui

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/muesli/termenv"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/track"
)

const ms = time.Millisecond

// labelWords splits time labels, which hold single spaces, apart.
var labelWords = regexp.MustCompile(`\s{2,}`)

func TestNiceTop(t *testing.T) {
	tests := []struct{ in, want time.Duration }{
		{0, ms}, {300 * time.Microsecond, ms}, {ms, ms}, {1100 * time.Microsecond, 1500 * time.Microsecond},
		{3 * ms, 3 * ms}, {5 * ms, 5 * ms}, {7 * ms, 8 * ms}, {9 * ms, 10 * ms}, {45 * ms, 50 * ms}, {127 * ms, 150 * ms},
		{151 * ms, 200 * ms}, {1240 * ms, 1500 * ms}, {7 * time.Second, 8 * time.Second}, {9 * time.Second, 10 * time.Second},
		{math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		if got := niceTop(tt.in); got != tt.want {
			t.Errorf("niceTop(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestNiceTopLabels: the top of every scale and its middle have short, exact labels.
func TestNiceTopLabels(t *testing.T) {
	for d := 100 * time.Microsecond; d < time.Minute; d = d * 11 / 10 {
		top := niceTop(d)
		for _, v := range []time.Duration{top, top / 2} {
			if l := yLabel(v); len(l) > yLabelW {
				t.Errorf("yLabel(%v) = %q, longer than %d", v, l, yLabelW)
			}
		}
	}
}

func TestYLabel(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{500 * time.Microsecond, "0.5ms"}, {750 * time.Microsecond, "0.75ms"}, {ms, "1ms"}, {2500 * time.Microsecond, "2.5ms"},
		{300 * ms, "300ms"}, {1500 * ms, "1.5s"}, {2 * time.Second, "2s"}, {40 * time.Second, "40s"},
	}
	for _, tt := range tests {
		if got := yLabel(tt.in); got != tt.want {
			t.Errorf("yLabel(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// bucket is a one-minute bucket starting k minutes after base.
func bucket(base time.Time, k int, b history.Bucket) history.Bucket {
	b.From = base.Add(time.Duration(k) * time.Minute)
	b.To = b.From.Add(time.Minute)
	return b
}

func TestChartValues(t *testing.T) {
	base := time.Date(2026, 11, 25, 20, 51, 0, 0, kst)
	covered := history.Bucket{Covered: time.Minute}
	passed := func(p50 time.Duration) history.Bucket {
		return history.Bucket{Covered: time.Minute, Checks: 2, P50: p50}
	}
	failed := history.Bucket{Covered: time.Minute, Checks: 2, Failures: 2}
	tests := []struct {
		name     string
		buckets  []history.Bucket
		wantVals []time.Duration
		wantHas  []bool
	}{
		{"p50s", []history.Bucket{passed(10 * ms), passed(20 * ms)}, []time.Duration{10 * ms, 20 * ms}, []bool{true, true}},
		{"a covered bucket without checks carries the value before it",
			[]history.Bucket{passed(10 * ms), covered, covered}, []time.Duration{10 * ms, 10 * ms, 10 * ms}, []bool{true, true, true}},
		{"but not after failures", []history.Bucket{passed(10 * ms), failed, covered}, []time.Duration{10 * ms, 0, 0}, []bool{true, false, false}},
		{"nor across a gap", []history.Bucket{passed(10 * ms), {}, covered}, []time.Duration{10 * ms, 0, 0}, []bool{true, false, false}},
		{"nor from nothing", []history.Bucket{covered}, []time.Duration{0}, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k := range tt.buckets {
				tt.buckets[k] = bucket(base, k, tt.buckets[k])
			}
			vals, has := chartValues(tt.buckets)
			if !slices.Equal(vals, tt.wantVals) || !slices.Equal(has, tt.wantHas) {
				t.Errorf("chartValues() = %v, %v; want %v, %v", vals, has, tt.wantVals, tt.wantHas)
			}
		})
	}
}

func TestBarRows(t *testing.T) {
	bars := []string{"a", "b", "c", "d"}
	top := 80 * ms
	tests := []struct {
		name string
		vals []time.Duration
		has  []bool
		rows int
		want []string
	}{
		{"levels", []time.Duration{top, top / 2, 0, 30 * ms, 0, 50 * ms}, []bool{true, true, true, true, false, true}, 2,
			[]string{"d    a", "ddac d"}},
		{"one row", []time.Duration{top, 10 * ms, 0}, []bool{true, true, false}, 1, []string{"da "}},
		{"above the top is clipped", []time.Duration{2 * top}, []bool{true}, 2, []string{"d", "d"}},
		{"no rows", []time.Duration{top}, []bool{true}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := barRows(tt.vals, tt.has, top, tt.rows, bars); !slices.Equal(got, tt.want) {
				t.Errorf("barRows(%v) = %q, want %q", tt.vals, got, tt.want)
			}
		})
	}
}

func TestTimeAxis(t *testing.T) {
	g := glyphsFor(true) // ASCII axis: - + ! #
	base := time.Date(2026, 11, 25, 20, 51, 0, 0, kst)
	hour := make([]history.Bucket, 60)
	for k := range hour {
		b := history.Bucket{Covered: time.Minute, Checks: 2, P50: 10 * ms}
		switch {
		case k >= 2 && k < 5:
			b = history.Bucket{} // not running
		case k == 12:
			b.Failures = 1
		case k >= 30 && k < 33:
			b.Failures, b.Down = 2, time.Minute
		}
		hour[k] = bucket(base, k, b)
	}
	axis, labels := timeAxis(hour, kst, g)
	wantAxis := "--   ----+--!------+---------+###------+---------+---------+"
	wantLabels := "       21:00     21:10     21:20     21:30     21:40   21:50"
	if axis != wantAxis || labels != wantLabels {
		t.Errorf("timeAxis(an hour by the minute) =\n%q\n%q\nwant\n%q\n%q", axis, labels, wantAxis, wantLabels)
	}
	// Failures and gaps win over a tick: 21:00 falls on a failure.
	hour[9].Failures = 1
	if axis, _ := timeAxis(hour, kst, g); axis[9] != '!' {
		t.Errorf("timeAxis() cell 9 = %q, want the failure", axis[9])
	}

	tests := []struct {
		name string
		from time.Time
		bw   time.Duration
		n    int
		want []string
	}{
		{"a day: 6h steps, the date at midnight", time.Date(2026, 11, 24, 21, 51, 0, 0, kst), 30 * time.Minute, 48,
			[]string{"Nov 25", "06:00", "12:00", "18:00"}},
		// Nov 19 is pushed right of its tick by the edge, and Nov 20 would then be too close.
		{"a week: days", time.Date(2026, 11, 18, 21, 51, 0, 0, kst), 7 * day / 70, 70,
			[]string{"Nov 19", "Nov 21", "Nov 22", "Nov 23", "Nov 24", "Nov 25"}},
		{"30 days: Mondays", time.Date(2026, 10, 26, 21, 51, 0, 0, kst), 30 * day / 60, 60,
			[]string{"Nov 2", "Nov 9", "Nov 16", "Nov 23"}},
		{"too narrow for a label", base, time.Minute, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := make([]history.Bucket, tt.n)
			for k := range b {
				b[k] = history.Bucket{From: tt.from.Add(time.Duration(k) * tt.bw), To: tt.from.Add(time.Duration(k+1) * tt.bw), Covered: tt.bw}
			}
			axis, labels := timeAxis(b, kst, g)
			if got := labelWords.Split(strings.TrimSpace(labels), -1); !slices.Equal(got, tt.want) && !(got[0] == "" && tt.want == nil) {
				t.Errorf("timeAxis() labels = %q, want %q", labels, tt.want)
			}
			if len(axis) != tt.n || len(labels) != tt.n {
				t.Errorf("timeAxis() = %d and %d cells, want %d", len(axis), len(labels), tt.n)
			}
			if ticks := strings.Count(axis, g.xTick); ticks != len(tt.want) {
				t.Errorf("timeAxis() axis %q has %d ticks, want %d", axis, ticks, len(tt.want))
			}
		})
	}
}

func TestTimeTicksSpacing(t *testing.T) {
	for _, window := range []time.Duration{time.Hour, day, 7 * day, 30 * day} {
		for _, n := range []int{11, 40, 71, 111, 191} {
			from := fixedNow.Add(-window)
			ticks := timeTicks(from, window/time.Duration(n), n, kst)
			for k := 1; k < len(ticks); k++ {
				if gap := ticks[k].col - ticks[k-1].col; gap < minLabelGap-1 {
					t.Errorf("timeTicks(%v, %d): ticks %v and %v are %d columns apart, want at least %d",
						window, n, ticks[k-1], ticks[k], gap, minLabelGap-1)
				}
			}
			if len(ticks) == 0 && n >= 40 {
				t.Errorf("timeTicks(%v, %d) = no ticks", window, n)
			}
		}
	}
}

func TestSpanLabel(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{{time.Hour, "1h"}, {24 * time.Hour, "24h"}, {7 * day, "7d"}, {30 * day, "30d"}, {45 * time.Minute, "45m"}, {90 * time.Minute, "1h"}}
	for _, tt := range tests {
		if got := spanLabel(tt.in); got != tt.want {
			t.Errorf("spanLabel(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCoverageText(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{1, "100%"}, {0.9999, "99%"}, {0.5, "50%"}, {0.004, "<1%"}, {0, "0%"}, {-1, "0%"}}
	for _, tt := range tests {
		if got := coverageText(tt.in); got != tt.want {
			t.Errorf("coverageText(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMergeOutages(t *testing.T) {
	now := fixedNow
	at := func(d time.Duration) time.Time { return now.Add(-d) }
	end := func(d time.Duration) *time.Time { return new(at(d)) }
	archived := []history.Incident{
		{Start: at(2 * time.Minute).Truncate(ms), Cause: "stale copy: still open"},
		{Start: at(5 * time.Hour), End: end(5*time.Hour - 15*time.Second), Cause: "timeout"},
		{Start: at(30 * time.Hour), End: end(29 * time.Hour), Cause: "refused"},
	}
	session := []track.Outage{
		{Start: at(26 * time.Hour), End: at(25 * time.Hour), Cause: "session, ended before the window"},
		{Start: at(2 * time.Minute), End: at(time.Minute), Cause: "session copy"},
		{Start: at(10 * time.Second), Cause: "session, open"},
	}
	causes := func(os []track.Outage) []string {
		var c []string
		for _, o := range os {
			c = append(c, o.Cause)
		}
		return c
	}
	tests := []struct {
		name  string
		since time.Time
		n     int
		want  []string
	}{
		{"24h", at(24 * time.Hour), 20, []string{"session, open", "session copy", "timeout"}},
		{"capped", at(24 * time.Hour), 2, []string{"session, open", "session copy"}},
		{"a week", at(7 * day), 20, []string{"session, open", "session copy", "timeout", "session, ended before the window", "refused"}},
		{"none", at(24 * time.Hour), 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := causes(mergeOutages(archived, session, tt.since, tt.n))
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("mergeOutages() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestChartLines: the composed chart is rows+2 lines of exactly w cells' worth of content
// (scale, bars, axis, times); with nothing recorded it says so and draws no scale.
func TestChartLines(t *testing.T) {
	m := fixtureModel(80, 24, termenv.Ascii, true)
	base := time.Date(2026, 11, 25, 20, 51, 0, 0, kst)
	empty := make([]history.Bucket, 30)
	full := make([]history.Bucket, 30)
	for k := range empty {
		empty[k] = bucket(base, k, history.Bucket{})
		full[k] = bucket(base, k, history.Bucket{Covered: time.Minute, Checks: 2, P50: time.Duration(k+1) * ms})
	}
	tests := []struct {
		name    string
		b       []history.Bucket
		w, rows int
		want    []string
	}{
		{"nothing recorded", empty, 50, 2, []string{
			"        |                                         ",
			"        |     nothing recorded in this window     ",
			"        +                                         ",
			"                           21:00     21:10   21:20",
		}},
		{"fewer buckets than columns, drawn at the right", full, 45, 2, []string{
			"   30ms +                      ⣀⣀⣀⣀⣤⣤⣤⣤⣶⣶⣶⣶⣿⣿",
			"   15ms +      ⣀⣀⣀⣀⣀⣤⣤⣤⣤⣶⣶⣶⣶⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿",
			"      0 +      ---------+---------+---------+",
			"                      21:00     21:10   21:20",
		}},
		{"more buckets than columns: the newest", full, 20, 1, []string{
			"   30ms +⣶⣶⣶⣶⣶⣶⣶⣿⣿⣿⣿",
			"      0 ++----------",
			"         21:10      ",
		}},
		{"no room", full, yAxisW, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.chartLines(tt.b, tt.w, tt.rows)
			if !slices.Equal(got, tt.want) {
				t.Errorf("chartLines(%d buckets, %d, %d) =\n%s\nwant\n%s", len(tt.b), tt.w, tt.rows,
					strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
