package serve

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/report"
)

// defaultSince is how far back /api/v1/incidents looks without since, as `uptty incidents`.
const defaultSince = 7 * 24 * time.Hour

// incidents answers the `uptty incidents --json` document; since (a duration, 0 for all), all and
// service are its flags as query parameters.
func (s *Server) incidents(w http.ResponseWriter, r *http.Request) {
	since := defaultSince
	if v := r.URL.Query().Get("since"); v != "" {
		d, err := config.ParseDuration(v)
		if err != nil || d < 0 {
			errorJSON(w, http.StatusBadRequest, fmt.Sprintf("since %q: want a duration such as 7d, 12h or 30m (0 for all)", v))
			return
		}
		since = d
	}
	var from time.Time
	if since > 0 {
		from = s.opts.Now().Add(-since)
	}
	var list []history.Incident
	if h := s.opts.History; h != nil {
		var err error
		if list, err = h.View.Incidents(from, r.URL.Query().Get("service")); err != nil {
			errorJSON(w, http.StatusInternalServerError, "history: "+err.Error())
			return
		}
	}
	// The config's services only, as `uptty incidents -c`: a removed one, or another config's
	// in a shared history file, is there when named or with all=1.
	q := r.URL.Query()
	if q.Get("service") == "" && q.Get("all") != "1" && q.Get("all") != "true" {
		list = slices.DeleteFunc(list, func(in history.Incident) bool { return !s.known(in.Service) })
	}
	for k := range list {
		if !s.known(list[k].Service) {
			list[k].MarkUnmonitored()
		}
	}
	var b bytes.Buffer
	if err := report.WriteIncidentsNoted(&b, list, s.unknownNote(q.Get("service"), len(list))); err != nil {
		errorJSON(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

// unknownNote is the note of an incidents answer that asked for a service by name and found
// none, when the config has no service of that name: a script that misspelt it ("checkout api")
// read an empty list as no outages. The config's name in another case is offered.
func (s *Server) unknownNote(name string, found int) string {
	if name == "" || found > 0 || s.known(name) {
		return ""
	}
	note := fmt.Sprintf("the config has no service named %q", name)
	s.svcMu.RLock()
	defer s.svcMu.RUnlock()
	for known := range s.byName {
		if strings.EqualFold(known, name) {
			return note + fmt.Sprintf("; did you mean %q?", known)
		}
	}
	return note
}

// maxBuckets bounds a history request's buckets (the chart of a wide screen).
const maxBuckets = 240

// historyDoc is what the detail view shows of a service's history: the chart over window, the
// uptime windows and the outages in window, newest first.
type historyDoc struct {
	Service string             `json:"service"`
	WindowS int64              `json:"window_s"`
	Buckets []BucketDoc        `json:"buckets"`
	Windows []WindowDoc        `json:"windows"`
	Outages []history.Incident `json:"outages"`
	// OutagesTotal counts the outages in window; Outages holds the newest of them.
	OutagesTotal int `json:"outages_total"`
}

// BucketDoc is one chart bucket of the history answer (GET /api/v1/services/{name}/history).
type BucketDoc struct {
	From     string  `json:"from"`
	To       string  `json:"to"`
	Checks   int64   `json:"checks"`
	Failures int64   `json:"failures"`
	MinMS    float64 `json:"min_ms"`
	P50MS    float64 `json:"p50_ms"`
	MaxMS    float64 `json:"max_ms"`
	// CoveredS is the time checked in the bucket, DownS the part of it inside outages.
	CoveredS float64 `json:"covered_s"`
	DownS    float64 `json:"down_s"`
}

// WindowDoc is one uptime window of the history answer.
type WindowDoc struct {
	WindowS   int64   `json:"window_s"`
	Uptime    float64 `json:"uptime"`
	Coverage  float64 `json:"coverage"`
	Incidents int     `json:"incidents"`
	MTTRS     float64 `json:"mttr_s"`
	MTBFS     float64 `json:"mtbf_s"`
	Checks    int64   `json:"checks"`
	Failures  int64   `json:"failures"`
	P50MS     float64 `json:"p50_ms"`
	P95MS     float64 `json:"p95_ms"`
	P99MS     float64 `json:"p99_ms"`
}

func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(100*time.Microsecond)) / 10
}
func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
func ratio(x float64) float64         { return math.Round(x*1e6) / 1e6 }

// history answers a service's history over window (default 24h) in buckets (default 60).
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !s.known(name) {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("no service named %q", name))
		return
	}
	h := s.opts.History
	if h == nil {
		errorJSON(w, http.StatusNotFound, "no history is kept")
		return
	}
	q := r.URL.Query()
	window := 24 * time.Hour
	if v := q.Get("window"); v != "" {
		d, err := config.ParseDuration(v)
		if err != nil || d < time.Minute || d > 366*24*time.Hour {
			errorJSON(w, http.StatusBadRequest, fmt.Sprintf("window %q: want a duration from 1m to 366d, such as 1h, 24h or 7d", v))
			return
		}
		window = d
	}
	n := 60
	if v := q.Get("buckets"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 || k > maxBuckets {
			errorJSON(w, http.StatusBadRequest, fmt.Sprintf("buckets %q: want 1 to %d", v, maxBuckets))
			return
		}
		n = k
	}
	now := s.opts.Now()
	doc := historyDoc{Service: name, WindowS: int64(window / time.Second), Buckets: []BucketDoc{}, Windows: []WindowDoc{}}
	buckets, err := h.View.Chart(name, window, now, n)
	var windows []history.Window
	if err == nil {
		windows, err = h.View.Windows(name, now)
	}
	if err == nil {
		doc.Outages, doc.OutagesTotal, err = h.View.RecentIncidents(now.Add(-window), name, 20)
	}
	if err != nil {
		errorJSON(w, http.StatusInternalServerError, "history: "+err.Error())
		return
	}
	for _, b := range buckets {
		doc.Buckets = append(doc.Buckets, BucketDoc{From: apiTime(b.From), To: apiTime(b.To), Checks: b.Checks,
			Failures: b.Failures, MinMS: millis(b.Min), P50MS: millis(b.P50), MaxMS: millis(b.Max),
			CoveredS: seconds(b.Covered), DownS: seconds(b.Down)})
	}
	for _, x := range windows {
		doc.Windows = append(doc.Windows, WindowDoc{WindowS: int64(x.To.Sub(x.From) / time.Second), Uptime: ratio(x.Up),
			Coverage: ratio(x.Coverage), Incidents: x.Incidents, MTTRS: seconds(x.MTTR), MTBFS: seconds(x.MTBF),
			Checks: x.Checks, Failures: x.Failures, P50MS: millis(x.P50), P95MS: millis(x.P95), P99MS: millis(x.P99)})
	}
	if doc.Outages == nil {
		doc.Outages = []history.Incident{} // a list, never null, as incidents --json
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request)  { s.command(w, r, true) }
func (s *Server) resume(w http.ResponseWriter, r *http.Request) { s.command(w, r, false) }

// command pauses or resumes a service. The monitor applies it shortly after; the change shows
// in the status and the event stream.
func (s *Server) command(w http.ResponseWriter, r *http.Request, pause bool) {
	name := r.PathValue("name")
	if !s.known(name) {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("no service named %q", name))
		return
	}
	action := "resume"
	if pause {
		action = "pause"
		s.opts.Monitor.Pause(name)
	} else {
		s.opts.Monitor.Resume(name)
	}
	s.log.Info(action+" requested", "service", name, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusAccepted, struct {
		Service string `json:"service"`
		Action  string `json:"action"`
	}{name, action})
}
