package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// kumaMonitor is one monitor as the backup has it. Field types changed between versions
// (active is 0/1 in older backups, true/false in newer ones), so fields are read by accessors
// that take either.
type kumaMonitor struct {
	fields map[string]any
	line   int
}

// str reads a text as uptty will read it back: Kuma has no ${VAR}, so any $ is literal.
func (m kumaMonitor) str(key string) string {
	return literal(m.raw(key))
}

// raw reads a text as Kuma has it, for values the import computes from (basic auth).
func (m kumaMonitor) raw(key string) string {
	switch v := m.fields[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (m kumaMonitor) num(key string) (float64, bool) {
	switch v := m.fields[key].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

func (m kumaMonitor) flag(key string) bool {
	switch v := m.fields[key].(type) {
	case bool:
		return v
	case json.Number:
		return v.String() != "0"
	case string:
		return v == "1" || v == "true"
	}
	return false
}

func (m kumaMonitor) seconds(key string) time.Duration {
	f, ok := m.num(key)
	if !ok || f <= 0 || math.IsInf(f, 0) || f > 1e9 {
		return 0
	}
	return time.Duration(f * float64(time.Second)).Round(time.Millisecond)
}

// kuma reads one backup file, keeping it for positions in errors.
type kuma struct {
	file string
	data []byte
}

// backup is what the converter needs of a backup.
type backup struct {
	monitors         []kumaMonitor
	notifications    []string
	notificationLine int
	proxies          int
	proxyLine        int
}

// decode reads the backup with a streaming decoder, so that every monitor knows its line and
// every problem its position.
func (k *kuma) decode() (*backup, error) {
	dec := json.NewDecoder(bytes.NewReader(k.data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, k.jsonError(dec, err)
	}
	if tok != json.Delim('{') {
		return nil, k.errorAt(0, "not an Uptime Kuma backup: want a JSON object with version and monitorList")
	}
	b := &backup{}
	var version string
	versionAt, sawMonitors := -1, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, k.jsonError(dec, err)
		}
		key, _ := tok.(string)
		at := k.next(dec)
		switch key {
		case "version":
			versionAt = at
			if err := dec.Decode(&version); err != nil {
				return nil, k.jsonError(dec, err)
			}
		case "monitorList":
			sawMonitors = true
			if err := k.list(dec, func(at int) error {
				var m map[string]any
				if err := dec.Decode(&m); err != nil {
					return err
				}
				b.monitors = append(b.monitors, kumaMonitor{fields: m, line: k.line(at)})
				return nil
			}); err != nil {
				return nil, err
			}
		case "notificationList":
			b.notificationLine = k.line(at)
			if err := k.list(dec, func(int) error {
				var n struct {
					Name   string `json:"name"`
					Config string `json:"config"`
				}
				if err := dec.Decode(&n); err != nil {
					return err
				}
				var cfg struct {
					Type string `json:"type"`
				}
				_ = json.Unmarshal([]byte(n.Config), &cfg) // only for the type in the note
				name := n.Name
				if cfg.Type != "" {
					name += " (" + cfg.Type + ")"
				}
				b.notifications = append(b.notifications, name)
				return nil
			}); err != nil {
				return nil, err
			}
		case "proxyList":
			b.proxyLine = k.line(at)
			if err := k.list(dec, func(int) error {
				b.proxies++
				var skip json.RawMessage
				return dec.Decode(&skip)
			}); err != nil {
				return nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, k.jsonError(dec, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, k.jsonError(dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, k.errorAt(k.next(dec), "text after the backup's closing }")
	}
	switch {
	case versionAt < 0:
		return nil, k.errorAt(0, "no version: not an Uptime Kuma backup (Settings → Backup → Export JSON in Uptime Kuma 1.x)")
	case !strings.HasPrefix(version, "1."):
		return nil, k.errorAt(versionAt, fmt.Sprintf("a backup of Uptime Kuma %q: uptty reads the JSON export of Uptime Kuma 1.x (1.6 to 1.23)", version))
	case !sawMonitors:
		return nil, k.errorAt(0, "no monitorList: not an Uptime Kuma backup")
	}
	return b, nil
}

// list reads a JSON array (or null), calling item with the offset of each element.
func (k *kuma) list(dec *json.Decoder, item func(at int) error) error {
	tok, err := dec.Token()
	if err != nil {
		return k.jsonError(dec, err)
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return k.errorAt(int(dec.InputOffset())-1, "want a list")
	}
	for dec.More() {
		at := k.next(dec)
		if err := item(at); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return k.errorAt(at, "want an object, not "+te.Value)
			}
			return k.jsonError(dec, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return k.jsonError(dec, err)
	}
	return nil
}

// next is the offset of the next value: past the spaces, comma and colon the decoder has not
// consumed yet.
func (k *kuma) next(dec *json.Decoder) int {
	at := int(dec.InputOffset())
	for at < len(k.data) && strings.IndexByte(" \t\r\n,:", k.data[at]) >= 0 {
		at++
	}
	return at
}

func (k *kuma) jsonError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// The streaming decoder's offsets count from its buffer, not the file: check the
		// whole file again for a position that does.
		var raw json.RawMessage
		if err := json.Unmarshal(k.data, &raw); errors.As(err, &se) {
			if se.Offset >= int64(len(k.data)) {
				return k.errorAt(len(k.data), "the JSON ends early: the file is cut short")
			}
			return k.errorAt(int(se.Offset)-1, "not valid JSON: "+se.Error())
		}
		return k.errorAt(len(k.data), "the JSON ends early: the file is cut short")
	case errors.As(err, &te):
		return k.errorAt(int(te.Offset)-1, "want "+te.Type.String()+", not "+te.Value)
	}
	return k.errorAt(int(dec.InputOffset()), err.Error())
}

func (k *kuma) errorAt(offset int, msg string) error {
	line, col := position(k.data, offset)
	return fmt.Errorf("%s:%d:%d: %s", k.file, line, col, msg)
}

func (k *kuma) line(offset int) int {
	l, _ := position(k.data, offset)
	return l
}

// position turns a byte offset into a 1-based line and column (in bytes).
func position(data []byte, offset int) (line, col int) {
	offset = max(0, min(offset, len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}
