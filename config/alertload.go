package config

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/uptty/uptty/text"
)

// Defaults of the alerts list.
const (
	defaultAlertTimeout = 10 * time.Second
	defaultGiveUp       = 24 * time.Hour
)

func alertKeys() []string {
	return []string{"name", "type", "url", "format", "headers", "command", "on", "repeat", "timeout", "give_up_after"}
}

func senderTypes() []string {
	return []string{SenderWebhook, SenderCommand, SenderAlertmanager, SenderTerminal}
}

func webhookFormats() []string { return []string{"generic", "slack", "discord", "teams", "ntfy"} }

func alertEvents() []string { return []string{EventDown, EventUp, EventDegraded} }

// alertScopes are the alert keys only some types take, with those types.
var alertScopes = map[string][]string{
	"url":     {SenderWebhook, SenderAlertmanager},
	"format":  {SenderWebhook},
	"headers": {SenderWebhook},
	"command": {SenderCommand},
}

// named is an item of a list whose names must be unique (alerts, maintenance windows).
type named struct {
	name string
	node *yaml.Node // nil when the name is unusable
	path string
}

// unique reports each repeated name at its second and later uses.
func (l *loader) unique(items []named) {
	first := make(map[string]named, len(items))
	for _, it := range items {
		if it.node == nil {
			continue
		}
		if prev, dup := first[it.name]; dup {
			l.errorf(it.node, join(it.path, "name"), "duplicate name %s: %s (line %d) has it too",
				quote(it.name), prev.path, prev.node.Line)
			continue
		}
		first[it.name] = it
	}
}

// items reads an optional top-level list; nothing under the key is an empty list.
func (l *loader) items(fl field, want string) []*yaml.Node {
	if isNull(fl.val) {
		return nil
	}
	items, _ := l.list(fl.val, fl.path, want)
	return items
}

// alerts reads the top-level alerts list.
func (l *loader) alerts(fl field) []Alert {
	items := l.items(fl, "a list of alerts (each item starts with -)")
	out := make([]Alert, 0, len(items))
	names := make([]named, 0, len(items))
	for i, item := range items {
		p := index(fl.path, i)
		a, nameNode := l.alert(item, p)
		out = append(out, a)
		names = append(names, named{a.Name, nameNode, p})
	}
	l.unique(names)
	return out
}

// alert reads one item of the alerts list, returning its name's node when the name is usable.
func (l *loader) alert(n *yaml.Node, path string) (Alert, *yaml.Node) {
	a := Alert{
		On: []string{EventDown, EventUp}, Timeout: defaultAlertTimeout, GiveUpAfter: defaultGiveUp,
		Secrets: &text.Secrets{}, Line: n.Line,
	}
	f, ok := l.fields(n, path, "a mapping with a name and a type", alertKeys(), nil)
	if !ok {
		return a, nil
	}
	var nameNode *yaml.Node
	if fl, ok := f["name"]; ok {
		l.alertNames[fl.val.Value] = true
		if name, ok := l.label(fl, false); ok {
			a.Name, nameNode = name, fl.val
			l.alertNames[name] = true
		}
	} else {
		l.errorf(n, path, "missing name")
	}
	if fl, ok := f["type"]; ok {
		a.Type = l.choice(fl, "sender type", senderTypes())
	} else {
		l.errorf(n, path, "missing type: one of %s", orList(senderTypes()))
	}
	if a.Type != "" {
		for key, types := range alertScopes {
			if fl, ok := f[key]; ok && !slices.Contains(types, a.Type) {
				l.errorf(fl.key, fl.path, "only for %s alerts, not %s", andList(types), a.Type)
				delete(f, key)
			}
		}
	}

	if fl, ok := f["url"]; ok {
		if raw, ok := l.text(fl.val, fl.path, "a URL such as https://hooks.example.com/uptty"); ok {
			urlSecrets(a.Secrets, raw)
			if problem := checkAlertURL(raw); problem != "" {
				l.errorf(fl.val, fl.path, "%s", problem)
			} else {
				a.URL = raw
			}
		}
	} else if a.Type == SenderWebhook || a.Type == SenderAlertmanager {
		l.errorf(n, path, "missing url: where the %s alert posts", a.Type)
	}
	if a.Type == SenderWebhook {
		a.Format = "generic"
	}
	if fl, ok := f["format"]; ok {
		if v := l.choice(fl, "format", webhookFormats()); v != "" && a.Type == SenderWebhook {
			a.Format = v
		}
	}
	if fl, ok := f["headers"]; ok {
		a.Headers = l.headers(fl)
		for _, h := range a.Headers {
			a.Secrets.AddHeader(h.Value)
		}
	}
	if fl, ok := f["command"]; ok {
		a.Command = l.command(fl)
	} else if a.Type == SenderCommand {
		l.errorf(n, path, "missing command: the program to run and its arguments, e.g. [notify-send, uptty]")
	}
	if fl, ok := f["on"]; ok {
		if on := l.events(fl); on != nil {
			a.On = on
		}
	}
	l.alertTiming(f, &a)
	return a, nameNode
}

