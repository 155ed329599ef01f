package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/uptty/uptty/internal/fakeclock"
	"github.com/uptty/uptty/text"
)

// funcSender is a Sender made of a function, for the dispatcher's own logic under synctest.
type funcSender struct {
	name   string
	send   func(ctx context.Context, a Alert) error
	resend time.Duration
}

func (f *funcSender) Name() string                            { return f.name }
func (f *funcSender) Send(ctx context.Context, a Alert) error { return f.send(ctx, a) }

// resendingSender is a funcSender that asks to be re-sent firing alerts.
type resendingSender struct{ funcSender }

func (r *resendingSender) ResendInterval() time.Duration { return r.resend }

// log records hook calls.
type log struct {
	mu      sync.Mutex
	sent    []string // "sender id"
	failed  []time.Duration
	gaveUp  []int
	dropped []string
	sentCh  chan string
}

func newLog() *log { return &log{sentCh: make(chan string, 10000)} }

func (l *log) options(opt Options) Options {
	opt.OnSent = func(id, sender string, _ time.Time) {
		l.mu.Lock()
		l.sent = append(l.sent, sender+" "+id)
		l.mu.Unlock()
		l.sentCh <- sender + " " + id
	}
	opt.OnFailed = func(_ Alert, _ string, _ error, _ int, next time.Time) {
		l.mu.Lock()
		l.failed = append(l.failed, time.Until(next))
		l.mu.Unlock()
	}
	opt.OnGaveUp = func(_ Alert, _ string, _ error, attempts int) {
		l.mu.Lock()
		l.gaveUp = append(l.gaveUp, attempts)
		l.mu.Unlock()
	}
	opt.OnDropped = func(id, sender string) {
		l.mu.Lock()
		l.dropped = append(l.dropped, sender+" "+id)
		l.mu.Unlock()
	}
	return opt
}

func stop(t testing.TB, d *Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Stop(ctx); err != nil {
		t.Errorf("Stop = %v, want nil", err)
	}
}

// TestBackoff checks the retry schedule (1s doubling to 5m) and giving up after 24h.
func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attempts atomic.Int32
		s := &funcSender{name: "dead", send: func(context.Context, Alert) error {
			attempts.Add(1)
			return errors.New("webhook: status 500")
		}}
		l := newLog()
		d, err := NewDispatcher([]Sender{s}, l.options(Options{}))
		if err != nil {
			t.Fatal(err)
		}
		d.Enqueue(downAlert("A"))
		fakeclock.Elapse(25 * time.Hour)
		stop(t, d)
		// Attempt k+1 is sum(min(2^i, 300), i<k) seconds after the first, and the last is at
		// 24h: 10 attempts in the first 511s, then one every 300s up to 86311s, then one at
		// 86400s.
		want := []time.Duration{}
		for i := 0; i < 295; i++ {
			want = append(want, min(time.Duration(1<<min(i, 20))*time.Second, 5*time.Minute))
		}
		want = append(want, 89*time.Second)
		l.mu.Lock()
		defer l.mu.Unlock()
		if fmt.Sprint(l.failed) != fmt.Sprint(want) {
			t.Errorf("waits between attempts = %v, want %v", l.failed, want)
		}
		if fmt.Sprint(l.gaveUp) != "[297]" || attempts.Load() != 297 {
			t.Errorf("gave up after %v attempts (%d sent), want [297]", l.gaveUp, attempts.Load())
		}
	})
}

// TestGiveUpAfterFor: a sender with its own give_up_after gives up then, after a last attempt
// at that time (not at the attempt whose doubled wait would pass it: half of it), the others at
// GiveUpAfter.
func TestGiveUpAfterFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := func(context.Context, Alert) error { return errors.New("webhook: status 500") }
		l := newLog()
		d, err := NewDispatcher([]Sender{&funcSender{name: "quick", send: fail}, &funcSender{name: "slow", send: fail}},
			l.options(Options{GiveUpAfter: time.Hour, GiveUpAfterFor: map[string]time.Duration{"quick": 10 * time.Second}}))
		if err != nil {
			t.Fatal(err)
		}
		d.Enqueue(downAlert("A"))
		fakeclock.Elapse(9 * time.Second)
		l.mu.Lock()
		if len(l.gaveUp) != 0 {
			t.Errorf("after 9s gave up %v, want none: quick retries for 10s", l.gaveUp)
		}
		l.mu.Unlock()
		fakeclock.Elapse(21 * time.Second)
		l.mu.Lock()
		if fmt.Sprint(l.gaveUp) != "[5]" {
			t.Errorf("after 30s gave up %v, want quick only, after 5 attempts (0, 1, 3, 7, 10s)", l.gaveUp)
		}
		l.mu.Unlock()
		stop(t, d)
	})
}

