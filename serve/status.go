package serve

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/report"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// statusDoc is the /api/v1/status document: `uptty check --json`'s, each service with more.
type statusDoc struct {
	CheckedAt string         `json:"checked_at"`
	Services  []serviceDoc   `json:"services"`
	Summary   report.Summary `json:"summary"`
	// Reload is how the last reload of the config went; absent before the first.
	Reload *reloadDoc `json:"reload,omitempty"`
}

// serviceDoc is one service in the status document and in a `service` event: check's fields,
// then since when it is in its state, its open or last outage, and its uptime.
type serviceDoc struct {
	report.CheckService
	Since  *string    `json:"since"`
	Outage *outageDoc `json:"outage"`
	// Uptime is the fraction of observed time not inside an outage, 0 to 1; null before any
	// time was observed.
	Uptime *float64 `json:"uptime"`
	// Recent is the sparkline's latencies, only in the status document (and so the snapshot):
	// an attached screen starts with the sparklines full, while each `service` event brings one
	// check. Absent before the first check.
	Recent *recentMS `json:"recent_ms,omitempty"`
}

// recentMS writes a Status's sparkline samples, oldest first and at most track.SparkCap (what
// the widest sparkline draws), as milliseconds to the tenth, a failed check as null (it is
// drawn as a failure whatever its latency). About 5 bytes a sample keeps a snapshot of 10,000
// services within 3 MB more; it points into the snapshot's statuses, so it costs no copy.
type recentMS track.Spark

// MarshalJSON writes r as [12.3,null,8].
func (r *recentMS) MarshalJSON() ([]byte, error) {
	sp := (*track.Spark)(r)
	b := make([]byte, 0, 2+6*sp.Len())
	b = append(b, '[')
	for i := range sp.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		x := sp.At(i)
		if !x.OK {
			b = append(b, "null"...)
			continue
		}
		// Tenths of a millisecond as integers: a third of AppendFloat's cost, 600,000 times.
		tenths := (x.Latency + 50*time.Microsecond) / (100 * time.Microsecond)
		b = strconv.AppendInt(b, int64(tenths/10), 10)
		if d := tenths % 10; d != 0 {
			b = append(b, '.', byte('0'+d))
		}
	}
	return append(b, ']'), nil
}

// outageDoc is an outage as `uptty incidents --json` writes one: times to the second, end null
// while it lasts, duration_s the whole seconds between the times written (or until now).
type outageDoc struct {
	Start     string  `json:"start"`
	End       *string `json:"end"`
	DurationS int64   `json:"duration_s"`
	// UnwatchedS is how much of it no check covered (uptty not running through a restart, the
	// service paused), in whole seconds; absent when none, so that a screen attached to serve
	// notes it as the local one does ("11m11s not watched").
	UnwatchedS int64 `json:"unwatched_s,omitempty"`
	// Ack is the open outage's acknowledgement, {by, at, note}, or null.
	Ack any `json:"ack"`
}

// apiTime writes t as incidents do: RFC 3339 to the second, in the local zone.
func apiTime(t time.Time) string { return t.Truncate(time.Second).Local().Format(time.RFC3339) }

func (s *Server) serviceOf(svc config.Service, st track.Status, now time.Time) serviceDoc {
	d := serviceDoc{CheckService: report.CheckServiceOf(svc, st)}
	if st.State == track.Down && s.opts.Via != nil {
		d.Error = text.WithVia(d.Error, s.opts.Via(svc.Name))
	}
	if q := s.opts.Quiet; q != nil {
		mk := q.Mark(svc.Name, now)
		d.SetMark(mk.Maintenance, mk.SilencedUntil)
	}
	if !st.Since.IsZero() {
		d.Since = new(apiTime(st.Since))
	}
	if o := st.Outage; !o.Start.IsZero() {
		end := now
		d.Outage = &outageDoc{Start: apiTime(o.Start), Ack: history.AckJSON(s.ackOf(svc.Name, st))}
		if !o.Open() {
			end = o.End
			d.Outage.End = new(apiTime(o.End))
		}
		d.Outage.DurationS = int64(text.WrittenDuration(o.Start, end) / time.Second)
		d.Outage.UnwatchedS = int64(o.Unwatched / time.Second)
	}
	if u, ok := st.Uptime(now); ok {
		d.Uptime = new(math.Round(u*1e6) / 1e6)
	}
	return d
}

// statusOf is the status document of every service as st shows them at now; st[i] is the
// status of the i-th service.
func (s *Server) statusOf(now time.Time) statusDoc {
	svcs, st := s.snapshot()
	doc := statusDoc{CheckedAt: now.UTC().Format(time.RFC3339), Services: make([]serviceDoc, len(svcs)),
		Reload: s.lastReload().doc()}
	for i, svc := range svcs {
		doc.Services[i] = s.serviceOf(svc, st[i], now)
		if st[i].Spark.Len() > 0 {
			doc.Services[i].Recent = (*recentMS)(&st[i].Spark)
		}
		doc.Summary.Count(st[i].State)
	}
	return doc
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.statusOf(s.opts.Now()))
}

// writeJSON answers v as JSON with code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away
}

// errorJSON answers {"error": msg} with code.
func errorJSON(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}
