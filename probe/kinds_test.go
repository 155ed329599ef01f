package probe

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
)

// kindExamples set every key of each kind to a value that is not its default, so that a key the
// kind's Parse ignored would show as an unchanged option.
var kindExamples = map[config.Kind]struct {
	target string // the url, or the command
	keys   string // every kind-specific key, as YAML under the service
	want   any    // the options they make
}{
	KindHTTP: {"url: https://127.0.0.1:8443/health",
		"method: POST\n    headers: {X-Key: v}\n    body: hi\n    follow_redirects: false\n    insecure: true\n" +
			"    expect: {status: [204], body_contains: ok, body_regex: ok, json: {a: 1}, headers: {X-A: b}, cert_warn: 1d}",
		nil},
	KindTCP:     {"url: tcp://127.0.0.1:5432", "", nil},
	KindTLS:     {"url: tls://127.0.0.1:465", "insecure: true\n    expect: {cert_warn: 2d}", TLSOptions{Insecure: true, CertWarn: 48 * time.Hour}},
	KindDNS:     {"url: dns://127.0.0.1/example.com", "expect: {rcode: nxdomain, answer_contains: x}", DNSOptions{Rcode: "NXDOMAIN", AnswerContains: "x"}},
	KindICMP:    {"url: icmp://127.0.0.1", "count: 5\n    expect: {max_loss: 10%}", ICMPOptions{Count: 5, MaxLoss: 0.1}},
	KindGRPC:    {"url: grpcs://127.0.0.1:50051/svc", "insecure: true", GRPCOptions{Insecure: true}},
	KindWS:      {"url: wss://127.0.0.1/feed", "headers: {Origin: o}\n    insecure: true", WSOptions{Headers: []config.Header{{Name: "Origin", Value: "o"}}, Insecure: true}},
	KindCommand: {"command: [true]", "", nil},
}

// TestKinds: every kind has a scheme or is the command kind, takes every key it declares (the
// example sets them all) and builds a checker from what its Parse returns.
func TestKinds(t *testing.T) {
	kinds := Kinds()
	if len(kinds) != len(kindExamples) {
		t.Errorf("Kinds() = %d kinds, want %d (a new kind needs an example here)", len(kinds), len(kindExamples))
	}
	commands := 0
	for _, k := range kinds {
		t.Run(string(k.Kind), func(t *testing.T) {
			ex, ok := kindExamples[k.Kind]
			if !ok {
				t.Fatalf("kind %s has no example in kindExamples", k.Kind)
			}
			if len(k.Schemes) == 0 {
				commands++
			}
			if k.Parse == nil {
				t.Fatalf("kind %s has no Parse", k.Kind)
			}
			for _, key := range k.Keys {
				name := strings.TrimPrefix(key.Name, "expect.")
				if !strings.Contains(ex.keys, name+":") {
					t.Errorf("the %s example does not set %s", k.Kind, key.Name)
				}
			}
			yaml := fmt.Sprintf("services:\n  - name: x\n    %s\n", ex.target)
			if ex.keys != "" {
				yaml += "    " + ex.keys + "\n"
			}
			cfg, err := config.Parse([]byte(yaml), "kinds.yaml", nil, kinds)
			if err != nil {
				t.Fatalf("Parse(%s example) error:\n%v", k.Kind, err)
			}
			svc := cfg.Services[0]
			if svc.Kind != k.Kind {
				t.Errorf("Parse(%s example) kind = %s", k.Kind, svc.Kind)
			}
			if ex.want != nil && !reflect.DeepEqual(svc.Options, ex.want) {
				t.Errorf("Parse(%s example) options = %+v, want %+v", k.Kind, svc.Options, ex.want)
			}
			if c, err := New(svc); err != nil || c == nil {
				t.Errorf("New(%s example) = %v, %v; want a checker", k.Kind, c, err)
			}
		})
	}
	if commands > 1 {
		t.Errorf("Kinds() has %d kinds without schemes, want at most one (the command kind)", commands)
	}
}