// TestRetryThenDeliver checks an alert that fails twice is delivered once, then the next one.
func TestRetryThenDeliver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []string
		s := &funcSender{name: "flaky", send: func(_ context.Context, a Alert) error {
			got = append(got, a.ID)
			if len(got) <= 2 {
				return errors.New("status 500")
			}
			return nil
		}}
		l := newLog()
		d, _ := NewDispatcher([]Sender{s}, l.options(Options{}))
		down, up := downAlert("A"), upAlert("A")
		d.Enqueue(down)
		d.Enqueue(up)
		fakeclock.Elapse(10 * time.Second)
		stop(t, d)
		want := fmt.Sprint([]string{down.ID, down.ID, down.ID, up.ID})
		if fmt.Sprint(got) != want {
			t.Errorf("sends = %v, want %v", got, want)
		}
		if fmt.Sprint(l.sent) != fmt.Sprint([]string{"flaky " + down.ID, "flaky " + up.ID}) {
			t.Errorf("OnSent = %v, want down then up once each", l.sent)
		}
	})
}

// TestOverflow checks that a full queue drops the alert for that sender only, and says so.
func TestOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := &funcSender{name: "stuck", send: func(ctx context.Context, _ Alert) error {
			<-ctx.Done()
			return ctx.Err()
		}}
		var n atomic.Int32
		fine := &funcSender{name: "fine", send: func(context.Context, Alert) error { n.Add(1); return nil }}
		l := newLog()
		d, _ := NewDispatcher([]Sender{block, fine}, l.options(Options{QueueSize: 2}))
		d.Enqueue(downAlert("A"))
		synctest.Wait() // "stuck" holds the first alert
		ok := []bool{d.Enqueue(downAlert("B")), d.Enqueue(downAlert("C")), d.Enqueue(downAlert("D"))}
		synctest.Wait()
		if fmt.Sprint(ok) != "[true true false]" {
			t.Errorf("Enqueue = %v, want [true true false]", ok)
		}
		if want := "[stuck " + NewID("D", EventDown, tStart) + "]"; fmt.Sprint(l.dropped) != want {
			t.Errorf("OnDropped = %v, want %v", l.dropped, want)
		}
		if n.Load() != 4 {
			t.Errorf("the other sender got %d alerts, want 4", n.Load())
		}
		if !d.Enqueue(upAlert("A"), "fine") {
			t.Errorf("Enqueue to fine alone = false, want true")
		}
		// The stuck attempt is cancelled when Stop's wait for it is over.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := d.Stop(ctx); err != context.DeadlineExceeded {
			t.Errorf("Stop = %v with an attempt stuck, want %v", err, context.DeadlineExceeded)
		}
		if d.Enqueue(downAlert("E")) {
			t.Errorf("Enqueue after Stop = true, want false")
		}
	})
}

// TestResend checks that a Resender gets the firing alert every interval until it is up.
func TestResend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sends []string
		s := &resendingSender{funcSender{name: "am", resend: time.Minute, send: func(_ context.Context, a Alert) error {
			sends = append(sends, string(a.Event))
			return nil
		}}}
		d, _ := NewDispatcher([]Sender{s}, Options{})
		d.Enqueue(downAlert("A"))
		fakeclock.Elapse(3*time.Minute + 30*time.Second)
		d.Enqueue(upAlert("A"))
		fakeclock.Elapse(5 * time.Minute)
		stop(t, d)
		if want := "[down down down down up]"; fmt.Sprint(sends) != want {
			t.Errorf("sends = %v, want %v", sends, want)
		}
	})
}

