package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
)

// maxSilence bounds a silence set through the API: one longer is a mistake more often than
// not, and a config maintenance window says it better.
const maxSilence = 366 * 24 * time.Hour

// silenceRequest is the body of POST /api/v1/services/{name}/silence.
type silenceRequest struct {
	For    string `json:"for"`    // a duration: 30m, 2h, 1d
	Reason string `json:"reason"` // optional
	// Group silences the service's whole group.
	Group bool `json:"group"`
}

// silenceDoc answers a silence: its target and when it ends.
type silenceDoc struct {
	Service string `json:"service"`
	Kind    string `json:"kind"` // service | group
	Name    string `json:"name"`
	Until   string `json:"until"`
	Reason  string `json:"reason"`
}

// silence silences a service (or its group) for a while: checked and shown, no alert, its
// outages marked maintenance. It replaces the target's silence, if any.
func (s *Server) silence(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.silenceTarget(w, r)
	if !ok {
		return
	}
	var req silenceRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		errorJSON(w, http.StatusBadRequest, "body: want {\"for\": \"2h\", \"reason\": \"deploy\"} ("+err.Error()+")")
		return
	}
	d, err := config.ParseDuration(req.For)
	if err != nil || d <= 0 || d > maxSilence {
		errorJSON(w, http.StatusBadRequest, fmt.Sprintf("for %q: want a duration from 1s to 366d, such as 30m, 2h or 1d", req.For))
		return
	}
	now := s.opts.Now()
	x := history.Silence{Kind: history.SilenceService, Name: svc.Name, Until: now.Add(d), Reason: history.CleanReason(req.Reason), Created: now}
	if req.Group {
		if svc.Group == "" {
			errorJSON(w, http.StatusBadRequest, fmt.Sprintf("%q has no group", svc.Name))
			return
		}
		x.Kind, x.Name = history.SilenceGroup, svc.Group
	}
	if err := s.opts.History.SetSilence(r.Context(), x); err != nil {
		errorJSON(w, http.StatusInternalServerError, "history: "+err.Error())
		return
	}
	// The request, then its effect: the refresh logs the silence in force (serve's logSilences).
	s.log.Info("silenced", "service", svc.Name, "kind", x.Kind, "name", x.Name, "for", d.String(), "remote", r.RemoteAddr)
	s.refresh()
	writeJSON(w, http.StatusOK, silenceDoc{Service: svc.Name, Kind: x.Kind, Name: x.Name, Until: apiTime(x.Until), Reason: x.Reason})
}

// unsilence ends the service's silence, and its group's with ?group=true.
func (s *Server) unsilence(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.silenceTarget(w, r)
	if !ok {
		return
	}
	name := svc.Name
	if r.URL.Query().Get("group") == "true" {
		if svc.Group == "" {
			errorJSON(w, http.StatusBadRequest, fmt.Sprintf("%q has no group", svc.Name))
			return
		}
		name = svc.Group
	}
	n, err := s.opts.History.Unsilence(r.Context(), name)
	if err != nil {
		errorJSON(w, http.StatusInternalServerError, "history: "+err.Error())
		return
	}
	if n > 0 {
		s.log.Info("unsilenced", "service", svc.Name, "name", name, "removed", n, "remote", r.RemoteAddr)
	} else {
		s.log.Info("no silence to end", "service", svc.Name, "name", name, "remote", r.RemoteAddr)
	}
	s.refresh()
	writeJSON(w, http.StatusOK, struct {
		Service string `json:"service"`
		Name    string `json:"name"`
		Removed int    `json:"removed"`
	}{svc.Name, name, n})
}

// silenceTarget is the service a silence request names; it answers the error itself when
// there is none, or no history to keep silences in.
func (s *Server) silenceTarget(w http.ResponseWriter, r *http.Request) (config.Service, bool) {
	name := r.PathValue("name")
	svcs, byName := s.catalogue()
	i, ok := byName[name]
	if !ok {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("no service named %q", name))
		return config.Service{}, false
	}
	if s.opts.History == nil {
		errorJSON(w, http.StatusServiceUnavailable, "silences are kept in the history, and this server keeps none")
		return config.Service{}, false
	}
	return svcs[i], true
}

// refresh reads back the silences after a write, and gives the streams a fresh snapshot.
func (s *Server) refresh() {
	if s.opts.Refresh != nil {
		s.opts.Refresh()
	}
	s.MarksChanged()
}

// MarksChanged tells the event stream clients that silences changed: each gets a fresh
// snapshot (which supersedes what was queued for it), as the status marks are not events of
// the monitor's.
func (s *Server) MarksChanged() {
	s.hub.mu.Lock()
	for c := range s.hub.clients {
		c.mu.Lock()
		c.queue, c.size, c.needSnap = nil, 0, true
		c.mu.Unlock()
	}
	s.hub.mu.Unlock()
	s.wantSnapshot()
}
