package metricstest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Prometheus is a real Prometheus (Debian's prometheus package) on loopback, for a test.
type Prometheus struct {
	// Addr is its HOST:PORT.
	Addr string

	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	log    strings.Builder
}

// Sample is one series of an instant query's answer.
type Sample struct {
	Metric map[string]string
	Value  float64
}

// StartPrometheus starts Prometheus scraping and evaluating every second, with scrapeConfigs
// as the YAML list under scrape_configs. It stops when the test ends. Without prometheus it
// skips the test, except under CI (CI=true), which installs it.
func StartPrometheus(t testing.TB, scrapeConfigs string) *Prometheus {
	t.Helper()
	return StartPrometheusRules(t, scrapeConfigs, "")
}

// StartPrometheusRules is StartPrometheus with a rules file: rules is its YAML ("" for none).
func StartPrometheusRules(t testing.TB, scrapeConfigs, rules string) *Prometheus {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus not found; CI installs the prometheus package")
		}
		t.Skip("prometheus not found (apt-get install prometheus)")
	}
	dir := t.TempDir()
	// Prometheus says nothing of the port it took for :0: a free port, taken just before.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := filepath.Join(dir, "prometheus.yml")
	body := "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\nscrape_configs:\n" + scrapeConfigs
	if rules != "" {
		file := filepath.Join(dir, "rules.yml")
		if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
			t.Fatal(err)
		}
		body += "rule_files: [" + strconv.Quote(file) + "]\n"
	}
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Prometheus{Addr: addr, cancel: cancel, done: make(chan struct{})}
	cmd := exec.CommandContext(ctx, bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = p, p
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(p.Stop)
	return p
}

// Write keeps Prometheus's log, for failure messages.
func (p *Prometheus) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Write(b)
}

// Log is what Prometheus has logged.
func (p *Prometheus) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Stop stops Prometheus and waits until it has exited; it may be called more than once.
func (p *Prometheus) Stop() {
	p.cancel()
	<-p.done
}

// Query runs an instant query.
func (p *Prometheus) Query(q string) ([]Sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.Addr+"/api/v1/query?query="+url.QueryEscape(q), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var doc struct {
		Status, Error string
		Data          struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		return nil, err
	}
	if doc.Status != "success" {
		return nil, fmt.Errorf("%s: %s", q, doc.Error)
	}
	out := make([]Sample, 0, len(doc.Data.Result))
	for _, r := range doc.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: value %v", q, r.Value[1])
		}
		out = append(out, Sample{Metric: r.Metric, Value: v})
	}
	return out, nil
}

// WaitFor asks q a few times a second until ok accepts the answer, failing the test after
// limit with the last answer and Prometheus's log: Prometheus signals no sample's arrival.
func (p *Prometheus) WaitFor(t testing.TB, what, q string, limit time.Duration, ok func([]Sample) bool) []Sample {
	t.Helper()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	var last []Sample
	var lastErr error
	for {
		select {
		case <-deadline:
			t.Fatalf("Prometheus: no %s after %s: %s = %v (%v); its log:\n%s", what, limit, q, last, lastErr, p.Log())
		case <-tick.C:
		}
		last, lastErr = p.Query(q)
		if lastErr == nil && ok(last) {
			return last
		}
	}
}
