package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptty/uptty/alert"
	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// stopAlertsWait bounds how long quitting waits for senders with an attempt in flight: what
// they had not delivered stays pending in the outbox and goes at the next start.
const stopAlertsWait = 2 * time.Second

// senderSet is the senders the config asks for, and what the engine and the dispatcher need to
// know of them.
type senderSet struct {
	senders []alert.Sender
	rules   []notify.Rule
	// durable are the senders whose alerts go through the outbox: all but the live monitor's
	// own terminal, whose bell for an alert of a previous run would only confuse.
	durable map[string]bool
	giveUp  map[string]time.Duration
}

// buildSenders makes a sender for every alert in the config, and, when tty is not nil, one for
// the terminal the live monitor draws on (unless the config has a terminal sender already).
func buildSenders(cfg *config.Config, tty io.Writer, tmux bool) (senderSet, error) {
	set := senderSet{durable: map[string]bool{}, giveUp: map[string]time.Duration{}}
	hasTerminal := false
	var errs []error
	for _, a := range cfg.Alerts {
		var s alert.Sender
		switch a.Type {
		case config.SenderWebhook:
			h := make(map[string]string, len(a.Headers))
			for _, x := range a.Headers {
				h[x.Name] = x.Value
			}
			s = &alert.Webhook{ID: a.Name, URL: a.URL, Format: alert.Format(a.Format), Headers: h, Timeout: a.Timeout, Location: cfg.Location}
		case config.SenderCommand:
			s = &alert.Command{ID: a.Name, Argv: a.Command, Timeout: a.Timeout, Location: cfg.Location}
		case config.SenderAlertmanager:
			s = &alert.Alertmanager{ID: a.Name, URL: a.URL, Timeout: a.Timeout, Location: cfg.Location}
		case config.SenderTerminal:
			hasTerminal = true
			if tty == nil {
				// No terminal (serve, --quiet): nothing to send, so no sender, whose alerts
				// would be listed as sent by `uptty alerts` and the metrics yet go nowhere.
				continue
			}
			s = &alert.Terminal{ID: a.Name, W: tty, Tmux: tmux}
		default:
			errs = append(errs, errors.New("alerts: "+a.Name+": unknown type "+a.Type))
			continue
		}
		set.senders = append(set.senders, s)
		set.rules = append(set.rules, notify.RuleOf(a))
		set.durable[a.Name] = true
		if a.GiveUpAfter > 0 {
			set.giveUp[a.Name] = a.GiveUpAfter
		}
	}
	if tty != nil && !hasTerminal {
		name := "terminal"
		for _, a := range cfg.Alerts {
			if a.Name == name {
				name = "tty"
			}
		}
		// The bell and the notification are written to the terminal in one Write each (see
		// alert.Terminal), on the same *os.File Bubble Tea draws on. An os.File holds its write
		// lock for a whole Write, and Bubble Tea v1's renderer writes each frame in one Write,
		// so the sequence lands between two frames, never inside one; BEL and OSC move no
		// cursor, so the renderer's idea of the screen stays true.
		set.senders = append(set.senders, &alert.Terminal{ID: name, W: tty, Tmux: tmux})
		set.rules = append(set.rules, notify.Rule{Name: name, Every: true})
	}
	return set, errors.Join(errs...)
}

// liveAlerts is the live monitor's alerting: the engine that makes alerts of the monitor's
// events, the dispatcher that delivers them, and the outbox in history that keeps them.
type liveAlerts struct {
	engine  *notify.Engine
	disp    *alert.Dispatcher
	hist    *history.Live
	durable map[string]bool
	cancel  context.CancelFunc
	done    chan struct{}

	silences    *silencePoller
	silenceDone chan struct{}
	acks        *acker

	// unused are, when another uptty writes the history (history.Live.InUse), the config's
	// senders that reach anything but this terminal: that one sends the alerts from its outbox,
	// and a second sender of each would page everyone twice for every event both see. They
	// are left to it while it runs (history.Watched of holder, the file's path); once it has
	// gone, this one alerts, so that no page is lost to a holder that quit.
	unused []string
	holder string

	// waiting, renamed and silent are what the last reload told of the senders (see
	// reconfigure): the added ones waiting for a restart, the renamed ones (new name to old),
	// and the services none of whose senders has started.
	waiting []string
	renamed map[string]string
	silent  []string // the services none of whose senders has started
	// outboxNames maps a renamed sender's old name, the one the engine and the dispatcher
	// know, to its name in the config, the one its outbox rows carry (see outboxName); nil
	// before any rename.
	outboxNames atomic.Pointer[map[string]string]
	// renaming is held by rename while it queues renames and changes outboxNames, and read-held
	// by whoever queues a row or an outcome under a sender's name, so that none is queued under
	// an old name after the rename of its rows (it would stay under that name, unsent or not
	// marked sent, and a restart would give it up).
	renaming sync.RWMutex
	// counts, when not nil, are the senders' counts for /metrics, renamed with their rows.
	counts *alertCounts
	// renamedAtStart are the senders renamed in the config since history last knew them (new
	// name to old), found by how they deliver: their rows carry the new names now.
	renamedAtStart map[string]string
}

