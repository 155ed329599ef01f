package importer

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// TestConditions translates each condition form in Gatus's README (and the ones around it)
// on the kind it is written for.
func TestConditions(t *testing.T) {
	https := kind{"http", "https"}
	twoxx := []int{200, 201, 202, 203, 204, 205, 206, 207, 208, 226}
	tests := []struct {
		kind        kind
		conds       []string
		noRedirects bool
		want        service
		lost        string // a text every lost line must contain, in order; "" wants none
	}{
		{https, []string{"[STATUS] == 200"}, false, service{Status: []int{200}}, ""},
		{https, []string{"[STATUS] < 300"}, false, service{}, ""}, // uptty's default, redirects followed
		{https, []string{"[STATUS] < 300"}, true, service{Status: twoxx}, ""},
		{https, []string{"[STATUS] <= 299", "[STATUS] >= 200"}, true, service{Status: twoxx}, ""},
		{https, []string{"[STATUS] < 400"}, true, service{}, ""},
		{https, []string{"[STATUS] > 400", "[STATUS] < 405"}, false, service{Status: []int{401, 402, 403, 404}}, ""},
		{https, []string{"[STATUS] == any(200, 429)"}, false, service{Status: []int{200, 429}}, ""},
		{https, []string{"[STATUS] == pat(20?)"}, false, service{Status: []int{200, 201, 202, 203, 204, 205, 206, 207, 208, 209}}, ""},
		{https, []string{"[STATUS] != 204", "[STATUS] == any(200, 204)"}, false, service{Status: []int{200}}, ""},
		{https, []string{"200 == [STATUS]"}, false, service{Status: []int{200}}, ""},
		{https, []string{"[STATUS] == 200", "[STATUS] == 201"}, false, service{}, "no HTTP status passes"},
		{https, []string{"[CONNECTED] == true"}, false, service{}, ""},
		{https, []string{"[CONNECTED] == false"}, false, service{}, "connection fails"},
		{https, []string{"[RESPONSE_TIME] < 500"}, false, service{Slow: 500 * time.Millisecond}, "DEGRADED, not DOWN"},
		{https, []string{"[RESPONSE_TIME] <= 2s"}, false, service{Slow: 2 * time.Second}, "DEGRADED, not DOWN"},
		{https, []string{"[RESPONSE_TIME] > 10"}, false, service{}, "from above only"},
		{https, []string{"[IP] == 127.0.0.1"}, false, service{}, "resolves to"},
		{https, []string{"[BODY] == 1"}, false, service{BodyRegex: `^1$`}, ""},
		{https, []string{"[BODY] == a.b"}, false, service{BodyRegex: `^a\.b$`}, ""},
		{https, []string{"[BODY] == pat(*ok*)"}, false, service{BodyContains: "ok"}, ""},
		{https, []string{"[BODY] == pat(*)"}, false, service{}, ""},
		{https, []string{"[BODY] == pat(v?.[0-9]*)"}, false, service{BodyRegex: `(?s)^v.\.[0-9].*$`}, ""},
		{https, []string{"[BODY] == any(up, ok)"}, false, service{BodyRegex: `^(?:up|ok)$`}, ""},
		{https, []string{"[BODY] != down"}, false, service{}, "not what it is not"},
		{https, []string{"[BODY] == ${EXPECTED}"}, false, service{}, "environment"},
		{https, []string{"[BODY] == pat(*$EXPECTED*)"}, false, service{BodyContains: "${EXPECTED}"}, ""},
		{https, []string{"[BODY] == pat(*$${literal}*)"}, false, service{BodyContains: "$${literal}"}, ""},
		{https, []string{"[BODY] == cost: $$5"}, false, service{BodyRegex: `^cost: \$5$`}, ""},
		{https, []string{"[BODY].user.name == john"}, false, service{JSON: []pair{{"user.name", "john"}}}, ""},
		{https, []string{"[BODY].data[0].id == 1"}, false, service{JSON: []pair{{"data.0.id", "1"}}}, ""},
		{https, []string{"[BODY].ok == true"}, false, service{JSON: []pair{{"ok", "true"}}}, ""},
		{https, []string{"[BODY].version == 1.0"}, false, service{JSON: []pair{{"version", "1.0"}}}, ""},
		{https, []string{"[BODY].token == ${TOKEN}"}, false, service{JSON: []pair{{"token", "${TOKEN}"}}}, ""},
		{https, []string{"[BODY].age == [BODY].id"}, false, service{}, "another placeholder"},
		{https, []string{"len([BODY].data) < 5"}, false, service{}, "len() or has()"},
		{https, []string{"len([BODY].name) == 8"}, false, service{}, "len() or has()"},
		{https, []string{"has([BODY].errors) == false"}, false, service{}, "len() or has()"},
		{https, []string{"has([BODY].users) == true"}, false, service{}, "len() or has()"},
		{https, []string{"[BODY].name == pat(john*)"}, false, service{}, "not pat() or any()"},
		{https, []string{"[BODY].id == any(1, 2)"}, false, service{}, "not pat() or any()"},
		{https, []string{"[BODY].items[*].id == 1"}, false, service{}, "plain dotted paths"},
		{https, []string{"[BODY].n > 3"}, false, service{}, "equality only"},
		{https, []string{"[CERTIFICATE_EXPIRATION] > 48h"}, false, service{CertWarn: 48 * time.Hour}, "DEGRADED, not DOWN"},
		{https, []string{"[CERTIFICATE_EXPIRATION] > 86400000"}, false, service{CertWarn: 24 * time.Hour}, "DEGRADED, not DOWN"},
		{kind{"http", "http"}, []string{"[CERTIFICATE_EXPIRATION] > 48h"}, false, service{}, "https:// and tls://"},
		{https, []string{"[DOMAIN_EXPIRATION] > 720h"}, false, service{}, "domain"},
		{https, []string{"[STATUS] 200"}, false, service{}, "no operator"},
		{kind{"tcp", "tcp"}, []string{"[CONNECTED] == true"}, false, service{}, ""},
		{kind{"tcp", "tcp"}, []string{"[STATUS] == 200"}, false, service{}, "has none"},
		{kind{"tcp", "tcp"}, []string{"[BODY] == pat(*+PONG*)"}, false, service{}, "reads no body"},
		{kind{"tls", "tls"}, []string{"[CERTIFICATE_EXPIRATION] > 48h"}, false, service{CertWarn: 48 * time.Hour}, "DEGRADED"},
		{kind{"icmp", "icmp"}, []string{"[RESPONSE_TIME] < 100"}, false, service{Slow: 100 * time.Millisecond}, "DEGRADED"},
		{kind{"dns", "dns"}, []string{"[DNS_RCODE] == NOERROR"}, false, service{}, ""},
		{kind{"dns", "dns"}, []string{"[DNS_RCODE] == NXDOMAIN"}, false, service{Rcode: "NXDOMAIN"}, ""},
		{kind{"dns", "dns"}, []string{"[DNS_RCODE] != NOERROR"}, false, service{}, "must match"},
		{kind{"dns", "dns"}, []string{"[BODY] == 93.184.215.14"}, false, service{AnswerContains: "93.184.215.14"}, ""},
		{kind{"dns", "dns"}, []string{"[BODY] == pat(*mail.example.com*)"}, false, service{AnswerContains: "mail.example.com"}, ""},
		{kind{"dns", "dns"}, []string{"[BODY] == pat(*.*.*.*)"}, false, service{}, "not by pattern"},
		{kind{"grpc", "grpc"}, []string{"[BODY].status == SERVING"}, false, service{}, ""},
		{kind{"grpc", "grpc"}, []string{"[BODY].status == NOT_SERVING"}, false, service{}, "reads no JSON body"},
		{kind{"ws", "wss"}, []string{"[BODY] == pat(*served by*)"}, false, service{}, "reads no body"},
	}
	for _, tt := range tests {
		name := tt.kind.Scheme + " " + strings.Join(tt.conds, ", ")
		t.Run(name, func(t *testing.T) {
			s := &service{NoRedirects: tt.noRedirects}
			conditions(s, tt.kind, tt.conds)
			if !slices.Equal(s.Status, tt.want.Status) {
				t.Errorf("status = %v, want %v", s.Status, tt.want.Status)
			}
			if s.BodyContains != tt.want.BodyContains || s.BodyRegex != tt.want.BodyRegex {
				t.Errorf("body_contains, body_regex = %q, %q, want %q, %q", s.BodyContains, s.BodyRegex, tt.want.BodyContains, tt.want.BodyRegex)
			}
			if !slices.Equal(s.JSON, tt.want.JSON) {
				t.Errorf("json = %v, want %v", s.JSON, tt.want.JSON)
			}
			if s.Slow != tt.want.Slow || s.CertWarn != tt.want.CertWarn {
				t.Errorf("slow, cert_warn = %v, %v, want %v, %v", s.Slow, s.CertWarn, tt.want.Slow, tt.want.CertWarn)
			}
			if s.Rcode != tt.want.Rcode || s.AnswerContains != tt.want.AnswerContains {
				t.Errorf("rcode, answer_contains = %q, %q, want %q, %q", s.Rcode, s.AnswerContains, tt.want.Rcode, tt.want.AnswerContains)
			}
			switch {
			case tt.lost == "" && len(s.Lost) > 0:
				t.Errorf("lost = %q, want none", s.Lost)
			case tt.lost != "" && (len(s.Lost) != 1 || !strings.Contains(s.Lost[0], tt.lost)):
				t.Errorf("lost = %q, want one line containing %q", s.Lost, tt.lost)
			}
		})
	}
}

