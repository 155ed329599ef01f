package main

import (
	"strings"
	"testing"
	"time"
)

// TestQuitAfterGrowInTmux: a pane that grew while uptty ran (tmux's zoom, a resized window)
// is left clean on quit. tmux resizes the alternate screen back to the main screen's size as
// it leaves it, and what was drawn past the old width came back on the shell's screen: a
// stale frame ("8 DOWN") above the prompt. The screen is cleared before it is left.
func TestQuitAfterGrowInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	// The shell stays, as a user's does: a pane whose shell exited shows nothing to compare.
	s := startTmux(t, 80, 24, []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + dir,
		"XDG_CONFIG_HOME=" + dir, "LANG=C.UTF-8"}, "sh", "-c", `"$0" --demo; echo "uptty exited $?"; sleep 60`, bin)
	s.waitFor("the demo", 15*time.Second, func(sc string) bool { return strings.Contains(sc, "Checkout API") })
	s.tmux("resize-window", "-t", s.name, "-x", "200", "-y", "60")
	wide := func(sc string) string {
		header := strings.SplitN(sc, "\n", 2)[0]
		if len([]rune(strings.TrimRight(header, " "))) > 150 { // the clock at the right edge
			return header
		}
		return ""
	}
	first := wide(s.waitFor("the frame at 200 columns", 15*time.Second, func(sc string) bool { return wide(sc) != "" }))
	s.waitFor("the clock to tick at 200 columns", 15*time.Second, func(sc string) bool {
		h := wide(sc)
		return h != "" && h != first
	})
	s.tmux("send-keys", "-t", s.name, "q")
	sc := s.waitFor("uptty to exit", 10*time.Second, func(sc string) bool { return strings.Contains(sc, "uptty exited") })
	if !strings.Contains(sc, "uptty exited 0") {
		t.Errorf("uptty's exit status after q is not 0:\n%s", sc)
	}
	if strings.Contains(sc, "DEMO") || strings.Contains(sc, "Checkout API") {
		t.Errorf("a frame was left on the shell's screen after quit:\n%s", sc)
	}
}
