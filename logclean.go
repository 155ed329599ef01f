package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/uptty/uptty/text"
)

// newLogger logs to w as text, or as JSON lines for format "json", every string cleaned (see
// cleanHandler).
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(cleanHandler{slog.NewJSONHandler(w, nil)})
	}
	return slog.New(cleanHandler{slog.NewTextHandler(w, nil)})
}

// cleanHandler cleans the message and every string value with text.CleanText before its
// handler writes them. serve's log carries text from the network (an SSH user name sent before
// any key was accepted, a receiver's or a target's answer, an API caller's note), and it is
// read on terminals (journalctl, tail): the JSON encoder escapes only the C0 controls and lets
// an 8-bit CSI (U+009B) or a bidi override through, which rewrite or reorder what a reader sees.
// Cleaning here, where every line passes, leaves no log line to forget.
type cleanHandler struct{ slog.Handler }

func (h cleanHandler) Handle(ctx context.Context, r slog.Record) error {
	c := slog.NewRecord(r.Time, r.Level, text.CleanText(r.Message, 0), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		c.AddAttrs(cleanAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, c)
}

func (h cleanHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = cleanAttr(a)
	}
	return cleanHandler{h.Handler.WithAttrs(clean)}
}

func (h cleanHandler) WithGroup(name string) slog.Handler {
	return cleanHandler{h.Handler.WithGroup(text.CleanText(name, 0))}
}

// cleanAttr is a with its strings cleaned: a string, an error's or a Stringer's text, a list of
// strings, a group's members.
func cleanAttr(a slog.Attr) slog.Attr {
	a.Key = text.CleanText(a.Key, 0)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(text.CleanText(v.String(), 0))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, m := range group {
			clean[i] = cleanAttr(m)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			a.Value = slog.StringValue(text.CleanText(x.Error(), 0))
		case fmt.Stringer:
			a.Value = slog.StringValue(text.CleanText(x.String(), 0))
		case []string:
			clean := make([]string, len(x))
			for i, s := range x {
				clean[i] = text.CleanText(s, 0)
			}
			a.Value = slog.AnyValue(clean)
		}
	}
	return a
}