func TestParseCondition(t *testing.T) {
	tests := []struct {
		in   string
		want condition
		ok   bool
	}{
		{"[STATUS] == 200", condition{"[STATUS]", "==", "200"}, true},
		{"[STATUS] <= 299", condition{"[STATUS]", "<=", "299"}, true},
		{"500 > [RESPONSE_TIME]", condition{"[RESPONSE_TIME]", "<", "500"}, true},
		{"[BODY] == a == b", condition{"[BODY]", "==", "a == b"}, true},
		{"[STATUS]==200", condition{}, false},
	}
	for _, tt := range tests {
		got, ok := parseCondition(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseCondition(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPatternRegex(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"*ok*", []string{"ok", "all ok here", "o\nok\n"}, []string{"o k", "OK"}},
		{"v1.?.*", []string{"v1.2.3", "v1.x."}, []string{"v12.3", "v2.1.0"}},
		{"[a-c]x", []string{"ax", "cx"}, []string{"dx", "axx"}},
		{`\*lit`, []string{"*lit"}, []string{"alit"}},
	}
	for _, tt := range tests {
		re, ok := patternRegex(tt.pattern)
		if !ok {
			t.Errorf("patternRegex(%q) failed", tt.pattern)
			continue
		}
		m, _ := matcher("pat(" + tt.pattern + ")")
		for _, s := range tt.match {
			if !m(s) {
				t.Errorf("patternRegex(%q) = %s does not match %q, want a match", tt.pattern, re, s)
			}
		}
		for _, s := range tt.miss {
			if m(s) {
				t.Errorf("patternRegex(%q) = %s matches %q, want none", tt.pattern, re, s)
			}
		}
	}
	for _, bad := range []string{"[abc", `ab\`, "[]"} {
		if re, ok := patternRegex(bad); ok {
			t.Errorf("patternRegex(%q) = %s, want a failure", bad, re)
		}
	}
}

// TestLiteral loads texts written by literal with uptty's loader: each reads back as it was,
// with no variable expanded.
func TestLiteral(t *testing.T) {
	for _, text := range []string{"plain", "${X}", "$$", "a$", "$ {", "${", "$$${Y}$", "ok$"} {
		doc := "services:\n  - name: x\n    url: https://x.example/\n    expect:\n      body_contains: " +
			scalar(literal(text)) + "\n"
		cfg, err := config.Parse([]byte(doc), "x.yaml", nil, probe.Kinds())
		if err != nil {
			t.Errorf("literal(%q) = %q: %v", text, literal(text), err)
			continue
		}
		if got := cfg.Services[0].Options.(probe.HTTPOptions).Expect.BodyContains; got != text {
			t.Errorf("literal(%q) = %q, which uptty reads as %q", text, literal(text), got)
		}
	}
}

func TestGatusEnv(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"Bearer ${API_TOKEN}", "Bearer ${API_TOKEN}"},
		{"$TENANT", "${TENANT}"},
		{"$HOST:$PORT/x", "${HOST}:${PORT}/x"},
		{"cost $$5", "cost $5"},
		{"$${NOT_A_VAR}", "$${NOT_A_VAR}"},
		{"ok$", "ok$"},
		{"a $ b", "a $ b"},
		{"${bad-name}", "$${bad-name}"},
		{"$1", "$1"},
	}
	for _, tt := range tests {
		if got := gatusEnv(tt.in); got != tt.want {
			t.Errorf("gatusEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGatusEnvMeansTheSame expands texts the way Gatus does (os.ExpandEnv, $$ a literal $) and
// the way uptty reads what gatusEnv made of them: both must give the same text.
func TestGatusEnvMeansTheSame(t *testing.T) {
	env := map[string]string{"API_TOKEN": "tok-1234", "HOST": "db.example"}
	gatus := func(s string) string {
		s = strings.ReplaceAll(s, "$$", "\x00")
		s = os.Expand(s, func(k string) string { return env[k] })
		return strings.ReplaceAll(s, "\x00", "$")
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, text := range []string{"Bearer ${API_TOKEN}", "$HOST:5432", "cost $$5", "$${HOST}", "ok$",
		"a $ b", "$HOST$API_TOKEN", "x$$$HOST"} {
		doc := "services:\n  - name: x\n    url: https://x.example/\n    expect:\n      body_contains: " +
			scalar(gatusEnv(text)) + "\n"
		cfg, err := config.Parse([]byte(doc), "x.yaml", getenv, probe.Kinds())
		if err != nil {
			t.Errorf("gatusEnv(%q) = %q: %v", text, gatusEnv(text), err)
			continue
		}
		if got, want := cfg.Services[0].Options.(probe.HTTPOptions).Expect.BodyContains, gatus(text); got != want {
			t.Errorf("gatusEnv(%q) = %q, which uptty reads as %q, want %q as Gatus does", text, gatusEnv(text), got, want)
		}
	}
}
