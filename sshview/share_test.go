package sshview

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/uptty/uptty/track"
	"github.com/uptty/uptty/ui/uitest"
)

// waitSame waits until the terminals of got and want look the same, cell by cell: the header's
// clock may tick between the two.
func waitSame(t *testing.T, what string, got, want *viewer) {
	t.Helper()
	deadline := time.After(wait)
	for {
		g, w := got.out.term(), want.out.term()
		diff := differ(g, w)
		if diff == "" {
			return
		}
		select {
		case <-got.out.got:
		case <-want.out.got:
		case <-time.After(100 * time.Millisecond): // a tick on both sides
		case <-deadline:
			t.Fatalf("%s: %s\ngot:\n%s\nwant:\n%s", what, diff, g, w)
		}
	}
}

// differ says where a and b first look different, or "".
func differ(a, b *uitest.Term) string {
	if a.W != b.W || a.H != b.H {
		return fmt.Sprintf("size %dx%d, want %dx%d", a.W, a.H, b.W, b.H)
	}
	for y := range b.H {
		for x := range b.W {
			if g, w := a.Cells[y][x].Look(), b.Cells[y][x].Look(); g != w {
				return fmt.Sprintf("cell (%d,%d) = %+v, want %+v", x, y, g, w)
			}
		}
	}
	return ""
}

// TestSharedScreens: sharing changes nothing any viewer sees. Viewers alike share a screen
// (one of them joining late, between frames), an operator's differs (its help), one viewer
// moves its cursor (a model of its own from then on) and one resizes its window (another
// group): each one's terminal shows what a viewer with a model of its own from the start
// (Options.noShare) shows after the same keys and changes.
func TestSharedScreens(t *testing.T) {
	shared := start(t, nil)
	alone := start(t, func(o *Options) { o.noShare = true })
	publish := func(b map[string]track.Status) { shared.publish(b); alone.publish(b) }
	a, b := shared.open(t, shared.viewer), shared.open(t, shared.viewer)
	moved, resized := shared.open(t, shared.viewer), shared.open(t, shared.viewer)
	op := shared.open(t, shared.op)
	refA, refMoved, refResized := alone.open(t, alone.viewer), alone.open(t, alone.viewer), alone.open(t, alone.viewer)
	refOp := alone.open(t, alone.op)
	all := []*viewer{a, b, moved, resized, op, refA, refMoved, refResized, refOp}
	for _, v := range all {
		v.out.waitFor(t, "the board", rowIs("Search", "DOWN"))
	}
	shared.mu.Lock()
	if n := len(shared.subs); n != 2 {
		t.Errorf("subscriptions of 4 viewers alike and an operator = %d, want 2 (a group each)", n)
	}
	shared.mu.Unlock()
	waitSame(t, "a grouped viewer", a, refA)
	waitSame(t, "another grouped viewer", b, refA)
	waitSame(t, "an operator", op, refOp)

	for _, v := range []*viewer{moved, refMoved} {
		io.WriteString(v.keys, "j")
	}
	for _, v := range []*viewer{resized, refResized} {
		v.out.resize(80, 20)
		if err := v.sess.WindowChange(20, 80); err != nil {
			t.Fatal(err)
		}
	}
	publish(map[string]track.Status{"Checkout": {State: track.Down}})
	late := shared.open(t, shared.viewer)
	late.out.waitFor(t, "the board", rowIs("Checkout", "DOWN"))
	publish(map[string]track.Status{"Search": {State: track.Up}})
	for _, v := range append(all, late) {
		v.out.waitFor(t, "Search UP", rowIs("Search", "UP"))
	}
	waitSame(t, "a grouped viewer after the changes", a, refA)
	waitSame(t, "another grouped viewer after the changes", b, refA)
	waitSame(t, "a viewer who joined late", late, refA)
	waitSame(t, "a viewer who moved its cursor", moved, refMoved)
	waitSame(t, "a viewer who resized", resized, refResized)
	waitSame(t, "an operator after the changes", op, refOp)
	if differ(moved.out.term(), refA.out.term()) == "" {
		t.Error("the cursor's move shows nowhere: the test does not test it")
	}
	for _, v := range append(all, late) {
		v.quit(t)
	}
}

// gateWriter takes a write only when the test lets it, and keeps what it took.
type gateWriter struct {
	entered chan struct{}
	gate    chan struct{}
	got     chan []byte
}

func (w *gateWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.gate
	w.got <- slices.Clone(p)
	return len(p), nil
}

// TestOutputBehind: a grouped viewer's terminal that falls more than maxQueued behind has the
// frames it missed dropped, never queued without bound, and is asked for a repaint; once that
// is queued, frames are queued after it again.
func TestOutputBehind(t *testing.T) {
	w := &gateWriter{entered: make(chan struct{}, 4), gate: make(chan struct{}), got: make(chan []byte, 4)}
	asked := make(chan struct{}, 1)
	o := newOutput(w, func() { asked <- struct{}{} })
	o.push([]byte("first")) // the writer takes it and waits at the gate
	<-w.entered
	frame := bytes.Repeat([]byte("x"), 1024)
	for range maxQueued/len(frame) + 2 {
		o.push(frame)
	}
	o.mu.Lock()
	n, stale := o.n, o.stale
	o.mu.Unlock()
	if !stale || n > maxQueued {
		t.Fatalf("after %d KB pushed behind a stuck write: stale %v, %d bytes queued; want stale, at most %d", maxQueued/1024+2, stale, n, maxQueued)
	}
	w.gate <- struct{}{}
	if got := <-w.got; string(got) != "first" {
		t.Fatalf("first write %q, want first", got)
	}
	select {
	case <-asked:
	case <-time.After(wait):
		t.Fatal("no repaint asked for")
	}
	o.push([]byte("dropped: before the repaint"))
	o.resync([]byte("repaint"))
	o.push([]byte(" next"))
	w.gate <- struct{}{}
	got := string(<-w.got)
	if got == "repaint" { // the writer took it before " next" came: a write of its own
		w.gate <- struct{}{}
		got += string(<-w.got)
	}
	if got != "repaint next" {
		t.Fatalf("writes after the repaint was asked = %q, want the repaint and the frame after it", got)
	}
	o.close(wait)
}
