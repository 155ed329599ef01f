package alert

import (
	"context"
	"io"
	"strings"
	"sync"

	"github.com/uptty/uptty/text"
)

// Notify picks which signals the Terminal sender writes.
type Notify uint8

// The terminal's signals; they combine with |.
const (
	// NotifyBell is BEL: the terminal's bell, and tmux's bell-action.
	NotifyBell Notify = 1 << iota
	// NotifyOSC9 is OSC 9, a desktop notification (iTerm2, WezTerm, Ghostty, Windows Terminal,
	// kitty).
	NotifyOSC9
	// NotifyOSC777 is OSC 777 notify (urxvt, foot, Ghostty, WezTerm, VTE-based terminals).
	NotifyOSC777
	// NotifyAll is every signal: the default.
	NotifyAll = NotifyBell | NotifyOSC9 | NotifyOSC777
)

// notifyMax bounds the notification text: desktop notifications show a line or two.
const notifyMax = 200

// Terminal rings the bell and raises a desktop notification through the terminal uptty runs
// in. A terminal that knows both OSC 9 and OSC 777 may show two notifications; Signals can
// narrow it to one.
type Terminal struct {
	// ID names the sender; "" is "terminal".
	ID string
	// W is the terminal. Each alert is one Write, so it does not interleave with other whole
	// writes to W.
	W io.Writer
	// Tmux wraps the OSC sequences in tmux's passthrough (tmux needs allow-passthrough on), for
	// a uptty running inside tmux ($TMUX set).
	Tmux bool
	// Signals picks what to write; 0 is NotifyAll.
	Signals Notify

	mu sync.Mutex
}

// Name returns the sender's name.
func (t *Terminal) Name() string {
	if t.ID == "" {
		return "terminal"
	}
	return t.ID
}

// Send writes the bell and notifications for one alert.
func (t *Terminal) Send(_ context.Context, a Alert) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := io.WriteString(t.W, t.Sequence(a)); err != nil {
		return &sendError{msg: "terminal: " + text.CleanText(err.Error(), reasonMax)}
	}
	return nil
}

// Sequence is the exact bytes Send writes for a.
func (t *Terminal) Sequence(a Alert) string {
	sig := t.Signals
	if sig == 0 {
		sig = NotifyAll
	}
	body := oscText(a.Text())
	var b strings.Builder
	if sig&NotifyBell != 0 {
		b.WriteByte('\a')
	}
	if sig&NotifyOSC9 != 0 {
		b.WriteString(t.wrap("\x1b]9;" + body + "\a"))
	}
	if sig&NotifyOSC777 != 0 {
		b.WriteString(t.wrap("\x1b]777;notify;uptty;" + body + "\a"))
	}
	return b.String()
}

// wrap puts one sequence in tmux's passthrough, which wants every ESC inside doubled.
func (t *Terminal) wrap(seq string) string {
	if !t.Tmux {
		return seq
	}
	return "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
}

// oscText makes s safe inside an OSC string: no control bytes (CleanText), and no ';', which
// OSC 777 reads as a field separator and ConEmu's OSC 9 as a subcommand ("9;4;..." is a
// progress bar).
func oscText(s string) string {
	return strings.ReplaceAll(text.CleanText(s, notifyMax), ";", ",")
}