// TestKindsHTTPOptions checks the http example whole, since its options hold a regexp.
func TestKindsHTTPOptions(t *testing.T) {
	ex := kindExamples[KindHTTP]
	yaml := "services:\n  - name: x\n    " + ex.target + "\n    " + ex.keys + "\n"
	cfg, err := config.Parse([]byte(yaml), "kinds.yaml", nil, Kinds())
	if err != nil {
		t.Fatalf("Parse(http example) error:\n%v", err)
	}
	got := cfg.Services[0].Options.(HTTPOptions)
	if got.Method != "POST" || got.Body != "hi" || got.FollowRedirects || !got.Insecure || got.CertWarn != 24*time.Hour ||
		len(got.Headers) != 1 || len(got.Expect.Status) != 1 || got.Expect.BodyContains != "ok" ||
		got.Expect.BodyRegex == nil || got.Expect.BodyRegex.String() != "ok" || len(got.Expect.JSON) != 1 || len(got.Expect.Headers) != 1 {
		t.Errorf("Parse(http example) options = %+v", got)
	}
	if b := cfg.Services[0].Brief; !reflect.DeepEqual(b, config.Brief{Check: []string{"POST"},
		Limits: []string{"cert warn 1d", text.InsecureNote}, Insecure: true}) {
		t.Errorf("Parse(http example) brief = %+v", b)
	}
}

// TestKindsUnknown: a scheme no kind has is refused at load, listing the kinds' schemes, and a
// kind New does not know is an error.
func TestKindsUnknown(t *testing.T) {
	_, err := config.Parse([]byte("services:\n  - name: x\n    url: gopher://x\n"), "kinds.yaml", nil, Kinds())
	want := `kinds.yaml:3:10: services[0].url: unknown scheme "gopher"; supported: http, https, tcp, tls, dns, icmp, grpc, grpcs, ws, wss`
	if err == nil || err.Error() != want {
		t.Errorf("Parse(gopher) error = %v, want %s", err, want)
	}
	if c, err := New(config.Service{URL: "gopher://x", Kind: "gopher"}); c != nil || err == nil {
		t.Errorf("New(gopher) = %v, %v; want an error", c, err)
	}
}

// TestKindsOptionsType: options of another kind's type are an error, not a panic.
func TestKindsOptionsType(t *testing.T) {
	svc := config.Service{URL: "http://127.0.0.1/", Kind: KindHTTP, Options: ICMPOptions{Count: 1}}
	if _, err := New(svc); err == nil || !strings.Contains(err.Error(), "options are probe.ICMPOptions") {
		t.Errorf("New(http with icmp options) error = %v, want one naming the type", err)
	}
}

// resultChecker returns a fixed result.
type resultChecker struct{ r Result }

func (c resultChecker) Check(context.Context) Result { return c.r }

// deadlineChecker reports how far off its context's deadline is.
type deadlineChecker struct{}

func (deadlineChecker) Check(ctx context.Context) Result {
	d, ok := ctx.Deadline()
	if !ok {
		return Result{Reason: "no deadline"}
	}
	return Result{OK: true, Reason: "", Warning: fmt.Sprint(time.Until(d) > 0 && time.Until(d) <= time.Minute)}
}

