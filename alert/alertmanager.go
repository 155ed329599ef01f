package alert

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/uptty/uptty/text"
)

// The alertnames uptty posts; an up alert resolves both for its service.
const (
	AlertnameDown     = "UpttyServiceDown"
	AlertnameDegraded = "UpttyServiceDegraded"
)

// defaultResend is how often a firing alert is re-posted: Prometheus re-sends every minute,
// and Alertmanager's own docs assume a client that does.
const defaultResend = time.Minute

// Alertmanager posts alerts to Prometheus Alertmanager's v2 API (POST /api/v2/alerts). Grouping,
// routing, deduplication and silences are Alertmanager's: one outage is one alert there,
// identified by its labels {alertname, service, group, severity}. While firing an alert must
// be re-posted (the Dispatcher does it every ResendEvery), else Alertmanager resolves it on its
// own at endsAt; an up alert resolves it by posting endsAt.
type Alertmanager struct {
	// ID names the sender (the config's alerts[].name).
	ID string
	// URL is Alertmanager's base URL, e.g. http://127.0.0.1:9093.
	URL string
	// Timeout bounds one attempt; 0 is 10s.
	Timeout time.Duration
	// Location, when set (the config's location:), is every alert's location label: the
	// uptty serves of several places that watch one service fire and resolve an alert each,
	// as they label their series.
	Location string
	// ResendEvery is how often the Dispatcher re-posts a firing alert; 0 is 1m.
	ResendEvery time.Duration
	// Client is the HTTP client; nil uses one that never follows redirects.
	Client *http.Client
	// Now is the clock for endsAt; nil is time.Now.
	Now func() time.Time
}

// Name returns the sender's name.
func (m *Alertmanager) Name() string { return m.ID }

// ResendInterval is how often the Dispatcher re-posts a firing alert.
func (m *Alertmanager) ResendInterval() time.Duration {
	if m.ResendEvery <= 0 {
		return defaultResend
	}
	return m.ResendEvery
}

// postableAlert is Alertmanager's v2 alert.
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Send posts one alert: firing for down and degraded, resolved for up.
func (m *Alertmanager) Send(ctx context.Context, a Alert) error {
	payload, err := json.Marshal(m.alerts(a))
	if err != nil {
		return &sendError{msg: "alertmanager: " + text.CleanText(err.Error(), reasonMax)}
	}
	c := m.Client
	if c == nil {
		c = noRedirects
	}
	url := strings.TrimRight(m.URL, "/") + "/api/v2/alerts"
	return post(ctx, "alertmanager", c, url, "application/json", payload, nil, nil, orDefault(m.Timeout))
}

// alerts builds what one Alert posts. A firing alert ends four resends from now, as Prometheus
// does, so a missed resend or two does not resolve it but an uptty that died does.
func (m *Alertmanager) alerts(a Alert) []postableAlert {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	ann := map[string]string{"summary": a.Text()}
	if r := text.CleanText(a.Reason, 0); r != "" {
		ann["reason"] = r
	}
	if len(a.Dependents) > 0 {
		ann["dependents"] = dependents(a.Dependents, 50)
	}
	one := func(alertname string, ends time.Time) postableAlert {
		return postableAlert{
			Labels: amLabels(a, alertname, m.Location), Annotations: ann,
			StartsAt: a.Start.UTC(), EndsAt: ends.UTC(), GeneratorURL: a.Link,
		}
	}
	switch a.Event {
	case EventUp:
		end := a.At
		if a.End != nil {
			end = *a.End
		}
		return []postableAlert{one(AlertnameDown, end), one(AlertnameDegraded, end)}
	case EventDegraded:
		return []postableAlert{one(AlertnameDegraded, now().Add(4*m.ResendInterval()))}
	default:
		return []postableAlert{one(AlertnameDown, now().Add(4*m.ResendInterval()))}
	}
}

// amLabels are the labels that identify one service's alert in Alertmanager (from one
// location): the same for the firing and the resolving post, so they meet as one alert.
// Prometheus treats an empty label as absent, so an empty group or location is left out.
func amLabels(a Alert, alertname, location string) map[string]string {
	l := map[string]string{"alertname": alertname, "service": text.CleanText(a.Service, 0), "severity": "critical"}
	if alertname == AlertnameDegraded {
		l["severity"] = "warning"
	}
	if g := text.CleanText(a.Group, 0); g != "" {
		l["group"] = g
	}
	if loc := text.CleanText(location, 0); loc != "" {
		l["location"] = loc
	}
	return l
}
