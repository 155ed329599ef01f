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
func bigModel(b *testing.B) Model { return bigModelN(b, 1000) }

// bigModelN is n services, 20 a group, every tenth DOWN and every other DOWN one acked.
func bigModelN(b *testing.B, n int) Model {
	b.Helper()
	services := make([]config.Service, n)
	acked := map[string]track.Ack{}
	st := make(map[string]track.Status, len(services))
	for i := range services {
		services[i] = svc(fmt.Sprintf("service %04d", i), fmt.Sprintf("group %03d", i/20), "https://example.com/", kindHTTP)
		ss := samples(fixedNow, 240, time.Duration(20+i%50)*time.Millisecond, 7)
		s := track.Status{
			State: track.Up, Since: fixedNow.Add(-time.Hour), Spark: spark(ss),
			LastAt: fixedNow, LastLatency: ss[len(ss)-1].latency, LastOK: true,
			AsOf: fixedNow, Observed: time.Hour, Downtime: time.Duration(i%3) * time.Second,
		}
		if i%10 == 0 {
			s.State, s.Reason = track.Down, "status 503, want 200-399"
			s.Outage = track.Outage{Start: fixedNow.Add(-4 * time.Minute)}
			if i%20 == 0 {
				acked[services[i].Name] = track.Ack{Start: s.Outage.Start, By: "alice", At: fixedNow}
			}
		}
		st[services[i].Name] = s
	}
	m := New(services, st, nil, Options{
		Renderer: renderer(termenv.ANSI256), Now: func() time.Time { return fixedNow }, Location: kst,
		Acked: func(name string) (track.Ack, bool) { a, ok := acked[name]; return a, ok },
	})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	return next.(Model)
}

// BenchmarkView1000 draws the list of 1,000 services at 200x60 (draw: View would give the
// frame it kept).
func BenchmarkView1000(b *testing.B) {
	m := bigModel(b)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(m.draw())
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

// The same at 10,000 services (500 groups): what a frame costs that the number of services
// should not, beyond the rows shown.

func BenchmarkView10000(b *testing.B) { benchView(b, bigModelN(b, 10000)) }

func BenchmarkView10000Filtered(b *testing.B) {
	benchView(b, press(bigModelN(b, 10000), "/", "0", "0", "enter"))
}

func BenchmarkView10000Collapsed(b *testing.B) { benchView(b, press(bigModelN(b, 10000), "z")) }

func BenchmarkWallView10000(b *testing.B) { benchView(b, press(bigModelN(b, 10000), "W")) }

func BenchmarkFilterKey10000(b *testing.B) {
	m := press(bigModelN(b, 10000), "/", "s", "e", "r")
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("1")}, {Type: tea.KeyBackspace}}
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		next, _ := m.Update(keys[k%2])
		m = next.(Model)
		_ = m.View()
		k++
	}
}

func BenchmarkTick10000(b *testing.B) {
	m := bigModelN(b, 10000)
	b.ReportAllocs()
	at := fixedNow
	for b.Loop() {
		at = at.Add(time.Second)
		next, _ := m.Update(tickMsg(at))
		m = next.(Model)
		_ = m.View()
	}
}

// benchView draws m's frame over and over: afresh each time (draw), as View would give the
// frame it kept.
func benchView(b *testing.B, m Model) {
	b.Helper()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(m.draw())
	}
	b.ReportMetric(float64(n), "bytes/frame")
}

// BenchmarkViewerSecond1000 is a second of what one SSH viewer's screen does in sshview's
// BenchmarkSSHViewerCPU, without the SSH: 1,000 services at 120x40, five batches of 20
// changed services (every one a state change), each batch then its window title drawn (the
// title changes with the counts, and Bubble Tea draws after every message), and the second's
// tick.
func BenchmarkViewerSecond1000(b *testing.B) {
	m := bigModel(b)
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = next.(Model)
	type titleMsg string // as Bubble Tea's own: a message the model does not handle
	now, k := fixedNow, 0
	b.ReportAllocs()
	for b.Loop() {
		for range 5 {
			batch := statusMsg{}
			for range 20 {
				i := k * 7919 % len(m.services)
				k++
				s := m.status[i]
				if s.State == track.Down {
					s.State, s.Outage.End = track.Up, now
				} else {
					s.State, s.Outage = track.Down, track.Outage{Start: now}
				}
				batch[m.names[i]] = s
			}
			next, _ = m.Update(batch)
			m = next.(Model)
			_ = m.View()
			next, _ = m.Update(titleMsg(m.title))
			m = next.(Model)
			_ = m.View()
		}
		now = now.Add(time.Second)
		next, _ = m.Update(tickMsg(now))
		m = next.(Model)
		_ = m.View()
	}
}

// BenchmarkSecond100 is a second of the live screen at 100 services every 10 s at 120x40
// (bench/farm --n 100 --tui): five batches of two results (a new latency and sample, no
// change of state), each followed by a View, and the second's tick; the frames that changed
// laid out by the screen's painter (the Screen skips a frame like the last). Every tenth
// service is DOWN, its outage clock ticking.
func BenchmarkSecond100(b *testing.B) {
	m := bigModelN(b, 100)
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = next.(Model)
	var pt painter
	last := m.View()
	pt.buf = pt.render(pt.buf, last, 120, 40, true)
	paint := func(frame string) {
		if frame != last {
			pt.buf = pt.render(pt.buf[:0], frame, 120, 40, false)
			last = frame
		}
	}
	now, k := fixedNow, 0
	b.ReportAllocs()
	for b.Loop() {
		for range 5 {
			batch := statusMsg{}
			for range 2 {
				i := k * 37 % len(m.services)
				k++
				s := m.status[i]
				s.LastLatency += time.Millisecond
				s.Spark.Push(track.Sample{Latency: s.LastLatency, OK: s.State != track.Down})
				s.LastAt, s.AsOf = now, now
				batch[m.names[i]] = s
			}
			next, _ = m.Update(batch)
			m = next.(Model)
			paint(m.View())
		}
		now = now.Add(time.Second)
		next, _ = m.Update(tickMsg(now))
		m = next.(Model)
		paint(m.View())
	}
}

// BenchmarkIdleSecond is a second of the live screen with one service checked hourly: the
// tick, its frame and the painter's layout of it.
func BenchmarkIdleSecond(b *testing.B) {
	m := quietModel(func() time.Time { return fixedNow })
	var pt painter
	pt.buf = pt.render(pt.buf, m.View(), 120, 40, true)
	at := fixedNow
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(time.Second)
		next, _ := m.Update(tickMsg(at))
		m = next.(Model)
		pt.buf = pt.render(pt.buf[:0], m.View(), 120, 40, false)
	}
}
