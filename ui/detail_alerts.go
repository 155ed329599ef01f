package ui

import (
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/text"
)

// maxAlerts bounds the alerts the detail view lists.
const maxAlerts = 10

// AlertArchive is an Archive that also keeps the alerts sent (the outbox); *history.Store is
// one. The detail view then lists a service's recent alerts, asked with the rest of its
// history.
type AlertArchive interface {
	// ServiceAlerts returns the newest limit alerts of service, newest first.
	ServiceAlerts(service string, limit int) ([]history.Outgoing, error)
}

// alertLines are the detail view's Alerts section for service i: time, event, sender, state
// and the last error of each recent alert; nothing when the Archive keeps no alerts.
func (m Model) alertLines(i, w int) []string {
	if _, ok := m.hist.src.(AlertArchive); !ok {
		return nil
	}
	st, a, g := m.st, &m.hist, m.st.g
	title := st.section.Render("Alerts")
	if mark := m.markText(i); mark != "" {
		if r := m.markOf(i).Reason; r != "" {
			mark += ": " + text.CleanText(r, 0)
		}
		title += "  " + st.row[0].quiet.paint(text.Truncate(mark, max(w-8, 0), g.ellipsis))
	}
	lines := []string{"", title}
	if a.data.seq == 0 || a.data.svc != i {
		return append(lines, "  "+st.label.Render(g.loading))
	}
	if len(a.data.alerts) == 0 {
		return append(lines, "  "+st.label.Render("none sent"))
	}
	for _, x := range a.data.alerts {
		line := "  " + clockText(m.now, x.Created, m.loc) + "  " + text.Fit(text.CleanText(x.Event, 0), 8, "") +
			" " + text.Fit(text.CleanText(x.Sender, 12), 12, g.ellipsis) + " " + text.Fit(x.State, 7, "")
		if x.Attempts > 1 {
			line += " " + itoa(x.Attempts) + " tries"
		}
		if e := x.LastError; e != "" && x.State != history.AlertSent {
			line += "  " + text.CleanText(e, 0)
		}
		style := st.row[0].dim
		if x.State == history.AlertFailed || x.State == history.AlertGaveUp {
			style = st.row[0].down
		}
		lines = append(lines, style.paint(text.Truncate(line, max(w, 0), g.ellipsis)))
	}
	return lines
}
