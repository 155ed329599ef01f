package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	xterm "github.com/charmbracelet/x/term"

	"github.com/uptty/uptty/text"
)

// exitCrash is the live monitor stopping on a panic or on a dump signal (SIGQUIT, SIGABRT),
// after it restored the terminal, closed the history and wrote a crash dump.
const exitCrash = 3

// testPanicEnv, set to 1, makes the live monitor panic on the first key press. It exists only
// so that the end-to-end tests can check what a panic leaves behind.
const testPanicEnv = "UPTTY_TEST_PANIC"

// resetTerminal undoes what the live monitor's screen turns on: bracketed paste, mouse
// reporting, focus reporting, the alternate screen and the hidden cursor.
const resetTerminal = "\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?1049l\x1b[?25h"

// crashGuard turns a panic in the UI, or a dump signal, into a clean stop: the program is
// killed (Bubble Tea then restores the terminal), and runMonitor closes the history and writes
// the dump. The first crash wins; later ones are part of its aftermath.
type crashGuard struct {
	mu      sync.Mutex
	program *tea.Program
	reason  string // "signal SIGQUIT" or "panic: <value>"
	stack   []byte
}

// crashed records a crash and stops the program; it reports whether this was the first.
func (g *crashGuard) crashed(reason string, stack []byte) bool {
	g.mu.Lock()
	first := g.reason == ""
	if first {
		g.reason, g.stack = reason, stack
	}
	p := g.program
	g.mu.Unlock()
	if first && p != nil {
		p.Kill()
	}
	return first
}

// panicked records the panic value r with the stack of the goroutine that panicked, then
// every goroutine's.
func (g *crashGuard) panicked(r any) {
	stack := append(debug.Stack(), "\nall goroutines:\n\n"...)
	g.crashed(fmt.Sprintf("panic: %v", r), append(stack, allStacks()...))
}

// report returns the crash, if there was one.
func (g *crashGuard) report() (reason string, stack []byte, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reason, g.stack, g.reason != ""
}

// wrap makes cmd, which Bubble Tea runs on a goroutine of its own, report a panic to g
// instead of printing it over the screen; a batch's commands are wrapped as they come out.
func (g *crashGuard) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				g.panicked(r)
				msg = nil
			}
		}()
		msg = cmd()
		if batch, ok := msg.(tea.BatchMsg); ok {
			for i := range batch {
				batch[i] = g.wrap(batch[i])
			}
		}
		return msg
	}
}

// crashModel runs the UI's model under a crashGuard: a panic in Init, Update, View or a
// command stops the program cleanly, and the model is not touched again.
type crashModel struct {
	tea.Model
	guard     *crashGuard
	log       *slog.Logger // the debug log
	testPanic bool         // testPanicEnv is set
}

func (m crashModel) Init() (cmd tea.Cmd) {
	defer m.recover(&cmd)
	return m.guard.wrap(m.Model.Init())
}

func (m crashModel) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer m.recover(&cmd)
	if _, _, down := m.guard.report(); down {
		return m, nil
	}
	if _, key := msg.(tea.KeyMsg); key && m.testPanic {
		panic(testPanicEnv + " is set: panic on a key press")
	}
	logMsg(m.log, msg)
	next, cmd := m.Model.Update(msg)
	m.Model = next
	return m, m.guard.wrap(cmd)
}

func (m crashModel) View() (view string) {
	defer func() {
		if r := recover(); r != nil {
			m.guard.panicked(r)
			view = ""
		}
	}()
	if _, _, down := m.guard.report(); down {
		return ""
	}
	return m.Model.View()
}

// recover reports a panic to the guard and leaves no command to run.
func (m crashModel) recover(cmd *tea.Cmd) {
	if r := recover(); r != nil {
		m.guard.panicked(r)
		*cmd = nil
	}
}

// allStacks is every goroutine's stack, as the runtime prints them on SIGQUIT.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// savedTerminal is the terminal's mode before the live monitor made it raw.
type savedTerminal struct {
	fd    uintptr
	state *xterm.State
}

// saveTerminal remembers stdin's terminal mode; it remembers nothing when stdin is no terminal.
func saveTerminal() savedTerminal {
	fd := os.Stdin.Fd()
	state, err := xterm.GetState(fd)
	if err != nil {
		return savedTerminal{}
	}
	return savedTerminal{fd: fd, state: state}
}

// restore puts the terminal back as it was, for when Bubble Tea could not: the modes it set,
// and cooked input with echo.
func (t savedTerminal) restore(out io.Writer) {
	fmt.Fprint(out, resetTerminal)
	if t.state != nil {
		_ = xterm.Restore(t.fd, t.state)
	}
}

// writeCrashDump writes the dump to crash-<time>.txt in uptty's state directory, or in the
// temporary directory when that cannot be written, and returns the file's path.
func writeCrashDump(getenv func(string) (string, bool), now time.Time, reason string, stack []byte) (string, error) {
	name := "crash-" + now.UTC().Format("20060102T150405.000Z") + ".txt"
	body := fmt.Sprintf("uptty %s crashed at %s\n%s\ngo %s %s/%s\n\n%s", buildVersion(),
		now.UTC().Format(time.RFC3339Nano), reason, runtime.Version(), runtime.GOOS, runtime.GOARCH, stack)
	var errs []error
	for _, dir := range []string{stateDir(getenv), os.TempDir()} {
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, name)
		err := os.MkdirAll(dir, 0o700)
		if err == nil {
			err = writeNew(path, []byte(body))
		}
		if err == nil {
			return path, nil
		}
		errs = append(errs, err)
	}
	return "", errors.Join(errs...)
}

// writeNew writes data to a new file at path that only its owner can read.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// stateDir is uptty's state directory: $XDG_STATE_HOME/uptty, or ~/.local/state/uptty.
func stateDir(getenv func(string) (string, bool)) string {
	if dir, ok := getenv("XDG_STATE_HOME"); ok && filepath.IsAbs(dir) {
		return filepath.Join(dir, "uptty")
	}
	if home, ok := getenv("HOME"); ok && home != "" {
		return filepath.Join(home, ".local", "state", "uptty")
	}
	return ""
}

// finishCrash writes the dump and says where it is; the history is closed by then.
func finishCrash(stderr io.Writer, getenv func(string) (string, bool), reason string, stack []byte) int {
	fmt.Fprintln(stderr, "uptty:", text.CleanText(reason, 200))
	path, err := writeCrashDump(getenv, time.Now(), reason, stack)
	if err != nil {
		fmt.Fprintln(stderr, "uptty: crash dump not written:", err)
		return exitCrash
	}
	fmt.Fprintln(stderr, "uptty: crash dump written to", path)
	return exitCrash
}
