package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/track"
)

// Acker acknowledges outages: the alert engine's reminders stop for an acked outage, and the
// history keeps the ack with it. Its errors notify.ErrNoOutage and notify.ErrOutageChanged
// are the client's (409); any other is the server's.
type Acker interface {
	Ack(ctx context.Context, name string, a track.Ack) (track.Ack, error)
	Unack(ctx context.Context, name string) (bool, error)
	Acked(name string) (track.Ack, bool)
}

// ackRequest is the body of POST /api/v1/services/{name}/ack; every field is optional.
type ackRequest struct {
	Note string `json:"note"`
	// By is who acknowledges ("api" when not said): the token says that the client may, not
	// who it is, so uptty attach sends its user's login name.
	By string `json:"by"`
}

// ackOf is the ack of the outage st shows going on, nil for none.
func (s *Server) ackOf(name string, st track.Status) *track.Ack {
	if s.opts.Acks == nil {
		return nil
	}
	o, open := st.OpenOutage()
	if !open {
		return nil
	}
	if a, ok := s.opts.Acks.Acked(name); ok && a.Of(o) {
		return &a
	}
	return nil
}

// ack acknowledges the service's outage going on: 409 when there is none.
func (s *Server) ack(w http.ResponseWriter, r *http.Request) {
	name, ok := s.ackTarget(w, r)
	if !ok {
		return
	}
	var req ackRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		errorJSON(w, http.StatusBadRequest, "body: want {\"note\": \"on it\"} or nothing ("+err.Error()+")")
		return
	}
	if req.By == "" {
		req.By = "api"
	}
	a, err := s.opts.Acks.Ack(r.Context(), name, track.Ack{By: req.By, At: s.opts.Now(), Note: req.Note})
	switch {
	case errors.Is(err, notify.ErrNoOutage), errors.Is(err, notify.ErrOutageChanged):
		errorJSON(w, http.StatusConflict, fmt.Sprintf("%q: %v", name, err))
		return
	case err != nil:
		errorJSON(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.MarksChanged()
	s.log.Info("acknowledged", "service", name, "by", a.By, "note", a.Note, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, struct {
		Service string `json:"service"`
		Start   string `json:"start"` // the outage acknowledged
		Ack     any    `json:"ack"`
	}{name, apiTime(a.Start), history.AckJSON(&a)})
}

// unack removes the ack of the service's outage; removed says whether there was one.
func (s *Server) unack(w http.ResponseWriter, r *http.Request) {
	name, ok := s.ackTarget(w, r)
	if !ok {
		return
	}
	removed, err := s.opts.Acks.Unack(r.Context(), name)
	if err != nil {
		errorJSON(w, http.StatusInternalServerError, err.Error())
		return
	}
	if removed {
		s.MarksChanged()
		s.log.Info("ack removed", "service", name, "remote", r.RemoteAddr)
	}
	writeJSON(w, http.StatusOK, struct {
		Service string `json:"service"`
		Removed bool   `json:"removed"`
	}{name, removed})
}

// ackTarget is the service an ack request names; it answers the error itself when there is
// none, or no acks on this server.
func (s *Server) ackTarget(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !s.known(name) {
		errorJSON(w, http.StatusNotFound, fmt.Sprintf("no service named %q", name))
		return "", false
	}
	if s.opts.Acks == nil {
		errorJSON(w, http.StatusServiceUnavailable, "this server takes no acks")
		return "", false
	}
	return name, true
}
