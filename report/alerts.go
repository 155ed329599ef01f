package report

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/text"
)

// WriteAlertsTable writes the `uptty alerts` table, in the order given (newest first): TIME
// (when the alert was made), SERVICE, EVENT, SENDER, STATE (pending, sent, failed, gave_up),
// ATTEMPTS and ERROR (the last failure's reason, see alertError), times in loc (nil means time.Local); terminal
// pins the columns after a name as WriteCheckTable does, and on one width columns wide (0:
// unknown) an ERROR that would not fit goes under its row (see lastBelow). An empty list writes
// "no alerts".
func WriteAlertsTable(w io.Writer, list []history.Outgoing, loc *time.Location, terminal bool, width int) error {
	bw := bufio.NewWriter(w)
	if len(list) == 0 {
		bw.WriteString("no alerts\n")
		return bw.Flush()
	}
	if loc == nil {
		loc = time.Local
	}
	rows := make([][7]string, 0, len(list)+1)
	rows = append(rows, [7]string{"TIME", "SERVICE", "EVENT", "SENDER", "STATE", "ATTEMPTS", "ERROR"})
	for _, a := range list {
		rows = append(rows, [7]string{a.Created.In(loc).Format(incidentTime), text.CleanText(a.Service, 0),
			text.CleanText(a.Event, 0), text.CleanText(a.Sender, 0), text.CleanText(a.State, 0),
			strconv.Itoa(a.Attempts), text.CleanText(alertError(a), 0)})
	}
	var colW [6]int // the last column is not padded
	for _, r := range rows {
		for c := range colW {
			colW[c] = max(colW[c], text.Width(r[c]))
		}
	}
	colW[1] = min(colW[1], maxNameW)
	errorAt := 0
	for _, cw := range colW {
		errorAt += cw + 2
	}
	below := lastBelow(width, errorAt, func(yield func(string) bool) {
		for _, r := range rows {
			if !yield(r[6]) {
				return
			}
		}
	})
	for k, r := range rows {
		var b strings.Builder
		col := 0
		for c := range colW {
			cell := text.Fit(r[c], colW[c], text.Ellipsis)
			if c == 5 && k > 0 {
				cell = text.FitLeft(r[c], colW[c], "")
			}
			col += colW[c] + 2
			b.WriteString(pinned(cell+"  ", col, terminal))
		}
		writeRow(bw, b.String(), r[6], below)
	}
	return bw.Flush()
}

// alertError is the alert's error as listed: none once it was sent. The outbox keeps the reason
// of an attempt that failed before the one that delivered it, but shown beside "sent" it reads
// as a failure of the delivered alert; ATTEMPTS says that it took more than one.
func alertError(a history.Outgoing) string {
	if a.State == history.AlertSent {
		return ""
	}
	return a.LastError
}

// alertJSON is one alert of `uptty alerts --json`.
type alertJSON struct {
	ID        string  `json:"id"`
	Time      string  `json:"time"`
	Service   string  `json:"service"`
	Event     string  `json:"event"`
	Sender    string  `json:"sender"`
	State     string  `json:"state"`
	Attempts  int     `json:"attempts"`
	LastError string  `json:"last_error"`
	NextAt    *string `json:"next_at"`
	SentAt    *string `json:"sent_at"`
}

// WriteAlertsJSON writes the `uptty alerts --json` document: {"alerts": [...]}, each
// {"id", "time", "service", "event", "sender", "state", "attempts", "last_error", "next_at",
// "sent_at"}, times in RFC 3339 to the second in the local zone, next_at and sent_at null when
// unset; an empty list rather than null when there are none.
func WriteAlertsJSON(w io.Writer, list []history.Outgoing) error {
	out := make([]alertJSON, 0, len(list))
	stamp := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.Truncate(time.Second).Local().Format(time.RFC3339)
		return &s
	}
	for _, a := range list {
		out = append(out, alertJSON{ID: a.ID, Time: *stamp(a.Created), Service: a.Service, Event: a.Event,
			Sender: a.Sender, State: a.State, Attempts: a.Attempts, LastError: alertError(a),
			NextAt: stamp(a.NextAt), SentAt: stamp(a.SentAt)})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Alerts []alertJSON `json:"alerts"`
	}{out})
}
