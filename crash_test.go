package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// panicky is a model whose every method panics.
type panicky struct{}

func (panicky) Init() tea.Cmd                       { panic("init") }
func (panicky) Update(tea.Msg) (tea.Model, tea.Cmd) { panic("update") }
func (panicky) View() string                        { panic("view") }

func TestCrashModelRecovers(t *testing.T) {
	tests := []struct {
		name string
		call func(m crashModel)
		want string
	}{
		{"init", func(m crashModel) { m.Init() }, "panic: init"},
		{"update", func(m crashModel) { m.Update(tea.KeyMsg{}) }, "panic: update"},
		{"view", func(m crashModel) { m.View() }, "panic: view"},
		{"command", func(m crashModel) { m.guard.wrap(func() tea.Msg { panic("command") })() }, "panic: command"},
		{"command in a batch", func(m crashModel) {
			batch := m.guard.wrap(func() tea.Msg { return tea.BatchMsg{func() tea.Msg { panic("batched") }} })().(tea.BatchMsg)
			batch[0]()
		}, "panic: batched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := crashModel{Model: panicky{}, guard: &crashGuard{}, log: discardLog()}
			tt.call(m)
			reason, stack, ok := m.guard.report()
			if !ok || reason != tt.want || !strings.Contains(string(stack), "goroutine ") {
				t.Errorf("report() = %q, %d bytes of stack, %v; want %q with stacks", reason, len(stack), ok, tt.want)
			}
			// After a crash the model is not touched again.
			if next, cmd := m.Update(tea.KeyMsg{}); cmd != nil || m.View() != "" || next == nil {
				t.Errorf("Update after the crash = %v, %v; want the model back and no command", next, cmd)
			}
			if reason2, _, _ := m.guard.report(); reason2 != tt.want {
				t.Errorf("report() after a second panic = %q, want the first, %q", reason2, tt.want)
			}
		})
	}
}

func TestTestPanicOnlyWhenSet(t *testing.T) {
	m := crashModel{Model: idle{}, guard: &crashGuard{}, log: discardLog()}
	m.Update(tea.KeyMsg{})
	if _, _, crashed := m.guard.report(); crashed {
		t.Errorf("key press without %s crashed", testPanicEnv)
	}
	m.testPanic = true
	m.Update(tea.KeyMsg{})
	if reason, _, _ := m.guard.report(); !strings.Contains(reason, testPanicEnv) {
		t.Errorf("key press with %s: report() = %q, want the test panic", testPanicEnv, reason)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

type idle struct{}

func (idle) Init() tea.Cmd                         { return nil }
func (m idle) Update(tea.Msg) (tea.Model, tea.Cmd) { return m, nil }
func (idle) View() string                          { return "idle" }

func TestWriteCrashDump(t *testing.T) {
	now := time.Date(2026, 12, 1, 23, 4, 5, 0, time.UTC)
	state := t.TempDir()
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir on unix
	tests := []struct {
		name string
		env  map[string]string
		dir  string
	}{
		{"state dir", map[string]string{"XDG_STATE_HOME": state}, filepath.Join(state, "uptty")},
		{"home", map[string]string{"HOME": state + "/h"}, filepath.Join(state, "h", ".local", "state", "uptty")},
		{"state dir not writable", map[string]string{"XDG_STATE_HOME": blocked}, os.TempDir()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, err := writeCrashDump(envFrom(tt.env), now, "panic: boom", []byte("goroutine 1 [running]:\n"))
			if err != nil || filepath.Dir(path) != tt.dir {
				t.Fatalf("writeCrashDump = %q, %v; want a file in %s", path, err, tt.dir)
			}
			b, _ := os.ReadFile(path)
			for _, want := range []string{"uptty " + buildVersion(), "panic: boom", "goroutine 1"} {
				if !strings.Contains(string(b), want) {
					t.Errorf("dump lacks %q:\n%s", want, b)
				}
			}
			if fi, _ := os.Stat(path); os.PathSeparator == '/' && fi.Mode().Perm() != 0o600 {
				t.Errorf("dump mode = %v, want 0600", fi.Mode().Perm())
			}
			os.Remove(path) // the same second again must not collide with it
		})
	}
}