// seed tells the engine what the services showed when the monitor started, restored from
// history (see notify.Engine.Seed), and sends again what it says to; nil statuses are none.
func (la *liveAlerts) seed(statuses map[string]track.Status) {
	la.resend(la.engine.Seed(statuses, la.known))
}

// known reports whether the outbox holds the alert id for sender: whether it was given to it.
func (la *liveAlerts) known(id, sender string) bool {
	if !la.durable[sender] {
		return true // the terminal keeps no rows: ring on recovery as before
	}
	ok, err := la.hist.Store.AlertKnown(id, la.outboxName(sender))
	return ok || err != nil // unsure: a recovery too many beats one missed
}

// reminders is how many reminders of the down alert id the outbox holds for sender: those
// after a restart are numbered on from there.
func (la *liveAlerts) reminders(id, sender string) int {
	if !la.durable[sender] {
		return 0
	}
	n, _ := la.hist.Store.Reminders(id, la.outboxName(sender)) // unreadable: numbered from 1, as before
	return n
}

// keep calls write, when sender's alerts are kept in the outbox, with the name its rows carry,
// with no rename being made meanwhile (see renaming); it returns that name.
func (la *liveAlerts) keep(sender string, write func(name string)) string {
	la.renaming.RLock()
	defer la.renaming.RUnlock()
	name := la.outboxName(sender)
	if la.durable[sender] {
		write(name)
	}
	return name
}

// resend queues the down alerts Seed or Resume say to send again.
func (la *liveAlerts) resend(again []Delivery) {
	for _, d := range again {
		la.disp.Enqueue(d.Alert, d.Sender)
	}
}