// alertTiming reads repeat, timeout and give_up_after.
func (l *loader) alertTiming(f map[string]field, a *Alert) {
	if fl, ok := f["repeat"]; ok {
		if d, ok := l.duration(fl.val, fl.path, false); ok {
			if d > 0 && d < MinRepeat {
				l.errorf(fl.val, fl.path, "must be 0s (never) or at least %s, got %s", formatDuration(MinRepeat), formatDuration(d))
			} else {
				a.Repeat = d
			}
		}
	}
	timeout, hasTimeout := f["timeout"]
	if hasTimeout {
		if d, ok := l.duration(timeout.val, timeout.path, true); ok {
			if d < MinTimeout {
				l.errorf(timeout.val, timeout.path, "must be at least %s (uptty's limit), got %s", formatDuration(MinTimeout), formatDuration(d))
			} else {
				a.Timeout = d
			}
		}
	}
	if fl, ok := f["give_up_after"]; ok {
		if d, ok := l.duration(fl.val, fl.path, true); ok {
			if d < a.Timeout {
				l.errorf(fl.val, fl.path, "give_up_after %s is below timeout %s: set give_up_after to %s or more, or timeout to %s or less",
					formatDuration(d), formatDuration(a.Timeout), formatDuration(a.Timeout), formatDuration(d))
			} else {
				a.GiveUpAfter = d
			}
		}
	} else if a.Timeout > a.GiveUpAfter && hasTimeout {
		l.errorf(timeout.val, timeout.path, "timeout %s is above give_up_after %s (the default): set timeout to %s or less, or give_up_after to %s or more",
			formatDuration(a.Timeout), formatDuration(a.GiveUpAfter), formatDuration(a.GiveUpAfter), formatDuration(a.Timeout))
	}
}

// events reads `on`: one event or a list of them, each once. It returns nil on error.
func (l *loader) events(fl field) []string {
	vals, ok := l.words(fl, "down, up or degraded, or a list of them")
	if !ok {
		return nil
	}
	if len(vals) == 0 {
		l.errorf(fl.val, fl.path, "empty list: list at least one of %s", orList(alertEvents()))
		return nil
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if e := l.choice(v, "event", alertEvents()); e != "" {
			if slices.Contains(out, e) {
				l.errorf(v.val, v.path, "%s is listed twice", e)
				continue
			}
			out = append(out, e)
		}
	}
	if len(out) != len(vals) {
		return nil
	}
	return out
}

// words returns the items of a list as fields, or a scalar as the only one. Nothing is an
// empty list.
func (l *loader) words(fl field, want string) ([]field, bool) {
	if l.alias(fl.val, fl.path) {
		return nil, false
	}
	if isNull(fl.val) {
		return nil, true
	}
	if fl.val.Kind == yaml.ScalarNode {
		return []field{fl}, true
	}
	items, ok := l.list(fl.val, fl.path, want)
	if !ok {
		return nil, false
	}
	out := make([]field, len(items))
	for i, it := range items {
		out[i] = field{key: fl.key, val: it, name: fl.name, path: index(fl.path, i)}
	}
	return out, true
}

// choice reads one of a fixed set of words, suggesting the one meant; "" on error. what names
// the word in messages ("unknown format").
func (l *loader) choice(fl field, what string, known []string) string {
	v, ok := l.text(fl.val, fl.path, orList(known))
	if !ok {
		return ""
	}
	if slices.Contains(known, v) {
		return v
	}
	msg := "unknown " + what + " " + quote(v)
	if best := closest(v, known); best != "" {
		msg += "; did you mean " + best + "?"
	} else {
		msg += "; want " + orList(known)
	}
	l.errorf(fl.val, fl.path, "%s", msg)
	return ""
}

// checkAlertURL checks where an alert posts: an http(s) URL with a host. The message never
// quotes the URL, which may hold a token.
func checkAlertURL(raw string) string {
	head, _, found := strings.Cut(raw, ":")
	if !found || !isScheme(head) || isPort(strings.TrimPrefix(raw, head+":")) {
		return "no scheme: write e.g. https://hooks.example.com/uptty"
	}
	if s := strings.ToLower(head); s != "http" && s != "https" {
		return "scheme " + quote(head) + " is not http or https: alerts are posted over HTTP"
	}
	u, problem := parseURL(raw)
	if problem != "" {
		return problem
	}
	if err := CheckWebURL(u); err != nil {
		return err.Error()
	}
	if u.Fragment != "" {
		return "a fragment (#...) is never sent: remove it"
	}
	return ""
}

// parseURL parses a URL, saying what is wrong without quoting a user or password.
func parseURL(raw string) (*url.URL, string) {
	u, err := url.Parse(raw)
	if err != nil && hasUserinfo(raw) {
		// url.Parse quotes the part it failed on, which can be the start of the password.
		return nil, "invalid URL (not shown: it has a user or password): in them, write / ? # @ as %2F %3F %23 %40"
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "invalid URL: " + oneLine(err.Error())
	}
	return u, ""
}

// orList writes words as "a, b or c".
func orList(words []string) string { return list(words, "or") }

// andList writes words as "a, b and c".
func andList(words []string) string { return list(words, "and") }

func list(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}