// TestResendForgets: an alert of a service whose alerts no longer go to a sender (Forget: the
// service was removed from the config, or its alerts: list no longer names the sender) is
// re-sent no more: the Resender stops vouching for it and lets it expire, as after a restart,
// instead of keeping it firing for as long as uptty runs, with no recovery ever to end it.
func TestResendForgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex // two senders, two goroutines
		sends := map[string]int{}
		resender := func(name string) Sender {
			return &resendingSender{funcSender{name: name, resend: time.Minute, send: func(_ context.Context, a Alert) error {
				mu.Lock()
				defer mu.Unlock()
				sends[name+" "+a.Service]++
				return nil
			}}}
		}
		d, _ := NewDispatcher([]Sender{resender("am"), resender("am2")}, Options{})
		d.Enqueue(downAlert("Kept"))
		d.Enqueue(downAlert("Ghost"))
		fakeclock.Elapse(time.Minute + 30*time.Second)
		d.Forget(func(sender, service string) bool { return service == "Ghost" || sender == "am2" && service == "Kept" })
		fakeclock.Elapse(2 * time.Minute)
		stop(t, d)
		if want := "map[am Ghost:2 am Kept:4 am2 Ghost:2 am2 Kept:2]"; fmt.Sprint(sends) != want {
			t.Errorf("sends = %v, want %v: the first post and one resend of those forgotten, none after Forget", sends, want)
		}
	})
}

func TestNewDispatcherRejectsNames(t *testing.T) {
	a, b := &funcSender{name: "x"}, &funcSender{name: "x"}
	if _, err := NewDispatcher([]Sender{a, b}, Options{}); err == nil {
		t.Errorf("NewDispatcher with two senders named x = nil error, want one")
	}
	if _, err := NewDispatcher([]Sender{&funcSender{}}, Options{}); err == nil {
		t.Errorf("NewDispatcher with an unnamed sender = nil error, want one")
	}
}

// TestDispatchWebhook500Then200 retries a real receiver that fails twice: it gets the same id
// three times and the dispatcher reports one delivery.
func TestDispatchWebhook500Then200(t *testing.T) {
	var hits atomic.Int32
	srv, got := receiver(t, func(w http.ResponseWriter, _ *http.Request) {
		if hits.Add(1) <= 2 {
			w.WriteHeader(500)
		}
	})
	l := newLog()
	d, _ := NewDispatcher([]Sender{&Webhook{ID: "hook", URL: srv.URL}}, l.options(Options{FirstRetry: 10 * time.Millisecond}))
	a := downAlert("Checkout API")
	d.Enqueue(a)
	wantSent(t, l, 1)
	stop(t, d)
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for range 3 {
		var b struct{ ID string }
		_ = json.Unmarshal((<-got).body, &b)
		if b.ID != a.ID {
			t.Errorf("request id = %q, want %q", b.ID, a.ID)
		}
	}
	if len(l.sent) != 1 || len(l.failed) != 2 {
		t.Errorf("OnSent %d times and OnFailed %d, want 1 and 2", len(l.sent), len(l.failed))
	}
}

// TestDispatchHangingWebhook checks that a webhook that hangs delays neither Enqueue nor the
// other senders, and does not hold up Stop.
func TestDispatchHangingWebhook(t *testing.T) {
	slow, _ := receiver(t, hanging(t))
	fast, fastGot := receiver(t, nil)
	ignore := goleak.IgnoreCurrent()
	l := newLog()
	d, _ := NewDispatcher([]Sender{
		&Webhook{ID: "slow", URL: slow.URL, Timeout: time.Minute},
		&Webhook{ID: "fast", URL: fast.URL},
	}, l.options(Options{}))
	const n = 50
	start := time.Now()
	for i := range n {
		d.Enqueue(downAlert(fmt.Sprint("svc", i)))
	}
	enqueued := time.Since(start)
	for i := range n {
		select {
		case <-fastGot:
		case <-time.After(10 * time.Second):
			t.Fatalf("fast receiver got %d of %d alerts in 10s", i, n)
		}
	}
	took := time.Since(start)
	t.Logf("%d Enqueue calls took %v; the fast receiver had all %d after %v", n, enqueued, n, took)
	// The hanging sender holds its request for a minute: any bound well under that tells
	// "never waits for a sender" from "waits", however loaded the machine.
	if enqueued > 5*time.Second {
		t.Errorf("Enqueue took %v for %d alerts with a hanging sender, want well under the sender's 1m", enqueued, n)
	}
	stopStart := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := d.Stop(ctx); err != context.DeadlineExceeded {
		t.Errorf("Stop = %v with a request hanging past its wait, want %v", err, context.DeadlineExceeded)
	}
	if took := time.Since(stopStart); took > 10*time.Second {
		t.Errorf("Stop took %v with a request in flight, want well under the sender's 1m", took)
	}
	noRedirects.CloseIdleConnections() // the shared transport's, not the dispatcher's
	goleak.VerifyNone(t, ignore)
}

