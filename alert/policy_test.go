package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPolicy drives a Policy through a timeline: each step is "+offset event" (Admit) or
// "+offset due" (Due), and wants what is sent, written "event@At-offset".
func TestPolicy(t *testing.T) {
	t0 := tStart
	for _, tc := range []struct {
		name   string
		policy Policy
		steps  []string
		want   string
	}{
		{"defaults", Policy{}, []string{"0s down", "1m degraded", "2m up", "3m due"}, "down@0s up@2m0s"},
		{"degraded opted in", Policy{On: []Event{EventDown, EventUp, EventDegraded}},
			[]string{"0s degraded", "1m up"}, "degraded@0s"},
		{"repeat", Policy{Repeat: 10 * time.Minute},
			[]string{"0s down", "9m due", "10m due", "15m due", "20m due", "25m up", "40m due"},
			"down@0s down-r1@10m0s down-r2@20m0s up@25m0s"},
		{"flap folded", Policy{MinGap: 5 * time.Minute},
			[]string{"0s down", "30s up", "1m down", "90s up", "2m down", "150s up", "10m due"},
			"down@0s up@30s"},
		{"flap then stays down", Policy{MinGap: 5 * time.Minute},
			[]string{"0s down", "30s up", "1m down", "4m due", "5m due", "6m up"},
			"down@0s up@30s down@5m0s up@6m0s"},
		{"gap passed", Policy{MinGap: 5 * time.Minute},
			[]string{"0s down", "1m up", "6m down", "7m up"}, "down@0s up@1m0s down@6m0s up@7m0s"},
		{"up only", Policy{On: []Event{EventUp}}, []string{"0s down", "1m up"}, "up@1m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.policy
			var got []string
			for _, step := range tc.steps {
				off, what, _ := strings.Cut(step, " ")
				d, _ := time.ParseDuration(off)
				now := t0.Add(d)
				var out []Alert
				if what == "due" {
					if next := p.Next(); !next.IsZero() && next.After(now) && len(p.Due(now)) > 0 {
						t.Errorf("Due(%s) sent before Next() = %v", off, next.Sub(t0))
					}
					out = p.Due(now)
				} else {
					a := downAlert("A")
					a.Event, a.ID, a.At = Event(what), NewID("A", Event(what), now), now
					a.Start = now
					out = p.Admit(now, a)
				}
				for _, a := range out {
					name := string(a.Event)
					if i := strings.Index(a.ID, "-r"); i > 0 {
						name += a.ID[i:]
					}
					got = append(got, name+"@"+a.At.Sub(t0).String())
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("sent %q, want %q", g, tc.want)
			}
		})
	}
}

func TestPolicyNext(t *testing.T) {
	p := Policy{Repeat: time.Hour, MinGap: 5 * time.Minute}
	if !p.Next().IsZero() {
		t.Errorf("Next() with nothing pending = %v, want zero", p.Next())
	}
	a := downAlert("A")
	p.Admit(tStart, a)
	if got := p.Next().Sub(tStart); got != time.Hour {
		t.Errorf("Next() while down = +%v, want +1h", got)
	}
	up := upAlert("A")
	p.Admit(tStart.Add(time.Minute), up)
	p.Admit(tStart.Add(2*time.Minute), a)
	if got := fmt.Sprint(p.Next().Sub(tStart)); got != "5m0s" {
		t.Errorf("Next() with a held down = +%v, want +5m0s", got)
	}
}
