package serve

import (
	"crypto/sha256"
	"net/http"

	"github.com/uptty/uptty/metrics"
)

// metricsRoutes adds GET /metrics, when the server has metrics, behind the same token as the
// rest of the API: a scrape config gives it with authorization.credentials_file.
func (s *Server) metricsRoutes(m *http.ServeMux) {
	if s.opts.Metrics == nil {
		return
	}
	s.opts.Metrics.Watch(s.opts.Monitor)
	m.Handle("GET /metrics", s.opts.Metrics.Handler())
	if s.opts.Probe != nil {
		m.Handle("GET /probe", s.opts.Probe)
	}
}

// MetricsHandler answers GET /metrics alone, for the live monitor's --metrics: behind token
// when it is set, with the API's very check.
func MetricsHandler(m *metrics.Metrics, token string) http.Handler {
	s := &Server{opts: Options{Token: token}}
	if token != "" {
		s.token = sha256.Sum256([]byte(token))
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return s.auth(mux)
}