// wantSent waits for n OnSent calls.
func wantSent(t *testing.T, l *log, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for i := range n {
		select {
		case <-l.sentCh:
		case <-deadline:
			t.Fatalf("%d of %d alerts sent in 30s", i, n)
		}
	}
}

// TestFailureMasksSecrets: a sender's failure reason is stored and shown (`uptty alerts`), so
// a secret in it, such as a command printing the token it was given, is masked before any hook
// sees it, retried or given up.
func TestFailureMasksSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := func(context.Context, Alert) error {
			return errors.New("command: exit status 3: failed with hookSECRET")
		}
		var secrets text.Secrets
		secrets.Add("hookSECRET")
		var mu sync.Mutex
		var reasons []string
		keep := func(err error) {
			mu.Lock()
			reasons = append(reasons, err.Error())
			mu.Unlock()
		}
		d, err := NewDispatcher([]Sender{&funcSender{name: "cmd", send: fail}}, Options{
			GiveUpAfter: 2 * time.Second, Secrets: &secrets,
			OnFailed: func(_ Alert, _ string, err error, _ int, _ time.Time) { keep(err) },
			OnGaveUp: func(_ Alert, _ string, err error, _ int) { keep(err) },
		})
		if err != nil {
			t.Fatal(err)
		}
		d.Enqueue(downAlert("A"))
		fakeclock.Elapse(10 * time.Second)
		stop(t, d)
		mu.Lock()
		defer mu.Unlock()
		if len(reasons) < 2 {
			t.Fatalf("hooks got %v, want failures and a give-up", reasons)
		}
		for _, r := range reasons {
			if r != "command: exit status 3: failed with •••" {
				t.Errorf("hook got %q, want the secret masked", r)
			}
		}
	})
}

// TestStaleRemindersSkipped: reminders queued behind an alert a receiver refused for a while
// are not all sent in a burst when it comes back: a reminder with a newer reminder (or the
// recovery) of the same outage behind it is skipped, and said so (OnSkipped) for the outbox.
func TestStaleRemindersSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var down atomic.Bool
		down.Store(true)
		var mu sync.Mutex
		var got, skipped []string
		s := &funcSender{name: "hook", send: func(_ context.Context, a Alert) error {
			if down.Load() {
				return errors.New("webhook: connection refused")
			}
			mu.Lock()
			got = append(got, a.ID)
			mu.Unlock()
			return nil
		}}
		d, err := NewDispatcher([]Sender{s}, Options{OnSkipped: func(id, _, _ string) {
			mu.Lock()
			skipped = append(skipped, id)
			mu.Unlock()
		}})
		if err != nil {
			t.Fatal(err)
		}
		first := downAlert("A")
		d.Enqueue(first)
		for n := 1; n <= 3; n++ {
			r := first
			r.ID = RepeatID(first.ID, n)
			d.Enqueue(r)
		}
		other := downAlert("B") // another service's alert is no reminder of A's
		d.Enqueue(other)
		fakeclock.Elapse(10 * time.Second)
		down.Store(false)
		fakeclock.Elapse(time.Minute)
		d.Enqueue(upAlert("A"))
		fakeclock.Elapse(time.Second)
		stop(t, d)
		mu.Lock()
		defer mu.Unlock()
		want := []string{first.ID, RepeatID(first.ID, 3), other.ID, upAlert("A").ID}
		if !slices.Equal(got, want) {
			t.Errorf("delivered %v, want %v: the down, the newest reminder, B's down, the up", got, want)
		}
		if w := []string{RepeatID(first.ID, 1), RepeatID(first.ID, 2)}; !slices.Equal(skipped, w) {
			t.Errorf("skipped %v, want %v", skipped, w)
		}
	})
}

