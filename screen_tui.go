package main

import (
	"context"
	"os"
	"runtime"

	tea "github.com/charmbracelet/bubbletea"
	xterm "github.com/charmbracelet/x/term"

	"github.com/uptty/uptty/ui"
)

// newScreenProgram builds the program of a live screen on this process's terminal (the live
// monitor, attach). It is drawn by ui.Screen, which sleeps while nothing changes and writes
// only the cells that did; on Windows, whose console Bubble Tea sets up in its renderer's
// start, by Bubble Tea's renderer at ui.FrameRate. closeScreen gives the terminal back: call it
// when Run returned.
func newScreenProgram(ctx context.Context, model tea.Model, mouse bool) (p *tea.Program, closeScreen func()) {
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if runtime.GOOS == "windows" {
		opts = append(opts, tea.WithAltScreen(), tea.WithFPS(ui.FrameRate))
		if mouse {
			opts = append(opts, tea.WithMouseCellMotion())
		}
		return tea.NewProgram(model, opts...), func() {}
	}
	in, closeIn := os.Stdin, func() {}
	if !xterm.IsTerminal(in.Fd()) {
		// Keys come from the terminal even when stdin is not one, as Bubble Tea does it.
		if tty, err := os.Open("/dev/tty"); err == nil {
			in, closeIn = tty, func() { _ = tty.Close() }
			opts = append(opts, tea.WithInput(tty))
		}
	}
	screen := ui.NewScreen(ui.ScreenOptions{Out: os.Stdout, TTY: in, FPS: ui.FrameRate, Mouse: mouse})
	opts = append(opts, screen.ProgramOptions()...)
	return tea.NewProgram(screen.Model(model), opts...), func() { screen.Close(); closeIn() }
}

// WindowTitle is the UI's window title (ui.Titled), for the screen to write with the frame
// that shows the same counts.
func (m crashModel) WindowTitle() string {
	if t, ok := m.Model.(ui.Titled); ok {
		return t.WindowTitle()
	}
	return ""
}