// startAlerts starts delivering, with the dispatcher tuned by opt (its OnSent, if any, is
// called after the outbox's): the alerts the outbox still holds from before (under their
// ids), then what the engine makes of the monitor's events from statuses on. counts, if not
// nil, counts what each sender did, under the name the config gives it (for /metrics).
//
// onSilences, if not nil, is called after the silences in force changed (serve sends its event
// streams a fresh snapshot then).
func startAlerts(cfg *config.Config, hist *history.Live, set senderSet, statuses map[string]track.Status, opt alert.Options,
	counts *alertCounts, onSilences func(before, after []notify.Silence)) (*liveAlerts, error) {
	store := hist.Store
	la := &liveAlerts{hist: hist, durable: set.durable, counts: counts, done: make(chan struct{})}
	if counts != nil {
		opt = counts.count(opt)
	}
	// Only a holder with the same config sends the same alerts: one with another config (the
	// default history file is shared by every config that does not name one) may watch other
	// services or have other senders, and holding back for it would lose those pages.
	if hist.InUse && hist.HolderConfig != "" && hist.HolderConfig == config.Identity(cfg.Path) {
		la.holder = cfg.History.Path
		for _, s := range set.senders {
			if _, ok := s.(*alert.Terminal); !ok {
				la.unused = append(la.unused, s.Name())
			}
		}
	}
	opt.GiveUpAfterFor = set.giveUp
	// The senders keep the config they started with, and so do their secrets.
	opt.Secrets = cfg.Secrets
	// The hooks get the dispatcher's name of a sender; the outbox, the log and the metrics the
	// config's (outboxName).
	sent := opt.OnSent // a caller's hook (tests) sees a delivery after the outbox was told
	opt.OnSent = func(id, sender string, at time.Time) {
		name := la.keep(sender, func(name string) { store.AlertSent(id, name, at) })
		if sent != nil {
			sent(id, name, at)
		}
	}
	failed, gaveUp := opt.OnFailed, opt.OnGaveUp // a caller's hooks (serve's log) come after the outbox's
	opt.OnFailed = func(a alert.Alert, sender string, err error, attempt int, next time.Time) {
		name := la.keep(sender, func(name string) { store.AlertFailed(a.ID, name, err.Error(), next) })
		if failed != nil {
			failed(a, name, err, attempt, next)
		}
	}
	opt.OnGaveUp = func(a alert.Alert, sender string, err error, attempts int) {
		name := la.keep(sender, func(name string) { store.AlertGaveUp(a.ID, name, err.Error()) })
		if gaveUp != nil {
			gaveUp(a, name, err, attempts)
		}
	}
	// A reminder not worth sending any more is settled, so that a restart does not send it.
	skipped := opt.OnSkipped
	opt.OnSkipped = func(id, sender, reason string) {
		name := la.keep(sender, func(name string) { store.AlertSkipped(id, name, reason) })
		if skipped != nil {
			skipped(id, name, reason)
		}
	}
	// A full queue (OnDropped) needs nothing: the outbox row stays pending until a restart.
	disp, err := alert.NewDispatcher(set.senders, opt)
	if err != nil {
		return nil, err
	}
	la.disp = disp
	la.engine = notify.New(notify.Options{
		Services: cfg.Services, Rules: set.rules, Maintenance: cfg.Maintenance, Sink: la.sink,
		Vias: hist.Vias(), Acks: hist.Acks(), Reminders: la.reminders,
	})
	la.acks = &acker{engine: la.engine, hist: hist}
	// Read before the first result, so that a silence set before the start holds from it.
	la.silences = newSilencePoller(hist, la.engine.Quiet())
	la.silences.onChange = onSilences
	la.silences.poll()
	if la.renamedAtStart, err = keepSenders(store, cfg, set.durable); err != nil {
		disp.Stop(context.Background())
		return nil, err
	}
	pending, err := store.PendingAlerts()
	if err != nil {
		disp.Stop(context.Background())
		return nil, err
	}
	for _, p := range pending {
		a, err := alert.Decode(p.Payload)
		switch {
		case err != nil:
			store.AlertGaveUp(p.ID, p.Sender, "unreadable in the outbox")
		case !set.durable[p.Sender]:
			store.AlertGaveUp(p.ID, p.Sender, "sender no longer in the config")
		default:
			disp.Requeue(a, p.Created, p.Sender)
		}
	}
	la.seed(statuses)
	ctx, cancel := context.WithCancel(context.Background())
	la.cancel = cancel
	go func() {
		defer close(la.done)
		la.engine.Run(ctx)
	}()
	la.silenceDone = make(chan struct{})
	go func() {
		defer close(la.silenceDone)
		la.silences.run(ctx, silencePollEvery)
	}()
	return la, nil
}

// sink commits the alerts with the result and events that caused them, then queues them: the
// outbox row is ahead of the sender's outcome in the writer's queue.
func (la *liveAlerts) sink(name string, c track.Check, events []track.Event, started notify.Started, out []Delivery) {
	if len(out) > 0 && la.holder != "" && history.Watched(la.holder) {
		out = slices.DeleteFunc(slices.Clone(out), func(d Delivery) bool { return slices.Contains(la.unused, d.Sender) })
	}
	// The rows are queued under the names they carry before a rename in progress is queued, or
	// after it under the new names: never under the old name behind the rename.
	la.renaming.RLock()
	var rows []history.Outgoing
	if len(out) > 0 {
		now := time.Now()
		for _, d := range out {
			if !la.durable[d.Sender] {
				continue
			}
			payload, err := json.Marshal(d.Alert)
			if err != nil {
				continue
			}
			rows = append(rows, history.Outgoing{ID: d.Alert.ID, Sender: la.outboxName(d.Sender), Service: name,
				Event: string(d.Alert.Event), Payload: payload, Created: now})
		}
	}
	la.hist.RecordWith(name, c, events, history.Extra{Maintenance: started.Maintenance, Via: started.Via,
		Reattributed: started.Reattributed, Alerts: rows})
	la.renaming.RUnlock()
	for _, d := range out {
		la.disp.Enqueue(d.Alert, d.Sender)
	}
}

// Delivery is notify.Delivery, short for the sink's signature.
type Delivery = notify.Delivery

// stop stops the reminders and the senders, waiting at most stopAlertsWait for an attempt in
// flight; it must run after the monitor stopped and before history closes.
func (la *liveAlerts) stop() {
	la.cancel()
	<-la.done
	<-la.silenceDone
	ctx, cancel := context.WithTimeout(context.Background(), stopAlertsWait)
	defer cancel()
	_ = la.disp.Stop(ctx)
}
