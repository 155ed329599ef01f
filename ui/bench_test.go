package ui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/track"
)

// bigModel is 1,000 services in 50 groups with full sample rings, at 200x60, in colour.
func bigModel(b *testing.B) Model {
	b.Helper()
	services := make([]config.Service, 1000)
	st := make(map[string]track.Status, len(services))
	for i := range services {
		services[i] = svc(fmt.Sprintf("service %04d", i), fmt.Sprintf("group %02d", i/20), "https://example.com/", kindHTTP)
		ss := samples(fixedNow, 240, time.Duration(20+i%50)*time.Millisecond, 7)
		s := track.Status{
			State: track.Up, Since: fixedNow.Add(-time.Hour), Spark: spark(ss),
			LastAt: fixedNow, LastLatency: ss[len(ss)-1].latency, LastOK: true,
			AsOf: fixedNow, Observed: time.Hour, Downtime: time.Duration(i%3) * time.Second,
		}
		if i%10 == 0 {
			s.State, s.Reason = track.Down, "status 503, want 200-399"
			s.Outage = track.Outage{Start: fixedNow.Add(-4 * time.Minute)}
		}
		st[services[i].Name] = s
	}
	m := New(services, st, nil, Options{
		Renderer: renderer(termenv.ANSI256), Now: func() time.Time { return fixedNow }, Location: kst,
	})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	return next.(Model)
}

// BenchmarkView1000 draws the list of 1,000 services at 200x60.
func BenchmarkView1000(b *testing.B) {
	m := bigModel(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(m.View())
	}
	b.ReportMetric(float64(n), "bytes/frame")
}

// BenchmarkTick1000 is one second passing: the tick's Update and the redraw it causes.
func BenchmarkTick1000(b *testing.B) {
	m := bigModel(b)
	b.ReportAllocs()
	at := fixedNow
	for b.Loop() {
		at = at.Add(time.Second)
		next, _ := m.Update(tickMsg(at))
		m = next.(Model)
		_ = m.View()
	}
}
