// Package attach is the client side of `uptty serve`: it follows a server's event stream and
// serves what it learns as the UI's Source, so that `uptty attach` shows the server's poller
// with the same screen as a local monitor, running no check of its own.
//
// One goroutine (Client.Run, owned by the caller) holds the stream: it reconnects with backoff
// when the link drops, and reports the link and every change of the service list through
// callbacks; the UI reads the statuses with Next, like a monitor's.
package attach

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/notify"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// Backoff bounds between reconnection attempts.
const (
	MinBackoff = time.Second
	MaxBackoff = 30 * time.Second
)

// idleLimit is how long a stream may stay silent before it is taken for dead: the server sends
// a heartbeat every 15 s, and a link that died without a reset sends nothing at all.
const idleLimit = 45 * time.Second

// initialWait is how long attach waits for the server's first answer, and then for each more
// of it, before it says the server does not answer.
const initialWait = 10 * time.Second

// progressReader calls read after each Read that brought bytes.
type progressReader struct {
	r    io.Reader
	read func()
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.read()
	}
	return n, err
}

// Options configure a Client.
type Options struct {
	// Token is sent as "Authorization: Bearer TOKEN" when set.
	Token string
	// OnServices is called, from Run's goroutine, when a snapshot brings a different service
	// list: every service in order, with the status of those new to the list.
	OnServices func(services []config.Service, fresh map[string]track.Status)
	// OnLink is called, from Run's goroutine, when the link goes down (down true, since when)
	// and when a snapshot after that brings it back (down false, with every status from the
	// snapshot, and after OnServices for it).
	OnLink func(down bool, since time.Time, status map[string]track.Status)
	// OnReload is called, from Run's goroutine, when the server says how a reload of its
	// config ended (a `reload` event): when, and why it failed (nil for a good one). A snapshot
	// tells of a reload the client did not hear of as it happened: on the first one, an error
	// that still stands; after that, one newer than the last heard of (the link was down).
	OnReload func(at time.Time, err error)
	// HTTP is the client used (default: one with no overall timeout, for the stream, trusting
	// RootCAs over https).
	HTTP *http.Client
	// RootCAs are the authorities an https server's certificate must chain to (default: the
	// system's); see LoadCA.
	RootCAs *x509.CertPool
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Client follows one server. Make it with New, fetch the first status with Initial, then run
// Run in a goroutine; Next, Detail, Pause and Resume make it a ui.Source.
type Client struct {
	base *url.URL
	opts Options

	mu      sync.Mutex
	changes *track.Changes          // what Next hands the screen
	known   map[string]track.Status // the newest status of each service, sparkline included
	names   []string                // the service list, in the server's order
	groups  map[string]string       // each service's group, "" for none
	marks   map[string]notify.Mark  // MAINT and SILENCED marks, as the server last said
	acks    map[string]track.Ack    // the acks of outages going on, as the server last said
	// reloadAt is when the newest reload heard of ended; streamed, that the stream brought a
	// snapshot once (Run's goroutine only).
	reloadAt time.Time
	streamed bool
	// eventAt is when the event being read began to arrive, by Options.Now (Run's goroutine).
	eventAt time.Time
	// idleLimit is idleLimit but in tests (New sets it).
	idleLimit time.Duration
	// initialWait is how long Initial waits for an answer, and for more of it (New sets it
	// to initialWait; tests shorten it).
	initialWait time.Duration
	// skew is how far the server's clock is ahead of Options.Now, in nanoseconds (see Now).
	skew atomic.Int64
}

// New returns a client for the server at rawURL ("http://host:port"; "host:port" means http).
func New(rawURL string, opts Options) (*Client, error) {
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: want the server's address, such as http://127.0.0.1:9870", rawURL)
	}
	u.Path = serverPath(u.Path)
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	if opts.HTTP == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs}
		opts.HTTP = &http.Client{Transport: tr}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Client{base: u, opts: opts, changes: track.NewChanges(),
		known: map[string]track.Status{}, idleLimit: idleLimit, initialWait: initialWait}, nil
}

// serverPath is the path of the server's root in path, the path of a URL given to attach: the
// server's own (behind a proxy, "/uptty"), with one of the API's endpoints cut off its end, so
// that a URL pasted from the API's docs or a browser (…/api/v1/events, …/healthz) attaches
// to its server rather than failing as "not an uptty serve".
func serverPath(path string) string {
	if i := strings.Index(path+"/", "/api/v1/"); i >= 0 {
		path = path[:i]
	}
	for _, end := range []string{"/healthz", "/metrics"} {
		path = strings.TrimSuffix(path, end)
	}
	return strings.TrimSuffix(path, "/")
}

