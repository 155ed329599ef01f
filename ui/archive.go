package ui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/uptty/uptty/history"
)

// Archive is the stored history the detail view reads; *history.Store implements it. The UI
// calls it only from tea.Cmds, never from Update, so its methods may take as long as a query
// does.
type Archive interface {
	// Windows returns a service's record over each of history.StandardWindows, ending at now.
	Windows(service string, now time.Time) ([]history.Window, error)
	// Chart cuts the window that ends at now into n buckets, oldest first.
	Chart(service string, window time.Duration, now time.Time, n int) ([]history.Bucket, error)
	// RecentIncidents lists the newest limit outages of service going on at or after since,
	// newest first, and how many there are in all.
	RecentIncidents(since time.Time, service string, limit int) ([]history.Incident, int, error)
	// Err reports that history is not being saved; nil when it is.
	Err() error
}

const (
	// refreshEvery is how often the open detail view asks the Archive again.
	refreshEvery = 10 * time.Second
	// archiveSettle is how soon after the shown service changes state the detail view asks
	// again: once the history has committed the change (it commits within a second).
	archiveSettle = 2 * time.Second
	// maxOutages bounds the outages the detail view holds and lists, however many the window
	// had: the UI's memory must not grow with history.
	maxOutages = 20
)

// archiveState is what the UI holds of the Archive: the newest answer for one service and
// window, and the bookkeeping that keeps a single query in flight.
type archiveState struct {
	src    Archive
	spans  []time.Duration // the windows offered, history.StandardWindows
	window int             // the selected one, an index into spans

	data   archiveMsg // the newest answer applied; seq 0 before the first
	err    error      // the newest answer's error, about service errSvc
	errSvc int

	seq   uint64    // of the newest query issued
	busy  bool      // a query is in flight
	again bool      // what to ask changed while busy: ask once it returns
	asked time.Time // when the newest query was issued, on the UI's clock

	saveErr error // Archive.Err as of the last tick
}

// archiveMsg is the Archive's answer to query number seq, about service svc and window
// `window` (indices in the model), with a chart n buckets wide. The UI applies an answer only
// if it is about the service and window it shows and newer than the answer it holds, so a late
// answer never overwrites a newer one.
type archiveMsg struct {
	seq            uint64
	svc, window, n int
	windows        []history.Window
	chart          []history.Bucket
	outages        []history.Incident // newest first, at most maxOutages
	total          int                // the outages in the window, listed or not
	alerts         []history.Outgoing // the service's newest alerts, when the Archive keeps them
	err            error
}

// saveErrMsg carries a change in Archive.Err.
type saveErrMsg struct{ err error }

// selected is the index of the service the detail view shows, -1 when there is none.
func (m Model) selected() int {
	if len(m.order) == 0 {
		return -1
	}
	return m.order[min(m.cursor, len(m.order)-1)]
}

// ask issues a query for the service and window the detail view shows, or, while one is in
// flight, asks again once it returns: one query at a time, however fast keys and resizes come.
func (m Model) ask() (Model, tea.Cmd) {
	a := &m.hist
	svc := m.selected()
	if a.src == nil || svc < 0 {
		return m, nil
	}
	if a.busy {
		a.again = true
		return m, nil
	}
	a.seq++
	a.busy, a.again, a.asked = true, false, m.now
	if m.now.Sub(m.status[svc].Since) < archiveSettle {
		m.refreshSoon() // opened on a change the history may not have committed yet
	}
	src, name, span, now, n := a.src, m.services[svc].Name, a.spans[a.window], m.now, m.chartWidth()
	msg := archiveMsg{seq: a.seq, svc: svc, window: a.window, n: n}
	return m, func() tea.Msg {
		var err error
		if msg.windows, err = src.Windows(name, now); err != nil {
			msg.err = err
			return msg
		}
		if msg.chart, err = src.Chart(name, span, now, n); err != nil {
			msg.err = err
			return msg
		}
		if msg.outages, msg.total, err = src.RecentIncidents(now.Add(-span), name, maxOutages); err != nil {
			msg.err = err
			return msg
		}
		if aa, ok := src.(AlertArchive); ok {
			msg.alerts, msg.err = aa.ServiceAlerts(name, maxAlerts)
		}
		return msg
	}
}

// answer applies an Archive answer if it is the newest about what the detail view shows, and
// asks again if something changed while it was on its way.
func (m Model) answer(msg archiveMsg) (Model, tea.Cmd) {
	a := &m.hist
	if msg.seq == a.seq {
		a.busy = false
	}
	if msg.seq > a.data.seq && msg.svc == m.selected() && msg.window == a.window {
		if msg.err != nil {
			a.err, a.errSvc = msg.err, msg.svc
		} else {
			a.data, a.err = msg, nil
		}
	}
	if !a.busy && a.again && m.view == detailView {
		return m.ask()
	}
	return m, nil
}

// refresh asks again when the detail view has shown the same answer for refreshEvery; it runs
// on every tick.
func (m Model) refresh() (Model, tea.Cmd) {
	a := &m.hist
	if a.src == nil || m.view != detailView || a.busy {
		return m, nil
	}
	if d := m.now.Sub(a.asked); d >= refreshEvery || d < 0 {
		return m.ask()
	}
	return m, nil
}

// refreshSoon makes the open detail view ask the Archive again archiveSettle from now, unless
// it is due sooner: its uptime windows and incidents are the Archive's, and after a change of
// state they would read as before it for up to refreshEvery.
func (m *Model) refreshSoon() {
	if due := m.now.Add(archiveSettle - refreshEvery); m.hist.asked.After(due) {
		m.hist.asked = due
	}
}

// checkSave reports a change in Archive.Err. The tick runs it once a second, off Update so
// that Update never calls into the Archive; it reports nothing while the error stays the same,
// so a healthy history costs no message and no redraw.
func (m Model) checkSave() tea.Cmd {
	src, prev := m.hist.src, m.hist.saveErr
	if src == nil {
		return nil
	}
	return func() tea.Msg {
		err := src.Err()
		if err == nil && prev == nil || err != nil && prev != nil && err.Error() == prev.Error() {
			return nil
		}
		return saveErrMsg{err}
	}
}

// chartWidth is the number of buckets the chart of a w-cell screen shows.
func (m Model) chartWidth() int {
	w, _ := m.size()
	return min(max(w-yAxisW, 1), history.MaxBuckets)
}

// setWindow selects window i of the chart and asks for it.
func (m Model) setWindow(i int) (Model, tea.Cmd) {
	if m.hist.src == nil || i < 0 || i >= len(m.hist.spans) || i == m.hist.window {
		return m, nil
	}
	m.hist.window = i
	return m.ask()
}
