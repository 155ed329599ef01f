package report

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/text"
)

// incidentTime is how `uptty incidents` writes a time: to the second, with the zone, since a
// postmortem quotes it and a reader elsewhere must be able to convert it.
const incidentTime = "2006-01-02 15:04:05 MST"

// WriteIncidentsTable writes the `uptty incidents` table, in the order given (newest first):
// START, END ("ongoing" while the outage lasts), DURATION (compact, as on the screen), SERVICE,
// ACK (who acknowledged it and when; only when some incident was) and CAUSE, times in loc (nil
// means time.Local), columns aligned by display width; terminal pins the columns after a name
// as WriteCheckTable does. An empty list writes "no incidents".
func WriteIncidentsTable(w io.Writer, list []history.Incident, loc *time.Location, terminal bool) error {
	bw := bufio.NewWriter(w)
	if len(list) == 0 {
		bw.WriteString("no incidents\n")
		return bw.Flush()
	}
	if loc == nil {
		loc = time.Local
	}
	acks := false
	for _, in := range list {
		acks = acks || in.Ack != nil
	}
	rows := make([][6]string, 0, len(list)+1)
	rows = append(rows, [6]string{"START", "END", "DURATION", "SERVICE", "ACK", "CAUSE"})
	for _, in := range list {
		end := "ongoing"
		if in.Unmonitored {
			end = "unmonitored"
		}
		if in.End != nil {
			end = in.End.In(loc).Format(incidentTime)
		}
		ack := ""
		if a := in.Ack; a != nil {
			ack = text.CleanText(a.By, 0) + " " + a.At.In(loc).Format("15:04")
		}
		rows = append(rows, [6]string{in.Start.In(loc).Format(incidentTime), end,
			text.FormatDuration(in.WrittenDuration()), text.CleanText(in.Service, 0), ack, text.CleanText(in.Cause, 0)})
	}
	var width [5]int // the last column is not padded
	for _, r := range rows {
		for c := range width {
			width[c] = max(width[c], text.Width(r[c]))
		}
	}
	width[3] = min(width[3], maxNameW)
	for k, r := range rows {
		dur := text.FitLeft(r[2], width[2], "")
		if k == 0 {
			dur = text.Fit(r[2], width[2], "")
		}
		l := text.Fit(r[0], width[0], "") + "  " + text.Fit(r[1], width[1], "") + "  " + dur + "  "
		col := width[0] + 2 + width[1] + 2 + width[2] + 2 + width[3] + 2
		l += pinned(text.Fit(r[3], width[3], text.Ellipsis)+"  ", col, terminal)
		if acks {
			col += width[4] + 2
			l += pinned(text.Fit(r[4], width[4], "")+"  ", col, terminal)
		}
		l += r[5]
		bw.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	return bw.Flush()
}

// WriteIncidentsJSON writes the `uptty incidents --json` document as the contract shows it:
// {"incidents": [...]}, an empty list rather than null when there are none.
func WriteIncidentsJSON(w io.Writer, list []history.Incident) error {
	if list == nil {
		list = []history.Incident{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Incidents []history.Incident `json:"incidents"`
	}{list})
}
