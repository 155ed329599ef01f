package main

import (
	tea "github.com/charmbracelet/bubbletea"
)

// earlyScreen is the live screen started as soon as the config is read: its first frame lists
// the services as the config has them, every one UNKNOWN, while the checkers are made and the
// history is opened (which reads every page of the file first, PRAGMA quick_check: it grows
// with the file). The screen's own model takes over when it is ready (use), as the statuses
// restored from history fill in after it.
type earlyScreen struct {
	program     *tea.Program
	closeScreen func() // gives the terminal back once the program has stopped
	done        chan struct{}
	err         error // what Run returned, once done is closed
}

// startEarly runs program (whose model is a crashModel around a startModel) on a goroutine of
// its own; closeScreen is newScreenProgram's.
func startEarly(program *tea.Program, closeScreen func()) *earlyScreen {
	e := &earlyScreen{program: program, closeScreen: closeScreen, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_, e.err = e.program.Run()
	}()
	return e
}

// stop ends the screen and gives the terminal back, so that an error found after the first
// frame is told on the terminal as before. It does nothing on a nil screen.
func (e *earlyScreen) stop() {
	if e == nil {
		return
	}
	e.program.Quit()
	<-e.done
	e.closeScreen()
}

// use hands the screen to the model it shows from now on, and waits for the program to end.
// A screen that ended already (quit with ctrl+c, or a panic) is not handed anything.
func (e *earlyScreen) use(model tea.Model) error {
	e.program.Send(useModel{model})
	<-e.done
	e.closeScreen()
	return e.err
}

// useModel is the message that puts the screen's own model in startModel's place.
type useModel struct{ model tea.Model }

// startModel shows the first frame: a static screen of the services, every one UNKNOWN. It runs
// no command of its own (no clock, no title: the model that takes over starts those), keeps the
// terminal's size, and keeps every other message (keys typed, the mouse) for the model that
// takes over, so that nothing typed at once is lost. ctrl+c quits at once.
type startModel struct {
	static tea.Model
	size   *tea.WindowSizeMsg
	kept   []tea.Msg
}

func (m startModel) Init() tea.Cmd { return nil }

func (m startModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case useModel:
		next, cmds := msg.model, []tea.Cmd{msg.model.Init()}
		if m.size != nil {
			var cmd tea.Cmd
			next, cmd = next.Update(*m.size)
			cmds = append(cmds, cmd)
		}
		for _, k := range m.kept {
			var cmd tea.Cmd
			next, cmd = next.Update(k)
			cmds = append(cmds, cmd)
		}
		return next, tea.Batch(cmds...)
	case tea.WindowSizeMsg:
		m.size = &msg
		m.static, _ = m.static.Update(msg)
		return m, nil
	case tea.KeyMsg:
		if msg.Type == tea.KeyCtrlC {
			return m, tea.Quit
		}
	}
	m.kept = append(m.kept, msg)
	return m, nil
}

func (m startModel) View() string { return m.static.View() }
