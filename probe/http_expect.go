package probe

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

// httpExpect is a service's HTTP expectations, ready for judging responses.
type httpExpect struct {
	status     []int // empty: 200-399
	statusText string
	contains   []byte
	regex      *regexp.Regexp
	json       []JSONExpect
	headers    []config.Header
}

// noExpect is the expectations of every service that sets none: one for all rather than 136
// bytes of heap a service.
var noExpect = &httpExpect{statusText: "200-399"}

// none reports whether e expects nothing of a response but a status of 200-399.
func (e HTTPExpect) none() bool {
	return e.Status == nil && e.BodyContains == "" && e.BodyRegex == nil && e.JSON == nil && e.Headers == nil
}

func newHTTPExpect(e HTTPExpect) *httpExpect {
	if e.none() {
		return noExpect
	}
	x := &httpExpect{
		status:   e.Status,
		contains: []byte(e.BodyContains),
		regex:    e.BodyRegex,
		json:     e.JSON,
		headers:  e.Headers,
	}
	x.statusText = "200-399"
	if len(e.Status) > 0 {
		codes := make([]string, len(e.Status))
		for i, c := range e.Status {
			codes[i] = strconv.Itoa(c)
		}
		x.statusText = strings.Join(codes, ", ")
	}
	return x
}

func (x *httpExpect) statusOK(code int) bool {
	if len(x.status) == 0 {
		return code >= 200 && code <= 399
	}
	for _, c := range x.status {
		if c == code {
			return true
		}
	}
	return false
}

func (x *httpExpect) readsBody() bool {
	return len(x.contains) > 0 || x.regex != nil || len(x.json) > 0
}

// bodyVerdict is the outcome of the body expectations: a failure reason, or the error that
// stopped the body from being read.
type bodyVerdict struct {
	reason string
	err    error
}

// judgeBody reads at most bodyLimit bytes of body. body_contains alone is searched as the body
// streams in and stops the reading once found; a regular expression or JSON needs the prefix
// whole. hide is masked in body text before it is quoted.
func (x *httpExpect) judgeBody(body io.Reader, hide *text.Secrets) bodyVerdict {
	if x.regex == nil && len(x.json) == 0 {
		found, full, err := searchBody(body, x.contains)
		switch {
		case err != nil:
			return bodyVerdict{err: err}
		case !found:
			return bodyVerdict{reason: containsReason(x.contains, full)}
		}
		return bodyVerdict{}
	}
	data, err := io.ReadAll(io.LimitReader(body, bodyLimit+1))
	if err != nil {
		return bodyVerdict{err: err}
	}
	full := len(data) > bodyLimit
	data = data[:min(len(data), bodyLimit)]
	if len(x.contains) > 0 && !bytes.Contains(data, x.contains) {
		return bodyVerdict{reason: containsReason(x.contains, full)}
	}
	if x.regex != nil && !x.regex.Match(data) {
		return bodyVerdict{reason: "body does not match /" + text.CleanText(x.regex.String(), quotedMax) + "/" + limitNote(full)}
	}
	if len(x.json) > 0 {
		return bodyVerdict{reason: judgeJSON(data, full, x.json, hide)}
	}
	return bodyVerdict{}
}

func containsReason(needle []byte, full bool) string {
	return "body does not contain " + quote(string(needle)) + limitNote(full)
}

func limitNote(full bool) string {
	if full {
		return " in first 1 MiB (uptty's limit)"
	}
	return ""
}

// searchBody looks for needle in the first bodyLimit bytes of r, keeping the tail of each chunk
// so that a needle split across reads is still found. full reports that the limit was reached.
func searchBody(r io.Reader, needle []byte) (found, full bool, err error) {
	const chunk = 32 << 10
	keepMax := len(needle) - 1
	buf := make([]byte, keepMax+chunk)
	keep, total := 0, 0
	for total < bodyLimit {
		n, err := r.Read(buf[keep : keep+min(chunk, bodyLimit-total)])
		total += n
		window := buf[:keep+n]
		if bytes.Contains(window, needle) {
			return true, false, nil
		}
		if errors.Is(err, io.EOF) {
			return false, false, nil
		}
		if err != nil {
			return false, false, err
		}
		keep = min(keepMax, len(window))
		copy(buf, window[len(window)-keep:])
	}
	return false, true, nil
}

// judgeJSON checks each expect.json entry against the body, "" when all match.
func judgeJSON(data []byte, full bool, want []JSONExpect, hide *text.Secrets) string {
	if full {
		return "body over 1 MiB (uptty's limit)"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers compare exactly, not through float64
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return "body is not JSON"
	}
	for _, w := range want {
		path := text.CleanText(w.Path, quotedMax)
		got, ok := jsonLookup(doc, w.Path)
		switch {
		case !ok:
			return "json " + path + " missing, want " + yamlText(w.Want)
		case !jsonEqual(got, w.Want):
			return "json " + path + " = " + jsonText(got, hide) + ", want " + yamlText(w.Want)
		}
	}
	return ""
}

