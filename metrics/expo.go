package metrics

import (
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/uptty/uptty/monitor"
)

// contentType is the Prometheus text format, version 0.0.4, which every Prometheus (and
// promtool, VictoriaMetrics, the OpenTelemetry collector…) reads. Names here are all legal
// in the old rules, so no escaping scheme changes them.
const contentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// scrape is what one page is written from.
type scrape struct {
	readings []monitor.Reading
	labels   []serviceLabels // the readings'
	runtime  runtimeFigures
	process  processFigures
}

// family is one metric family of a page: its name, help and type, and what writes its samples
// (with page.sample) from one scrape. A family with no sample is left out of the page.
type family struct {
	name, help, typ string
	write           func(p *page, s *scrape)
}

// page is a page of the text format being written: the families in the order given, each
// family's HELP and TYPE written before its first sample.
type page struct {
	b   []byte
	fam *family // whose header is still to be written
}

// begin starts family f; its header goes out with its first sample.
func (p *page) begin(f *family) { p.fam = f }

// header writes the family's HELP and TYPE lines once.
func (p *page) header() {
	if f := p.fam; f != nil {
		p.b = append(p.b, "# HELP "...)
		p.b = append(p.b, f.name...)
		p.b = append(p.b, ' ')
		p.b = appendEscaped(p.b, f.help, false)
		p.b = append(p.b, "\n# TYPE "...)
		p.b = append(p.b, f.name...)
		p.b = append(p.b, ' ')
		p.b = append(p.b, f.typ...)
		p.b = append(p.b, '\n')
		p.fam = nil
	}
}

// series writes the start of a sample line: name, with the labels given when there are any.
// Each label is a pair already in the format (pair makes them); empty ones are left out.
func (p *page) series(name string, labels ...string) {
	p.header()
	p.b = append(p.b, name...)
	n := 0
	for _, l := range labels {
		if l == "" {
			continue
		}
		if n == 0 {
			p.b = append(p.b, '{')
		} else {
			p.b = append(p.b, ',')
		}
		p.b = append(p.b, l...)
		n++
	}
	if n > 0 {
		p.b = append(p.b, '}')
	}
	p.b = append(p.b, ' ')
}

// sample writes a sample of the current family.
func (p *page) sample(name string, v float64, labels ...string) {
	p.series(name, labels...)
	p.b = appendFloat(p.b, v)
	p.b = append(p.b, '\n')
}

// count writes a sample that is a count (a histogram's or summary's), as an exact integer.
func (p *page) count(name string, n uint64, labels ...string) {
	p.series(name, labels...)
	p.b = strconv.AppendUint(p.b, n, 10)
	p.b = append(p.b, '\n')
}

// appendFloat formats v as the text format has it, as client_golang wrote it.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case v == 1:
		return append(b, '1')
	case v == 0:
		return append(b, '0')
	case v == -1:
		return append(b, "-1"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, +1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendEscaped appends s escaped as the text format wants: a backslash and a line feed in a
// HELP text, and a double quote too in a label value.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// pair is the label name="value", value escaped.
func pair(name, value string) string {
	b := make([]byte, 0, len(name)+len(value)+3)
	b = append(append(b, name...), '=', '"')
	return string(append(appendEscaped(b, value, true), '"'))
}

// writeFamilies writes the page of fams from s: every family with a sample, in the order given.
func writeFamilies(fams []family, s *scrape, buf []byte) []byte {
	p := page{b: buf}
	for i := range fams {
		p.begin(&fams[i])
		fams[i].write(&p, s)
	}
	return p.b
}

var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// respond sends page as a scrape's answer, gzipped when the scraper takes gzip (Prometheus
// does).
func respond(w http.ResponseWriter, r *http.Request, page []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write(page)
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	gz := gzipPool.Get().(*gzip.Writer)
	defer gzipPool.Put(gz)
	gz.Reset(w)
	_, _ = gz.Write(page)
	_ = gz.Close()
	gz.Reset(io.Discard) // lets go of w
}

// acceptsGzip says whether an Accept-Encoding header takes gzip: listed, and not with q=0.
func acceptsGzip(header string) bool {
	for item := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(item, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.TrimSpace(params)
		if v, ok := strings.CutPrefix(q, "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}