// URL is the server's address.
func (c *Client) URL() string { return c.base.String() }

// Initial asks the server for its status document: the services and their statuses to start the
// UI from. An error says why the server cannot be used (unreachable, a wrong token).
func (c *Client) Initial(ctx context.Context) ([]config.Service, map[string]track.Status, error) {
	wait := c.initialWait
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// wait bounds the time to an answer, and then each silence in it, not the whole: over a
	// slow link the document of a few hundred services takes longer than that to arrive,
	// and attach failed with "not an uptty serve status document: context deadline exceeded".
	var stalled atomic.Bool
	watchdog := time.AfterFunc(wait, func() { stalled.Store(true); cancel() })
	defer watchdog.Stop()
	resp, err := c.do(ctx, http.MethodGet, "/api/v1/status")
	var refused *StatusError
	switch {
	case err != nil && (stalled.Load() || errors.Is(ctx.Err(), context.DeadlineExceeded)):
		return nil, nil, fmt.Errorf("%s: no answer within %s; is the address right, and is it an uptty serve?", c.base, wait)
	case errors.As(err, &refused) && refused.Code == http.StatusNotFound:
		return nil, nil, fmt.Errorf("%s: not an uptty serve: it answered %s to GET %s/api/v1/status; check the address and port",
			c.base, refused.Status, c.base.EscapedPath())
	case refused != nil:
		// Named like every other failure to start: which server said no.
		return nil, nil, fmt.Errorf("%s: %w", c.base, err)
	case err != nil:
		return nil, nil, err
	}
	defer resp.Body.Close()
	arrived := c.opts.Now() // before the body, which a slow link may take seconds over
	var doc statusDoc
	body := &progressReader{r: io.LimitReader(resp.Body, 64<<20), read: func() { watchdog.Reset(wait) }}
	if err := json.NewDecoder(body).Decode(&doc); err != nil {
		if stalled.Load() {
			return nil, nil, fmt.Errorf("%s: the status document stopped arriving (nothing for %s)", c.base, wait)
		}
		return nil, nil, fmt.Errorf("%s: not an uptty serve status document: %w", c.base, err)
	}
	doc.clean()
	c.heardClock(doc.CheckedAt, arrived)
	svcs, st := c.applySnapshot(doc, false)
	c.changes.Clear() // the UI starts from st
	return svcs, st, nil
}

// do sends a request with the token and fails on any status but 2xx.
func (c *Client) do(ctx context.Context, method, path string) (*http.Response, error) {
	return c.doBody(ctx, method, path, nil)
}

// send is doBody with v marshalled as its JSON body (none when v is nil).
func (c *Client) send(ctx context.Context, method, path string, v any) (*http.Response, error) {
	if v == nil {
		return c.doBody(ctx, method, path, nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.doBody(ctx, method, path, b)
}

// doBody is do with a JSON body (none when nil); a refusal is a *StatusError.
func (c *Client) doBody(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	if path == "/api/v1/events" {
		req.Header.Set("Accept", "text/event-stream")
	}
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		return nil, c.linkError(err)
	}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		msg := strings.TrimSpace(string(b))
		var doc struct {
			Error string `json:"error"`
		}
		switch {
		case json.Unmarshal(b, &doc) == nil && doc.Error != "":
			msg = doc.Error // the API's own errors are {"error": "…"}
		case strings.ContainsAny(msg, "\n<"):
			msg = "" // a page from something else (a proxy, another web server): no help on one line
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && c.opts.Token != "":
			msg = "the server refused the token (from --token-file or UPTTY_TOKEN)"
		case resp.StatusCode == http.StatusUnauthorized:
			msg = "the server wants a token: pass --token-file FILE or set UPTTY_TOKEN"
		case resp.StatusCode == http.StatusBadRequest && strings.Contains(msg, "HTTPS server"):
			msg = "the server speaks TLS: use https://" + c.base.Host
		}
		return nil, &StatusError{Method: method, Path: path, Status: text.CleanText(resp.Status, 80), Code: resp.StatusCode, Msg: text.CleanText(msg, 200)}
	}
	return resp, nil
}

