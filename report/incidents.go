package report

import (
	"bufio"
	"encoding/json"
	"io"
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
// as WriteCheckTable does, and on one width columns wide (0: unknown) a CAUSE that would not fit
// goes under its row (see lastBelow). An empty list writes "no incidents".
func WriteIncidentsTable(w io.Writer, list []history.Incident, loc *time.Location, terminal bool, width int) error {
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
		ack := ""
		if a := in.Ack; a != nil {
			ack = text.CleanText(a.By, 0) + " " + a.At.In(loc).Format("15:04")
		}
		rows = append(rows, [6]string{in.Start.In(loc).Format(incidentTime), endText(in, loc, false),
			text.FormatDuration(in.WrittenDuration()), text.CleanText(in.Service, 0), ack, text.CleanText(in.Cause, 0)})
	}
	colW, causeAt := incidentColumns(rows, acks)
	below := lastBelow(width, causeAt, func(yield func(string) bool) {
		for _, r := range rows {
			if !yield(r[5]) {
				return
			}
		}
	})
	if below {
		// Short of room: an end on its start's date is its time alone, as a reader of the
		// row has the date and the zone from START.
		for k, in := range list {
			rows[k+1][1] = endText(in, loc, true)
		}
		colW, _ = incidentColumns(rows, acks)
	}
	for k, r := range rows {
		dur := text.FitLeft(r[2], colW[2], "")
		if k == 0 {
			dur = text.Fit(r[2], colW[2], "")
		}
		l := text.Fit(r[0], colW[0], "") + "  " + text.Fit(r[1], colW[1], "") + "  " + dur + "  "
		col := colW[0] + 2 + colW[1] + 2 + colW[2] + 2 + colW[3] + 2
		l += pinned(text.Fit(r[3], colW[3], text.Ellipsis)+"  ", col, terminal)
		if acks {
			col += colW[4] + 2
			l += pinned(text.Fit(r[4], colW[4], "")+"  ", col, terminal)
		}
		writeRow(bw, l, r[5], below)
	}
	return bw.Flush()
}

// endText is an incident's END: "ongoing", "unmonitored" or when it ended, to the second with the
// zone; short, the time alone when it ended on the date it started.
func endText(in history.Incident, loc *time.Location, short bool) string {
	switch {
	case in.End == nil && in.Unmonitored:
		return "unmonitored"
	case in.End == nil:
		return "ongoing"
	}
	end, start := in.End.In(loc), in.Start.In(loc)
	if short && end.YearDay() == start.YearDay() && end.Year() == start.Year() {
		return end.Format("15:04:05")
	}
	return end.Format(incidentTime)
}

// incidentColumns are the widths of the incidents table's padded columns and where CAUSE starts.
func incidentColumns(rows [][6]string, acks bool) (colW [5]int, causeAt int) {
	for _, r := range rows {
		for c := range colW {
			colW[c] = max(colW[c], text.Width(r[c]))
		}
	}
	colW[3] = min(colW[3], maxNameW)
	causeAt = colW[0] + 2 + colW[1] + 2 + colW[2] + 2 + colW[3] + 2
	if acks {
		causeAt += colW[4] + 2
	}
	return colW, causeAt
}

// WriteIncidentsJSON writes the `uptty incidents --json` document as the contract shows it:
// {"incidents": [...]}, an empty list rather than null when there are none.
func WriteIncidentsJSON(w io.Writer, list []history.Incident) error {
	return WriteIncidentsNoted(w, list, "")
}

// WriteIncidentsNoted is WriteIncidentsJSON with a "note" beside the list, when note is not
// empty: what `uptty incidents` says on stderr (a service name the config does not have).
func WriteIncidentsNoted(w io.Writer, list []history.Incident, note string) error {
	if list == nil {
		list = []history.Incident{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Incidents []history.Incident `json:"incidents"`
		Note      string             `json:"note,omitempty"`
	}{list, note})
}
