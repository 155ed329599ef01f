package config_test

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/probe"
)

// oneService is the services list the alert and maintenance cases share.
const oneService = "services:\n  - name: A\n    group: g\n    url: https://a.example.com\n"

func TestParseAlerts(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want config.Alert
	}{
		{"webhook defaults", "alerts:\n  - {name: team, type: webhook, url: https://hooks.example.com/x}\n",
			config.Alert{Name: "team", Type: config.SenderWebhook, URL: "https://hooks.example.com/x", Format: "generic",
				On: []string{"down", "up"}, Timeout: 10 * time.Second, GiveUpAfter: 24 * time.Hour, Line: 6}},
		{"webhook everything", `alerts:
  - name: chat
    type: webhook
    url: http://127.0.0.1:9/hook?token=${API_TOKEN}
    format: slack
    headers: {Authorization: "Bearer ${API_TOKEN}"}
    on: [degraded, down]
    repeat: 1h
    timeout: 3s
    give_up_after: 2h
`, config.Alert{Name: "chat", Type: config.SenderWebhook, URL: "http://127.0.0.1:9/hook?token=s3cret-token", Format: "slack",
			Headers: []config.Header{{Name: "Authorization", Value: "Bearer s3cret-token"}},
			On:      []string{"degraded", "down"}, Repeat: time.Hour, Timeout: 3 * time.Second, GiveUpAfter: 2 * time.Hour, Line: 6}},
		{"alertmanager", "alerts:\n  - {name: am, type: alertmanager, url: http://127.0.0.1:9093, on: down}\n",
			config.Alert{Name: "am", Type: config.SenderAlertmanager, URL: "http://127.0.0.1:9093",
				On: []string{"down"}, Timeout: 10 * time.Second, GiveUpAfter: 24 * time.Hour, Line: 6}},
		{"command", "alerts:\n  - {name: hook, type: command, command: [notify, \"${API_TOKEN}\"], timeout: 1m}\n",
			config.Alert{Name: "hook", Type: config.SenderCommand, Command: []string{"notify", "s3cret-token"},
				On: []string{"down", "up"}, Timeout: time.Minute, GiveUpAfter: 24 * time.Hour, Line: 6}},
		{"terminal", "alerts:\n  - name: bell\n    type: terminal\n",
			config.Alert{Name: "bell", Type: config.SenderTerminal,
				On: []string{"down", "up"}, Timeout: 10 * time.Second, GiveUpAfter: 24 * time.Hour, Line: 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(oneService+tt.yaml), "uptty.yaml", testEnv, probe.Kinds())
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if len(cfg.Alerts) != 1 {
				t.Fatalf("Parse() = %d alerts, want 1", len(cfg.Alerts))
			}
			got := cfg.Alerts[0]
			if got.Secrets == nil {
				t.Fatal("Parse() alert has nil Secrets")
			}
			got.Secrets = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse() alert =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// TestParseAlertSecrets: header values and their last word, URL passwords and every ${VAR}
// value are the alert's secrets, and cfg.Secrets has them too.
func TestParseAlertSecrets(t *testing.T) {
	const yaml = oneService + `alerts:
  - name: team
    type: webhook
    url: https://user:pa55word@hooks.example.com/x
    headers: {X-Key: "Key h3ader-value"}
  - name: run
    type: command
    command: [notify, "${LONG_SECRET}"]
`
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	long, _ := testEnv("LONG_SECRET")
	for _, in := range []string{"pa55word", "h3ader-value", "Key h3ader-value", long} {
		for _, s := range []struct {
			what string
			mask func(string) string
		}{{"Alerts[0]", cfg.Alerts[0].Secrets.Mask}, {"Config", cfg.Secrets.Mask}} {
			if got := s.mask(in); got != "•••" {
				t.Errorf("%s.Secrets.Mask(%q) = %q, want •••", s.what, in, got)
			}
		}
	}
	if got := cfg.Alerts[1].Secrets.Mask(long); got != "•••" {
		t.Errorf("Alerts[1].Secrets.Mask(LONG_SECRET) = %q, want •••", got)
	}
	if got := cfg.Services[0].Secrets.Mask("pa55word"); got != "pa55word" {
		t.Errorf("Services[0].Secrets.Mask(an alert's password) = %q, want it as it is", got)
	}
}

func TestParseLinks(t *testing.T) {
	const yaml = `alerts:
  - {name: team, type: terminal}
  - {name: ops, type: terminal}
services:
  - name: Core router
    url: icmp://10.0.0.1
  - name: API
    url: https://api.example.com
    depends_on: [Core router, DB]
    alerts: [ops]
  - name: DB
    url: tcp://db.example.com:5432
    depends_on: Core router
    alerts: []
`
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	want := []struct {
		deps, alerts []string
	}{
		{nil, nil},
		{[]string{"Core router", "DB"}, []string{"ops"}},
		{[]string{"Core router"}, []string{}},
	}
	for i, w := range want {
		s := cfg.Services[i]
		if !reflect.DeepEqual(s.DependsOn, w.deps) || !reflect.DeepEqual(s.Alerts, w.alerts) {
			t.Errorf("Services[%d] = depends_on %#v, alerts %#v; want %#v, %#v", i, s.DependsOn, s.Alerts, w.deps, w.alerts)
		}
	}
}

// TestDependencyCycles: each group of services that depend on each other is reported once, at
// the depends_on of its first service, with the shortest way round.
func TestDependencyCycles(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n")
	svc := func(name string, deps ...string) {
		b.WriteString("  - name: " + name + "\n    url: tcp://h.example.com:1\n")
		if len(deps) > 0 {
			b.WriteString("    depends_on: [" + strings.Join(deps, ", ") + "]\n")
		}
	}
	svc("a", "b")
	svc("b", "c", "x")
	svc("c", "a", "b")
	svc("x")
	svc("p", "q")
	svc("q", "p")
	svc("r", "x")
	cfg, err := config.Parse([]byte(b.String()), "c.yaml", testEnv, probe.Kinds())
	if err == nil {
		t.Fatalf("Parse() = %+v, nil; want cycle errors", cfg)
	}
	want := "c.yaml:4:5: services[0].depends_on: dependency cycle: a → b → c → a\n" +
		"c.yaml:15:5: services[4].depends_on: dependency cycle: p → q → p"
	if err.Error() != want {
		t.Errorf("Parse() error =\n%v\nwant\n%s", err, want)
	}
}

// TestLongCycle: a cycle through many services is cut short in its message, and a long chain
// of dependencies is checked without recursion.
func TestLongCycle(t *testing.T) {
	const n = 20000
	var b strings.Builder
	b.WriteString("services:\n")
	for i := range n {
		next := (i + 1) % n
		b.WriteString("  - {name: s" + strconv.Itoa(i) + ", url: \"tcp://h.example.com:1\", depends_on: [s" + strconv.Itoa(next) + "]}\n")
	}
	_, err := config.Parse([]byte(b.String()), "c.yaml", testEnv, probe.Kinds())
	want := "c.yaml:2:46: services[0].depends_on: dependency cycle: s0 → s1 → s2 → s3 → s4 → … → s19998 → s19999 → s0 (20000 services)"
	if err == nil || err.Error() != want {
		t.Errorf("Parse() error = %v, want %s", err, want)
	}
}

func TestParseMaintenance(t *testing.T) {
	const yaml = oneService + `maintenance:
  - name: deploy
    services: [A]
    start: 2026-12-01T22:00:00+09:00
    end: 2026-12-01T23:00:00+09:00
  - name: weekly
    groups: g
    every: "Sat 02:00"
    for: 2h
    timezone: Asia/Seoul
  - name: local
    every: daily 03:00
    for: 30m
`
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	if len(cfg.Maintenance) != 3 {
		t.Fatalf("Parse() = %d windows, want 3", len(cfg.Maintenance))
	}
	seoul := time.FixedZone("KST", 9*3600)
	deploy, weekly, local := cfg.Maintenance[0], cfg.Maintenance[1], cfg.Maintenance[2]
	if !deploy.Start.Equal(time.Date(2026, 12, 1, 22, 0, 0, 0, seoul)) || !deploy.End.Equal(time.Date(2026, 12, 1, 23, 0, 0, 0, seoul)) ||
		!reflect.DeepEqual(deploy.Services, []string{"A"}) || deploy.Every != "" || deploy.Line != 6 {
		t.Errorf("Parse() one-off window = %+v", deploy)
	}
	if weekly.Every != "Sat 02:00" || weekly.For != 2*time.Hour || weekly.Location.String() != "Asia/Seoul" ||
		!reflect.DeepEqual(weekly.Groups, []string{"g"}) || !weekly.Start.IsZero() {
		t.Errorf("Parse() recurring window = %+v", weekly)
	}
	if local.Location != time.Local {
		t.Errorf("Parse() window without timezone: Location = %v, want time.Local", local.Location)
	}
	for _, tc := range []struct {
		m    config.Maintenance
		at   time.Time
		want bool
	}{
		{deploy, time.Date(2026, 12, 1, 21, 59, 59, 0, seoul), false},
		{deploy, time.Date(2026, 12, 1, 22, 0, 0, 0, seoul), true},
		{deploy, time.Date(2026, 12, 1, 13, 30, 0, 0, time.UTC), true},
		{deploy, time.Date(2026, 12, 1, 23, 0, 0, 0, seoul), false},
		{weekly, time.Date(2026, 12, 5, 2, 0, 0, 0, seoul), true}, // a Saturday
		{weekly, time.Date(2026, 12, 5, 3, 59, 0, 0, seoul), true},
		{weekly, time.Date(2026, 12, 5, 4, 0, 0, 0, seoul), false},
		{weekly, time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC), true}, // 02:30 Saturday in Seoul
		{weekly, time.Date(2026, 12, 6, 2, 30, 0, 0, seoul), false},
	} {
		if got := tc.m.Active(tc.at); got != tc.want {
			t.Errorf("%s.Active(%v) = %v, want %v", tc.m.Name, tc.at, got, tc.want)
		}
	}
}

// window loads one recurring maintenance window.
func window(t *testing.T, every, length, zone string) config.Maintenance {
	t.Helper()
	yaml := oneService + "maintenance:\n  - name: w\n    every: \"" + every + "\"\n    for: " + length + "\n    timezone: " + zone + "\n"
	cfg, err := config.Parse([]byte(yaml), "uptty.yaml", testEnv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse(every %q, for %s, timezone %s) error = %v", every, length, zone, err)
	}
	return cfg.Maintenance[0]
}

func TestMaintenanceActive(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	ber := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	// 2026-12-07 is a Monday.
	tests := []struct {
		every, length, zone string
		at                  time.Time
		want                bool
	}{
		// Weekday lists, starts inclusive, ends exclusive.
		{"mon,wed 09:00", "1h", "UTC", utc(2026, 12, 7, 9, 0), true},
		{"mon,wed 09:00", "1h", "UTC", utc(2026, 12, 7, 9, 59), true},
		{"mon,wed 09:00", "1h", "UTC", utc(2026, 12, 7, 10, 0), false},
		{"mon,wed 09:00", "1h", "UTC", utc(2026, 12, 7, 8, 59), false},
		{"mon,wed 09:00", "1h", "UTC", utc(2026, 12, 8, 9, 30), false}, // Tuesday
		{"mon,wed 09:00", "1h", "UTC", utc(2026, 12, 9, 9, 30), true},  // Wednesday
		{"Monday, Wednesday 9:00", "1h", "UTC", utc(2026, 12, 9, 9, 30), true},
		{"weekdays 18:00", "30m", "UTC", utc(2026, 12, 11, 18, 10), true},  // Friday
		{"weekdays 18:00", "30m", "UTC", utc(2026, 12, 12, 18, 10), false}, // Saturday
		{"weekends 18:00", "30m", "UTC", utc(2026, 12, 12, 18, 10), true},
		{"weekends 18:00", "30m", "UTC", utc(2026, 12, 14, 18, 10), false},
		{"daily 00:00", "1m", "UTC", utc(2026, 12, 10, 0, 0), true},
		{"fri-mon 12:00", "1h", "UTC", utc(2026, 12, 13, 12, 30), true},   // Sunday, in a wrapping range
		{"fri-mon 12:00", "1h", "UTC", utc(2026, 12, 9, 12, 30), false},   // Wednesday
		{"mon-wed 12:00", "1h", "UTC", utc(2026, 12, 8, 12, 30), true},    // Tuesday
		{"mon 00:00", "7d", "UTC", utc(2026, 12, 13, 23, 59), true},       // a whole week
		{"sun 12:00", "1h", "UTC", utc(2026, 12, 13, 11, 0), false},       // before the start
		{"sun 12:00", "1h", "Asia/Seoul", utc(2026, 12, 13, 3, 30), true}, // 12:30 in Seoul
		{"sun 12:00", "1h", "Asia/Seoul", utc(2026, 12, 13, 12, 30), false},
		// Across midnight: sat 23:00 for 2h covers sunday 00:30, and the week's turn.
		{"sat 23:00", "2h", "UTC", utc(2026, 12, 13, 0, 30), true},
		{"sat 23:00", "2h", "UTC", utc(2026, 12, 13, 1, 0), false},
		{"sat 23:00", "2h", "UTC", utc(2026, 12, 12, 22, 59), false},
		{"sun 23:00", "2h", "UTC", utc(2026, 12, 14, 0, 59), true},
		{"daily 22:00", "30h", "UTC", utc(2026, 12, 10, 12, 0), true}, // occurrences overlap
		// Berlin moves to summer time on Sunday 2026-03-29 at 02:00 (to 03:00), back on
		// Sunday 2026-10-25 at 03:00 (to 02:00). A window keeps its wall-clock time.
		{"daily 03:00", "1h", "Europe/Berlin", utc(2026, 3, 28, 2, 30), true},  // 03:30 CET
		{"daily 03:00", "1h", "Europe/Berlin", utc(2026, 3, 28, 1, 30), false}, // 02:30 CET
		{"daily 03:00", "1h", "Europe/Berlin", utc(2026, 3, 29, 1, 30), true},  // 03:30 CEST
		{"daily 03:00", "1h", "Europe/Berlin", utc(2026, 3, 29, 2, 30), false}, // 04:30 CEST
		{"daily 03:00", "1h", "Europe/Berlin", ber(2026, 10, 25, 3, 30), true},
		{"daily 03:00", "1h", "Europe/Berlin", ber(2026, 10, 25, 4, 0), false},
		// 02:30 does not happen on 2026-03-29: the window starts when the clocks jump to 03:00.
		{"sun 02:30", "1h", "Europe/Berlin", utc(2026, 3, 29, 0, 59), false}, // 01:59 CET
		{"sun 02:30", "1h", "Europe/Berlin", utc(2026, 3, 29, 1, 0), true},   // 03:00 CEST
		{"sun 02:30", "1h", "Europe/Berlin", utc(2026, 3, 29, 1, 59), true},
		{"sun 02:30", "1h", "Europe/Berlin", utc(2026, 3, 29, 2, 0), false},
		// 02:30 happens twice on 2026-10-25: the window starts at the first.
		{"sun 02:30", "30m", "Europe/Berlin", utc(2026, 10, 25, 0, 30), true},  // 02:30 CEST
		{"sun 02:30", "30m", "Europe/Berlin", utc(2026, 10, 25, 1, 30), false}, // 02:30 CET
		// For is elapsed time: the night of the change is an hour shorter or longer on the clock.
		{"sat 23:00", "6h", "Europe/Berlin", utc(2026, 3, 29, 3, 30), true}, // 05:30 CEST, 5h30m after 23:00 CET
		{"sat 23:00", "6h", "Europe/Berlin", ber(2026, 3, 29, 6, 0), false},
		{"sat 23:00", "6h", "Europe/Berlin", utc(2026, 10, 25, 2, 30), true}, // 03:30 CET, 5h30m after 23:00 CEST
		{"sat 23:00", "6h", "Europe/Berlin", utc(2026, 10, 25, 3, 0), false}, // 04:00 CET
		// New York: summer time from 2026-03-08 02:00, back on 2026-11-01 02:00 (to 01:00).
		{"daily 01:30", "30m", "America/New_York", utc(2026, 11, 1, 5, 45), true},  // 01:45 EDT
		{"daily 01:30", "30m", "America/New_York", utc(2026, 11, 1, 6, 45), false}, // 01:45 EST
		{"daily 01:30", "30m", "America/New_York", utc(2026, 11, 2, 6, 45), true},  // 01:45 EST
		{"sun 02:15", "1h", "America/New_York", utc(2026, 3, 8, 6, 59), false},     // 01:59 EST
		{"sun 02:15", "1h", "America/New_York", utc(2026, 3, 8, 7, 0), true},       // 03:00 EDT
		{"sun 02:15", "1h", "America/New_York", utc(2026, 3, 8, 8, 0), false},
		{"daily 09:00", "8h", "America/New_York", time.Date(2026, 3, 9, 16, 59, 0, 0, newYork), true},
		{"daily 09:00", "8h", "America/New_York", time.Date(2026, 3, 9, 17, 0, 0, 0, newYork), false},
	}
	for _, tt := range tests {
		at := tt.at.Format("2006-01-02T15:04Z07:00")
		t.Run(tt.every+" for "+tt.length+" in "+tt.zone+" at "+at, func(t *testing.T) {
			m := window(t, tt.every, tt.length, tt.zone)
			if got := m.Active(tt.at); got != tt.want {
				t.Errorf("Active(%s) = %v, want %v", tt.at.In(m.Location).Format("Mon 2006-01-02 15:04 MST"), got, tt.want)
			}
		})
	}
}

// TestExampleAlerts: the example uses every sender type and both forms of window.
func TestExampleAlerts(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) (string, bool) { return "token", k == "API_TOKEN" }
	cfg, err := config.Parse(data, "config.example.yaml", getenv, probe.Kinds())
	if err != nil {
		t.Fatalf("Parse(config.example.yaml) error:\n%v", err)
	}
	types := map[string]bool{}
	for _, a := range cfg.Alerts {
		types[a.Type] = true
	}
	for _, typ := range []string{config.SenderWebhook, config.SenderCommand, config.SenderAlertmanager, config.SenderTerminal} {
		if !types[typ] {
			t.Errorf("config.example.yaml has no %s alert", typ)
		}
	}
	forms := map[bool]bool{}
	for _, m := range cfg.Maintenance {
		forms[m.Every != ""] = true
	}
	if !forms[true] || !forms[false] {
		t.Errorf("config.example.yaml windows: recurring %v, one-off %v; want both", forms[true], forms[false])
	}
}