// jsonLookup follows a dotted path (data.status, items.0.ok) into a decoded document.
func jsonLookup(doc any, path string) (any, bool) {
	for _, key := range strings.Split(path, ".") {
		switch v := doc.(type) {
		case map[string]any:
			next, ok := v[key]
			if !ok {
				return nil, false
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// jsonEqual compares a JSON value with a YAML scalar as YAML would: same type, and numbers by
// value (1, 1.0 and 1e0 are equal).
func jsonEqual(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case string:
		g, ok := got.(string)
		return ok && g == w
	}
	n, ok := got.(json.Number)
	if !ok {
		return false
	}
	switch w := want.(type) {
	case int:
		return ratEqual(n, new(big.Rat).SetInt64(int64(w)))
	case int64:
		return ratEqual(n, new(big.Rat).SetInt64(w))
	case uint64:
		return ratEqual(n, new(big.Rat).SetFrac(new(big.Int).SetUint64(w), big.NewInt(1)))
	case float64:
		// Floats compare as floats: 0.1 in YAML and in JSON are the same double.
		f, err := n.Float64()
		return err == nil && f == w
	}
	return false
}

func ratEqual(n json.Number, want *big.Rat) bool {
	if len(n) > 64 {
		return false // no YAML integer is this long; spare the big arithmetic
	}
	got, ok := new(big.Rat).SetString(string(n))
	return ok && got.Cmp(want) == 0
}

// jsonText shows a JSON value from the network in a reason.
func jsonText(v any, hide *text.Secrets) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return quote(hide.Mask(v))
	case json.Number:
		return text.CleanText(string(v), quotedMax)
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return "?"
}

// yamlText shows an expected YAML scalar in a reason.
func yamlText(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return quote(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return text.CleanText(fmt.Sprint(v), quotedMax)
}

// certFacts describe a certificate's expiry and issuer.
func certFacts(cert *x509.Certificate, now time.Time) []Fact {
	return []Fact{
		{Label: "cert", Value: expiryText(cert.NotAfter, now)},
		{Label: "issuer", Value: text.CleanText(issuerName(cert), quotedMax)},
	}
}

// failedCertFacts describe the certificate that failed verification, if that is what err is.
func failedCertFacts(err error, now time.Time) []Fact {
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) || len(verr.UnverifiedCertificates) == 0 {
		return nil
	}
	leaf := verr.UnverifiedCertificates[0]
	facts := certFacts(leaf, now)
	var host x509.HostnameError
	if errors.As(err, &host) {
		names := slices.Clone(leaf.DNSNames)
		for _, ip := range leaf.IPAddresses {
			names = append(names, ip.String())
		}
		facts = append(facts, Fact{Label: "cert names", Value: text.CleanText(strings.Join(names, ", "), reasonMax)})
	}
	return facts
}

// expiryText says when a certificate expires: "expires 2027-01-02 (in 38d)".
func expiryText(notAfter, now time.Time) string {
	date := notAfter.UTC().Format(time.DateOnly)
	if left := notAfter.Sub(now); left > 0 {
		return "expires " + date + " (in " + timeLeftText(left) + ")"
	}
	return "expired " + date + " (" + text.FormatAgo(now.Sub(notAfter)) + " ago)"
}

// certWarning is the Warning for a leaf certificate that expires within warn: "cert expires in
// 3d", or that has expired (possible only when verification is skipped).
func certWarning(cs *tls.ConnectionState, warn time.Duration, now time.Time) string {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return ""
	}
	left := cs.PeerCertificates[0].NotAfter.Sub(now)
	switch {
	case left <= 0:
		return "cert expired " + text.FormatAgo(left) + " ago"
	case warn > 0 && left < warn:
		return "cert expires in " + timeLeftText(left)
	}
	return ""
}

// timeLeftText says how long a certificate has left: whole days far off (38d), and days and
// hours within a week (2d23h), where "2d" would read a day shorter than the truth.
func timeLeftText(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 7*day || d >= day && (d%day)/time.Hour == 0:
		return text.FormatAgo(d)
	case d >= day:
		return strconv.FormatInt(int64(d/day), 10) + "d" + strconv.FormatInt(int64(d%day/time.Hour), 10) + "h"
	}
	return text.FormatDuration(d)
}

func issuerName(cert *x509.Certificate) string {
	switch is := cert.Issuer; {
	case is.CommonName != "":
		return is.CommonName
	case len(is.Organization) > 0:
		return is.Organization[0]
	}
	return cert.Issuer.String()
}
