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

// WriteSilencesTable writes `uptty silence --list`: KIND (service or group), NAME, UNTIL, LEFT
// and REASON, the soonest to end first, times in loc (nil means time.Local) as seen at now. An
// empty list writes "no silences".
func WriteSilencesTable(w io.Writer, list []history.Silence, now time.Time, loc *time.Location) error {
	bw := bufio.NewWriter(w)
	if len(list) == 0 {
		bw.WriteString("no silences\n")
		return bw.Flush()
	}
	rows := [][5]string{{"KIND", "NAME", "UNTIL", "LEFT", "REASON"}}
	for _, x := range list {
		rows = append(rows, [5]string{x.Kind, text.CleanText(x.Name, 0), text.FormatUntil(now, x.Until, loc),
			text.FormatDuration(x.Until.Sub(now).Round(time.Second)), text.CleanText(x.Reason, 0)})
	}
	var width [4]int
	for _, r := range rows {
		for c := range width {
			width[c] = max(width[c], text.Width(r[c]))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for c := range width {
			b.WriteString(text.Fit(r[c], width[c], "") + "  ")
		}
		b.WriteString(r[4])
		bw.WriteString(strings.TrimRight(b.String(), " ") + "\n")
	}
	return bw.Flush()
}

// silenceJSON is one silence of `uptty silence --list --json`.
type silenceJSON struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Until   string `json:"until"`
	Reason  string `json:"reason"`
	Created string `json:"created"`
}

// WriteSilencesJSON writes {"silences": [{"kind", "name", "until", "reason", "created"}]}, times
// in RFC 3339 to the second in the local zone; an empty list rather than null.
func WriteSilencesJSON(w io.Writer, list []history.Silence) error {
	out := make([]silenceJSON, 0, len(list))
	stamp := func(t time.Time) string { return t.Truncate(time.Second).Local().Format(time.RFC3339) }
	for _, x := range list {
		out = append(out, silenceJSON{Kind: x.Kind, Name: x.Name, Until: stamp(x.Until), Reason: x.Reason, Created: stamp(x.Created)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Silences []silenceJSON `json:"silences"`
	}{out})
}