// servicePath is the API's path to one service's endpoint: "/api/v1/services/NAME/" + rest,
// the name one escaped segment. The dots of a name "." or ".." are escaped too: as they are,
// HTTP servers and proxies clean such a segment away, and the request reaches no service.
func servicePath(name, rest string) string {
	segment := url.PathEscape(name)
	if name == "." || name == ".." {
		segment = strings.ReplaceAll(name, ".", "%2E")
	}
	return "/api/v1/services/" + segment + "/" + rest
}

// StatusError is a request the server answered with a status other than 2xx.
type StatusError struct {
	Method, Path string
	Status       string // "401 Unauthorized", cleaned: the server wrote it
	Code         int    // 401
	Msg          string // why, from the server's answer; "" when it gave none worth showing
}

// Error is the request, the status and why: "GET /api/v1/status: 401 Unauthorized: …".
func (e *StatusError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("%s %s: %s", e.Method, e.Path, e.Status)
	}
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.Path, e.Status, e.Msg)
}

// linkError says in one line what a TLS failure means and what to do about it; other errors
// are returned as they are.
func (c *Client) linkError(err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%s: the server's certificate is not signed by an authority this machine trusts; pass --ca FILE with the CA that signed it", c.base)
	case errors.As(err, &hostname):
		return fmt.Errorf("%s: the server's certificate is not valid for %s (it names %s)", c.base, c.base.Hostname(), certNames(hostname.Certificate))
	case errors.As(err, &invalid):
		return fmt.Errorf("%s: the server's certificate is not valid: %s", c.base, text.CleanText(invalid.Error(), 200))
	case errors.As(err, &record), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%s: the server does not speak TLS: use http://%s", c.base, c.base.Host)
	}
	why := NetReason(err)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s: %s; start uptty serve there (uptty serve --listen %s) or check the address", c.base, why, c.base.Host)
	case why != "":
		return fmt.Errorf("%s: %s", c.base, why)
	}
	return err
}

// NetReason says in words what a failed connection means, or "" for an error that is not
// one: Go's own text ("Get …: dial tcp 127.0.0.1:9870: connect: connection refused") names the
// request and the system call, not the problem.
func NetReason(err error) string {
	var (
		dnsErr *net.DNSError
		opErr  *net.OpError
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing is listening there"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host " + strconv.Quote(dnsErr.Name)
	case errors.As(err, &dnsErr):
		return "cannot look up " + strconv.Quote(dnsErr.Name) + ": " + dnsErr.Err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before an answer came"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the host cannot be reached from here (no route)"
	case errors.As(err, &opErr):
		return "cannot connect: " + opErr.Err.Error()
	}
	return ""
}

// certNames are the names and addresses a certificate is valid for, for an error.
func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return "none"
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no name"
	}
	return text.CleanText(strings.Join(names, ", "), 200) // the server's words
}

