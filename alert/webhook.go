package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptty/uptty/text"
)

// Format shapes a webhook's body for the service that receives it.
type Format string

// The webhook formats; the strings are the config's format values.
const (
	// FormatGeneric is the contract's JSON body (Alert.MarshalJSON).
	FormatGeneric Format = "generic"
	// FormatSlack is a Slack incoming webhook: {"text": ...}.
	FormatSlack Format = "slack"
	// FormatDiscord is a Discord webhook: {"content": ...}, with mentions disabled.
	FormatDiscord Format = "discord"
	// FormatTeams is a Microsoft Teams webhook: a message with one Adaptive Card.
	FormatTeams Format = "teams"
	// FormatNtfy is an ntfy topic URL: the line as a plain-text body, title and tags in headers.
	FormatNtfy Format = "ntfy"
)

const (
	// maxResponse bounds how much of a response body is read; the rest is dropped with the
	// connection, so a receiver that answers 10 MB (or forever) costs us nothing.
	maxResponse = 64 << 10
	// chatMax bounds the line sent to chat services (Discord refuses content over 2000).
	chatMax = 1500
)

// Webhook posts each alert as JSON to a URL. A 2xx answer is success; anything else, redirects
// included, is a failure: following a redirect could loop or leave the host the user named.
type Webhook struct {
	// ID names the sender (the config's alerts[].name).
	ID string
	// URL receives the POST.
	URL string
	// Format shapes the body; "" is generic.
	Format Format
	// Headers are added to every request (values already expanded from ${VAR}).
	Headers map[string]string
	// Timeout bounds one attempt, connection to last byte read; 0 is 10s.
	Timeout time.Duration
	// Location, when set (the config's location:), is the generic body's "location", and
	// starts a chat format's line: [eu-west] Checkout API is DOWN...
	Location string
	// Client is the HTTP client; nil uses one that never follows redirects.
	Client *http.Client
}

// noRedirects is the client a Webhook uses by default.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Name returns the sender's name.
func (w *Webhook) Name() string { return w.ID }

// Send posts one alert.
func (w *Webhook) Send(ctx context.Context, a Alert) error {
	payload, ctype, extra, err := w.body(a)
	if err != nil {
		return &sendError{msg: "webhook: " + text.CleanText(err.Error(), reasonMax)}
	}
	return post(ctx, "webhook", w.client(), w.URL, ctype, payload, w.Headers, extra, orDefault(w.Timeout))
}

func (w *Webhook) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return noRedirects
}

// body builds the request body for the webhook's format, and any headers the format needs.
func (w *Webhook) body(a Alert) ([]byte, string, map[string]string, error) {
	const js = "application/json"
	line := text.CleanText(a.Text(), chatMax)
	if loc := text.CleanText(w.Location, 60); loc != "" {
		line = "[" + loc + "] " + line
	}
	if a.Link != "" {
		line += "\n" + text.CleanText(a.Link, chatMax)
	}
	var v any
	switch w.Format {
	case "", FormatGeneric:
		b, err := a.genericBody(w.Location)
		return b, js, nil, err
	case FormatSlack:
		v = map[string]string{"text": slackEscape(line)}
	case FormatDiscord:
		// A hostile reason must not be able to ping @everyone.
		v = map[string]any{"content": line, "allowed_mentions": map[string]any{"parse": []string{}}}
	case FormatTeams:
		v = teamsCard(line)
	case FormatNtfy:
		return []byte(line), "text/plain; charset=utf-8", ntfyHeaders(a), nil
	default:
		return nil, "", nil, &sendError{msg: "unknown format " + strconv.Quote(string(w.Format))}
	}
	b, err := json.Marshal(v)
	return b, js, nil, err
}

// slackEscape escapes the three characters Slack reads as markup, as its docs ask.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// teamsCard wraps the line in an Adaptive Card inside a message. Microsoft is retiring the
// Office 365 connectors (which took the older MessageCard); the Workflows webhooks that replace
// them take only this envelope, and the connectors accept it too, so one shape fits both.
func teamsCard(line string) any {
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				"body":    []any{map[string]any{"type": "TextBlock", "text": line, "wrap": true}},
			},
		}},
	}
}

// ntfyHeaders gives an ntfy message its title, priority and tag; non-ASCII titles are
// RFC 2047 encoded, which ntfy decodes.
func ntfyHeaders(a Alert) map[string]string {
	title := text.CleanText(a.Service, 100) + " is " + strings.ToUpper(string(a.Event))
	h := map[string]string{"Title": mime.QEncoding.Encode("utf-8", title)}
	switch a.Event {
	case EventDown:
		h["Priority"], h["Tags"] = "high", "rotating_light"
	case EventUp:
		h["Tags"] = "white_check_mark"
	default:
		h["Tags"] = "warning"
	}
	return h
}

// post sends one request and reads at most maxResponse bytes of the answer; only 2xx is
// success.
func post(ctx context.Context, prefix string, c *http.Client, url, ctype string, payload []byte,
	headers, extra map[string]string, timeout time.Duration) error {
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		// The error would quote the URL; say only that it is bad.
		return &sendError{msg: prefix + ": bad URL"}
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "uptty")
	for k, v := range extra {
		req.Header.Set(k, v)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return failure(prefix, ctx, actx, err, timeout)
	}
	defer resp.Body.Close()
	// Once the status is in, the receiver has decided; the rest of its answer is not waited
	// for past maxResponse or the deadline.
	head := make([]byte, refusalMax)
	n, _ := io.ReadFull(resp.Body, head)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse-int64(n)))
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return &sendError{msg: prefix + ": redirect (status " + strconv.Itoa(resp.StatusCode) + ") not followed"}
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		msg := prefix + ": status " + strconv.Itoa(resp.StatusCode)
		if why := refusal(head[:n], url); why != "" {
			msg += ": " + why
		}
		e := &sendError{msg: msg}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.retryAfter = retryAfterHeader(resp.Header.Get("Retry-After"), time.Now())
		}
		return e
	}
	return nil
}

// retryAfterHeader is the wait a Retry-After header asks for, in seconds or as an HTTP date,
// from now; 0 for none or one that is not either.
func retryAfterHeader(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return time.Duration(max(secs, 0)) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}

// refusalMax bounds how much of a refusal's body is read for its reason.
const refusalMax = 512

// refusal is what a receiver's answer says of why it refused an alert, for the reason: the
// first line of its body ("invalid_token", "channel_not_found", Discord's {"message": …}),
// the only clue to a revoked hook or a wrong channel. "" for none, for an HTML error page,
// whose first line says nothing, and for bytes that are not text. A receiver may quote the URL it was posted to, whose path or
// query holds the hook's token: their parts are masked.
func refusal(body []byte, rawURL string) string {
	line, _, _ := strings.Cut(string(body), "\n")
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "<") || !utf8.ValidString(line) {
		return "" // nothing, a page of HTML, or bytes that are not text (gzip)
	}
	var s text.Secrets
	if u, err := neturl.Parse(rawURL); err == nil {
		s.Add(u.RawQuery, u.Path)
		for _, part := range strings.Split(u.Path, "/") {
			s.Add(part)
		}
		for _, vs := range u.Query() {
			s.Add(vs...)
		}
	}
	return text.CleanText(s.Mask(line), reasonMax-30)
}