// TestStopLetsAttemptInFlightFinish checks that an alert the receiver is taking while uptty
// stops is delivered and recorded as sent, not cancelled: cancelled, it stayed pending and went
// again at the next start, a second message for one event in a chat that does not drop
// repeated ids.
func TestStopLetsAttemptInFlightFinish(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	var releaseOnce sync.Once
	answer := func() { releaseOnce.Do(func() { close(release) }) }
	srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
	})
	t.Cleanup(answer) // before the server's Close, which waits for the handler
	l := newLog()
	d, _ := NewDispatcher([]Sender{&Webhook{ID: "hook", URL: srv.URL}}, l.options(Options{}))
	d.Enqueue(downAlert("Checkout API"))
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver got no request in 10s")
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- d.Stop(ctx)
	}()
	// Stop waits for the attempt: it has not returned while the receiver holds the request.
	select {
	case err := <-stopped:
		t.Fatalf("Stop = %v before the receiver answered, want it to wait", err)
	case <-time.After(100 * time.Millisecond):
	}
	answer()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Stop = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return in 10s after the receiver answered")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.sent) != 1 {
		t.Errorf("OnSent called for %v, want the alert in flight at Stop", l.sent)
	}
}

// TestRequeueKeepsGiveUpClock: an alert kept from before a restart is given up GiveUpAfter from
// when it was first queued, not retried for a whole GiveUpAfter again by every run.
func TestRequeueKeepsGiveUpClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := func(context.Context, Alert) error { return errors.New("webhook: status 500") }
		l := newLog()
		d, err := NewDispatcher([]Sender{&funcSender{name: "dead", send: fail}}, l.options(Options{GiveUpAfter: time.Hour}))
		if err != nil {
			t.Fatal(err)
		}
		d.Requeue(downAlert("long ago"), time.Now().Add(-2*time.Hour))
		d.Requeue(downAlert("recent"), time.Now().Add(-50*time.Minute))
		fakeclock.Elapse(time.Second)
		l.mu.Lock()
		if fmt.Sprint(l.gaveUp) != "[1]" {
			t.Errorf("gave up %v at the start, want the alert queued 2h ago after its one attempt in this run", l.gaveUp)
		}
		l.mu.Unlock()
		fakeclock.Elapse(10 * time.Minute)
		l.mu.Lock()
		if len(l.gaveUp) != 2 {
			t.Errorf("10 minutes on, gave up %v, want the one queued 50 minutes before the start too", l.gaveUp)
		}
		l.mu.Unlock()
		stop(t, d)
	})
}

// TestRetryAfter: a receiver that answers 429 or 503 with Retry-After (Slack's and Discord's
// rate limits, a proxy in maintenance) is asked again no sooner than it said, in seconds or as
// a date, not a second later as backoff would and so be limited longer; a Retry-After past the
// give-up time is held to it, and one absurdly far is held to MaxRetry.
func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		status       int
		atLeast      time.Duration
		atMost       time.Duration
	}{
		{"429 seconds", "30", http.StatusTooManyRequests, 29 * time.Second, 30 * time.Second},
		{"503 date", time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat), http.StatusServiceUnavailable, 110 * time.Second, 2 * time.Minute},
		{"a day", "86400", http.StatusTooManyRequests, 4 * time.Minute, 5 * time.Minute},
		{"none", "", http.StatusTooManyRequests, 0, 2 * time.Second},
		{"garbage", "soon", http.StatusTooManyRequests, 0, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := receiver(t, func(w http.ResponseWriter, _ *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
			})
			failed := make(chan time.Duration, 1)
			d, _ := NewDispatcher([]Sender{&Webhook{ID: "hook", URL: srv.URL}}, Options{
				OnFailed: func(_ Alert, _ string, _ error, _ int, next time.Time) {
					select {
					case failed <- time.Until(next):
					default:
					}
				},
			})
			defer stop(t, d)
			d.Enqueue(downAlert("Checkout API"))
			select {
			case wait := <-failed:
				if wait < tc.atLeast || wait > tc.atMost {
					t.Errorf("next attempt in %v, want %v to %v", wait, tc.atLeast, tc.atMost)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no failed attempt within 10s")
			}
		})
	}
}