// LoadCA reads the PEM certificates of the authorities an https server's certificate may chain
// to, for Options.RootCAs: a private CA, instead of the system's.
func LoadCA(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--ca %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// Run follows the event stream until ctx is done, reconnecting after 1 s, then twice as long
// each time up to 30 s, while the server cannot be reached; the wait starts again from 1 s once
// a snapshot arrives.
func (c *Client) Run(ctx context.Context) error {
	backoff := MinBackoff
	var downSince time.Time
	for {
		gotSnapshot, silentSince, _ := c.stream(ctx, func(st map[string]track.Status) {
			if !downSince.IsZero() && c.opts.OnLink != nil {
				c.opts.OnLink(false, time.Time{}, st)
			}
			downSince = time.Time{}
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if gotSnapshot {
			backoff = MinBackoff
		}
		if downSince.IsZero() {
			downSince = c.Now()
			if !silentSince.IsZero() {
				downSince = silentSince // a hung server: gone since it last said anything
			}
			if c.opts.OnLink != nil {
				c.opts.OnLink(true, downSince, nil)
			}
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, MaxBackoff)
	}
}

// stream reads one connection's events until it ends; up is called with each snapshot's
// statuses once it is applied. It reports whether a snapshot arrived and, when the stream was
// given up for its silence (idleLimit), when it last brought anything.
func (c *Client) stream(ctx context.Context, up func(map[string]track.Status)) (gotSnapshot bool, silentSince time.Time, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := c.do(ctx, http.MethodGet, "/api/v1/events")
	if err != nil {
		return false, time.Time{}, err
	}
	defer resp.Body.Close()
	heard := c.Now()
	var silent atomic.Bool
	idle := time.AfterFunc(c.idleLimit, func() { silent.Store(true); cancel() })
	defer idle.Stop()
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	event, data := "", []byte(nil)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if silent.Load() {
				return gotSnapshot, heard, err
			}
			return gotSnapshot, time.Time{}, err
		}
		heard = c.Now()
		idle.Reset(c.idleLimit)
		line = []byte(strings.TrimRight(string(line), "\r\n"))
		switch {
		case len(line) == 0:
			if event != "" && len(data) > 0 {
				if st, ok := c.dispatch(event, data); ok && event == "snapshot" {
					gotSnapshot = true
					up(st)
				}
			}
			event, data = "", data[:0]
		case line[0] == ':': // a heartbeat
		case strings.HasPrefix(string(line), "event:"):
			event = strings.TrimSpace(string(line[len("event:"):]))
			c.eventAt = c.opts.Now() // before its data, which a slow link may take seconds over
		case strings.HasPrefix(string(line), "data:"):
			data = append(data, strings.TrimPrefix(string(line[len("data:"):]), " ")...)
		}
	}
}

// dispatch applies one event; it reports whether the event was understood, and returns a
// snapshot's statuses.
func (c *Client) dispatch(event string, data []byte) (map[string]track.Status, bool) {
	switch event {
	case "snapshot":
		var doc statusDoc
		if json.Unmarshal(data, &doc) != nil {
			return nil, false
		}
		doc.clean()
		c.heardClock(doc.CheckedAt, c.eventAt)
		_, st := c.applySnapshot(doc, true)
		c.snapshotReload(doc.Reload)
		return st, true
	case "reload":
		var d reloadDoc
		if json.Unmarshal(data, &d) != nil {
			return nil, false
		}
		at, err := d.outcome()
		if at.IsZero() {
			return nil, false
		}
		c.reloadAt = later(c.reloadAt, at)
		if c.opts.OnReload != nil {
			c.opts.OnReload(at, err)
		}
		return nil, true
	case "service":
		var d serviceDoc
		if json.Unmarshal(data, &d) != nil {
			return nil, false
		}
		d.clean()
		c.mu.Lock()
		defer c.mu.Unlock()
		prev, ok := c.known[d.Name]
		if !ok {
			return nil, false // a snapshot will bring it
		}
		st := statusOf(d, prev, c.Now(), true)
		c.known[d.Name] = st
		c.setMark(d)
		c.changes.Put(map[string]track.Status{d.Name: st})
		return nil, true
	}
	return nil, false
}

// applySnapshot takes a whole status document: every status goes to Next, and a different
// service list to OnServices when notify is set. It returns the services and statuses.
func (c *Client) applySnapshot(doc statusDoc, notify bool) ([]config.Service, map[string]track.Status) {
	now := c.Now()
	svcs := make([]config.Service, len(doc.Services))
	names := make([]string, len(doc.Services))
	st := make(map[string]track.Status, len(doc.Services))
	c.mu.Lock()
	fresh := map[string]track.Status{}
	clear(c.marks) // a snapshot is the whole truth: ended silences go
	c.groups = make(map[string]string, len(doc.Services))
	clear(c.acks)
	for i, d := range doc.Services {
		c.groups[d.Name] = d.Group
		svcs[i] = config.Service{Name: d.Name, Group: d.Group, URL: d.URL}
		names[i] = d.Name
		prev, ok := c.known[d.Name]
		st[d.Name] = statusOf(d, prev, now, false)
		c.setMark(d)
		if !ok {
			fresh[d.Name] = st[d.Name]
		}
	}
	changed := !slices.Equal(names, c.names)
	c.known, c.names = st, names
	c.changes.Clear()
	c.changes.Put(st)
	c.mu.Unlock()
	if changed && notify && c.opts.OnServices != nil {
		c.opts.OnServices(svcs, fresh)
	}
	return svcs, st
}

// snapshotReload tells OnReload of the reload a snapshot carries, r (nil from a server that
// has not reloaded, or one that does not say), when it is news: an error on the stream's first
// snapshot (it still stands), and after that any reload newer than the last heard of. A
// snapshot may have been read before the last `reload` event was sent, so an older one is not.
func (c *Client) snapshotReload(r *reloadDoc) {
	first := !c.streamed
	c.streamed = true
	if r == nil {
		return
	}
	at, err := r.outcome()
	if at.IsZero() || !at.After(c.reloadAt) {
		return
	}
	c.reloadAt = at
	if (err != nil || !first) && c.opts.OnReload != nil {
		c.opts.OnReload(at, err)
	}
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// setMark keeps d's MAINT or SILENCED mark and its outage's ack; c.mu must be held.
func (c *Client) setMark(d serviceDoc) {
	c.setAck(d)
	var mk notify.Mark
	mk.Maintenance = d.Maintenance
	if d.SilencedUntil != "" {
		mk.SilencedUntil, _ = time.Parse(time.RFC3339, d.SilencedUntil)
	}
	if !mk.Quiet() {
		delete(c.marks, d.Name)
		return
	}
	if c.marks == nil {
		c.marks = map[string]notify.Mark{}
	}
	c.marks[d.Name] = mk
}

// setAck keeps the ack of d's outage going on; c.mu must be held.
func (c *Client) setAck(d serviceDoc) {
	o := d.Outage
	if o == nil || o.End != nil || o.Ack == nil {
		delete(c.acks, d.Name)
		return
	}
	a := track.Ack{By: o.Ack.By, Note: o.Ack.Note}
	a.Start, _ = time.Parse(time.RFC3339, o.Start)
	a.At, _ = time.Parse(time.RFC3339, o.Ack.At)
	if c.acks == nil {
		c.acks = map[string]track.Ack{}
	}
	c.acks[d.Name] = a
}

// Acked is the ack of the service's outage going on as the server last said, for
// ui.Options.Acked.
func (c *Client) Acked(name string) (track.Ack, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.acks[name]
	return a, ok
}

// Ack asks the server to acknowledge the service's outage going on, as a.By with a.Note; the
// ack comes back on the stream.
func (c *Client) Ack(name string, a track.Ack) error {
	return c.ackRequest(http.MethodPost, name, struct {
		Note string `json:"note"`
		By   string `json:"by"`
	}{a.Note, a.By})
}

// Unack asks the server to remove the ack of the service's outage.
func (c *Client) Unack(name string) error { return c.ackRequest(http.MethodDelete, name, nil) }

func (c *Client) ackRequest(method, name string, body any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.send(ctx, method, servicePath(name, "ack"), body)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// Mark is the service's MAINT or SILENCED mark as the server last said, for ui.Options.Mark.
func (c *Client) Mark(name string) notify.Mark {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.marks[name]
}

// Next returns the statuses changed since the last call, blocking until there are some.
func (c *Client) Next(ctx context.Context) (map[string]track.Status, error) {
	return c.changes.Next(ctx)
}

// Detail has nothing beyond the status to give: the API does not carry the recent checks.
func (c *Client) Detail(string) (track.Detail, bool) { return track.Detail{}, false }

// Pause asks the server to pause the service named name; a failure is dropped (SetPaused
// says it).
func (c *Client) Pause(name string) { _ = c.SetPaused(name, true) }

// Resume asks the server to resume the service named name, as Pause.
func (c *Client) Resume(name string) { _ = c.SetPaused(name, false) }

// SetPaused asks the server to pause (pause true) or resume the service named name, for p
// (ui.Options.SetPaused); the change comes back on the stream. A refusal reads as the server
// gave it, without the request line: the footer has one line for it.
func (c *Client) SetPaused(name string, pause bool) error {
	action := "resume"
	if pause {
		action = "pause"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPost, servicePath(name, action))
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			return fmt.Errorf("%s: %s", se.Status, se.Msg)
		}
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// statusDoc and serviceDoc are the server's documents (see package serve), as far as the
// screen uses them.
type statusDoc struct {
	// CheckedAt is the server's clock when it wrote the document (see Client.Now).
	CheckedAt string       `json:"checked_at"`
	Services  []serviceDoc `json:"services"`
	// Reload is the server's last reload of its config; nil from a server that has not
	// reloaded, or one too old to say.
	Reload *reloadDoc `json:"reload"`
}

// reloadDoc is how a reload of the server's config ended, in a snapshot or a `reload` event.
type reloadDoc struct {
	At    string `json:"at"`
	Error string `json:"error"`
}

// outcome is r read: when the reload ended and why it failed (nil for a good one), its reason
// made safe to draw; at is zero when r says no time.
func (r reloadDoc) outcome() (at time.Time, err error) {
	at, perr := time.Parse(time.RFC3339, r.At)
	if perr != nil {
		return time.Time{}, nil
	}
	if r.Error != "" {
		err = errors.New(text.CleanText(r.Error, 0))
	}
	return at, err
}

type serviceDoc struct {
	Name      string   `json:"name"`
	Group     string   `json:"group"`
	URL       string   `json:"url"`
	State     string   `json:"state"`
	LatencyMS float64  `json:"latency_ms"`
	Error     string   `json:"error"`
	Since     *string  `json:"since"`
	Uptime    *float64 `json:"uptime"`
	// Recent is the sparkline's latencies, in a snapshot only.
	Recent *recentMS `json:"recent_ms"`
	// Maintenance and SilencedUntil are there only when they apply.
	Maintenance   bool   `json:"maintenance"`
	SilencedUntil string `json:"silenced_until"`
	Outage        *struct {
		Start      string  `json:"start"`
		End        *string `json:"end"`
		UnwatchedS int64   `json:"unwatched_s"` // absent from an older serve: all watched
		Ack        *struct {
			By   string `json:"by"`
			At   string `json:"at"`
			Note string `json:"note"`
		} `json:"ack"`
	} `json:"outage"`
}

// clean makes every text of doc safe to draw (see serviceDoc.clean).
func (doc *statusDoc) clean() {
	for i := range doc.Services {
		doc.Services[i].clean()
	}
}

// clean makes d's texts safe to draw: whatever answers at the address the user gave, not
// necessarily an uptty serve, must not reach the terminal with an escape sequence in a name or
// a reason. An uptty serve's texts are clean already and come out as they went in.
func (d *serviceDoc) clean() {
	for _, s := range []*string{&d.Name, &d.Group, &d.URL, &d.Error} {
		*s = text.CleanText(*s, 0)
	}
	if d.Outage != nil && d.Outage.Ack != nil {
		d.Outage.Ack.By = text.CleanText(d.Outage.Ack.By, 0)
		d.Outage.Ack.Note = text.CleanText(d.Outage.Ack.Note, 0)
	}
}

// uptimeBase is the observed time an attached status claims, so that the server's uptime
// ratio reads the same and barely moves between events.
const uptimeBase = 30 * 24 * time.Hour

// statusOf is d as the UI shows a status. A `service` event (check true) is one check: its
// latency joins the sparkline kept from prev.
func statusOf(d serviceDoc, prev track.Status, now time.Time, check bool) track.Status {
	st := track.Status{State: stateOf(d.State), Reason: d.Error, Spark: prev.Spark,
		LastAt: prev.LastAt, LastLatency: prev.LastLatency, LastOK: prev.LastOK}
	if st.State == track.Unknown || st.State == track.Paused {
		st.Reason = ""
	}
	if d.Since != nil {
		st.Since, _ = time.Parse(time.RFC3339, *d.Since)
	}
	if o := d.Outage; o != nil {
		st.Outage.Start, _ = time.Parse(time.RFC3339, o.Start)
		if o.End != nil {
			st.Outage.End, _ = time.Parse(time.RFC3339, *o.End)
		}
		st.Outage.Unwatched = time.Duration(o.UnwatchedS) * time.Second
	}
	if d.Uptime != nil {
		st.AsOf, st.Observed = now, uptimeBase
		st.Downtime = time.Duration(math.Round((1 - *d.Uptime) * float64(uptimeBase)))
	}
	if d.Recent != nil {
		st.Spark = d.Recent.spark // the server's whole sparkline, newer than what was kept
	}
	lat := time.Duration(d.LatencyMS * float64(time.Millisecond))
	ok := st.State == track.Up || st.State == track.Degraded
	if st.State != track.Unknown && st.State != track.Paused && (check || prev.LastAt.IsZero()) {
		st.LastAt, st.LastLatency, st.LastOK = now, lat, ok
		if check {
			st.Spark.Push(track.Sample{Latency: lat, OK: ok})
		}
	}
	return st
}

// stateOf reads a state word as the JSON writes it.
func stateOf(word string) track.State {
	for _, s := range track.States() {
		if s.Lower() == word {
			return s
		}
	}
	return track.Unknown
}