func TestRun(t *testing.T) {
	const secret = "hunter2-s3cret"
	secrets := &text.Secrets{}
	secrets.Add(secret)
	svc := config.Service{Name: "x", Timeout: time.Minute, Secrets: secrets}
	// The secret straddles the reason's width limit: cut first, its prefix would show.
	straddle := strings.Repeat("x", reasonMax-5) + secret
	in := Result{
		Reason:  "\x1b[31mbad\x1b[0m " + secret + "\n",
		Warning: straddle,
		Facts: []Fact{
			{Label: "\x1b]0;title\x07echo", Value: "got " + secret + "\x00"},
			{Label: "long", Value: strings.Repeat("y", factMax-3) + secret},
		},
		Phases: []Phase{{Name: "dns\x1b[2J", Duration: time.Millisecond}},
	}
	got := Run(context.Background(), resultChecker{in}, svc)
	texts := []string{got.Reason, got.Warning, got.Phases[0].Name}
	for _, f := range got.Facts {
		texts = append(texts, f.Label, f.Value)
	}
	for _, s := range texts {
		if v := text.Violation(s, 0); v != "" {
			t.Errorf("Run() text %q: %s", s, v)
		}
		for n := 4; n <= len(secret); n++ {
			if strings.Contains(s, secret[:n]) {
				t.Errorf("Run() text %q shows %q of the secret", s, secret[:n])
				break
			}
		}
	}
	if want := "bad " + text.Mask; got.Reason != want {
		t.Errorf("Run().Reason = %q, want %q", got.Reason, want)
	}
	if v := text.Violation(got.Warning, reasonMax); v != "" || !strings.HasSuffix(got.Warning, text.Mask) && !strings.HasSuffix(got.Warning, "…") {
		t.Errorf("Run().Warning = %q (%s), want it cut to %d cells", got.Warning, v, reasonMax)
	}
	if want := "got " + text.Mask; got.Facts[0].Value != want || got.Facts[0].Label != "echo" {
		t.Errorf("Run().Facts[0] = %+v, want {echo %s}", got.Facts[0], want)
	}
	if got.Phases[0].Name != "dns" {
		t.Errorf("Run().Phases[0].Name = %q, want dns", got.Phases[0].Name)
	}
	if in.Facts[0].Value != "got "+secret+"\x00" {
		t.Errorf("Run() wrote into the checker's facts: %q", in.Facts[0].Value)
	}
	if got.Start.IsZero() || got.Latency <= 0 {
		t.Errorf("Run() Start %v, Latency %v; want both set when the checker leaves them zero", got.Start, got.Latency)
	}
	if r := Run(context.Background(), deadlineChecker{}, svc); r.Warning != "true" {
		t.Errorf("Run() context deadline within the timeout = %s, want true (%q)", r.Warning, r.Reason)
	}
}

// TestInsecureCertWarn: insecure: true means the certificate is not checked, so its expiry does
// not make the service DEGRADED by default (the detail view still shows it); a cert_warn the
// config sets is kept, for whoever wants the warning anyway.
func TestInsecureCertWarn(t *testing.T) {
	week := 7 * 24 * time.Hour
	for _, tt := range []struct {
		keys string
		want time.Duration
	}{
		{"url: https://127.0.0.1/\n    insecure: true", 0},
		{"url: https://127.0.0.1/\n    insecure: true\n    expect: {cert_warn: 7d}", week},
		{"url: https://127.0.0.1/\n    insecure: false", defaultCertWarn},
		{"url: tls://127.0.0.1:465\n    insecure: true", 0},
		{"url: tls://127.0.0.1:465\n    insecure: true\n    expect: {cert_warn: 7d}", week},
		{"url: tls://127.0.0.1:465", defaultCertWarn},
		{"url: wss://127.0.0.1/feed\n    insecure: true", 0},
		{"url: wss://127.0.0.1/feed", defaultCertWarn},
	} {
		yaml := "services:\n  - name: x\n    " + tt.keys + "\n"
		cfg, err := config.Parse([]byte(yaml), "insecure.yaml", nil, Kinds())
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", tt.keys, err)
		}
		var got time.Duration
		switch o := cfg.Services[0].Options.(type) {
		case HTTPOptions:
			got = o.CertWarn
		case TLSOptions:
			got = o.CertWarn
		case WSOptions:
			got = o.CertWarn
		}
		if got != tt.want {
			t.Errorf("Parse(%q) CertWarn = %v, want %v", tt.keys, got, tt.want)
		}
		if b := cfg.Services[0].Brief; tt.want == 0 && slices.ContainsFunc(b.Limits, func(l string) bool { return strings.HasPrefix(l, "cert warn") }) {
			t.Errorf("Parse(%q) brief %v, want no cert warn", tt.keys, b.Limits)
		}
	}
}
