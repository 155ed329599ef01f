package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/track"
)

// glyphs are the non-ASCII characters the UI draws. Under an East Asian locale, terminals draw
// "ambiguous width" characters (block elements, ellipsis, em dash, ×, arrows) two cells wide
// while every width library counts one, which shears every row; the wide set avoids them all.
type glyphs struct {
	bars     []string // sparkline levels, lowest first
	fail     string   // a failed check in a sparkline; one rune
	ellipsis string   // tail of truncated text
	none     string   // an empty value (no latency yet)
	arrow    string   // from -> to
	block    string   // one cell of a phase bar
	loading  string   // a pane waiting for its data
	sep      string   // between a group heading's counts
	open     string   // before an open group's name
	closed   string   // before a collapsed group's name
	// The wallboard's tile borders.
	boxTL, boxTR, boxBL, boxBR, boxH, boxV string

	// The detail chart: its y axis (a plain and a labelled row), the corner, the x axis (a
	// plain cell and a labelled time), and an outage on the x axis; a failure there is fail.
	yAxis, yTick, corner, xAxis, xTick, outage string
}

func glyphsFor(ambiguousWide bool) glyphs {
	return glyphsOf(ambiguousWide, false)
}

// glyphsOf is glyphsFor, or ASCII only when ascii is set: for the Linux console, serial
// terminals and locales that are not UTF-8, where anything else prints as garbage.
func glyphsOf(ambiguousWide, ascii bool) glyphs {
	if ascii {
		return glyphs{
			bars: []string{" ", ".", ":", "-", "=", "+", "*", "#"}, fail: "x", ellipsis: "~",
			none: "-", arrow: "->", block: "#", loading: "loading...",
			sep: ", ", open: "-", closed: "+",
			boxTL: "+", boxTR: "+", boxBL: "+", boxBR: "+", boxH: "-", boxV: "|",
			yAxis: "|", yTick: "+", corner: "+", xAxis: "-", xTick: "+", outage: "=",
		}
	}
	if ambiguousWide {
		// Braille is neutral width, so it is one cell everywhere.
		return glyphs{
			bars: []string{"⣀", "⣤", "⣶", "⣿"}, fail: "!", ellipsis: "~",
			none: "-", arrow: "->", block: "⣿", loading: "loading...",
			sep: ", ", open: "-", closed: "+",
			boxTL: "+", boxTR: "+", boxBL: "+", boxBR: "+", boxH: "-", boxV: "|",
			yAxis: "|", yTick: "+", corner: "+", xAxis: "-", xTick: "+", outage: "#",
		}
	}
	return glyphs{
		bars: []string{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}, fail: "×", ellipsis: "…",
		none: "—", arrow: "→", block: "█", loading: "loading…",
		sep: " · ", open: "▾", closed: "▸",
		boxTL: "╭", boxTR: "╮", boxBL: "╰", boxBR: "╯", boxH: "─", boxV: "│",
		yAxis: "│", yTick: "┤", corner: "└", xAxis: "─", xTick: "┬", outage: "━",
	}
}

// AmbiguousWideFromEnv reports whether the terminal likely draws East Asian ambiguous-width
// characters two cells wide: RUNEWIDTH_EASTASIAN decides when set to a boolean, else a ja, ko or
// zh locale in LC_ALL, LC_CTYPE or LANG (the first one set, as setlocale reads them).
func AmbiguousWideFromEnv(getenv func(string) string) bool {
	if v, err := strconv.ParseBool(getenv("RUNEWIDTH_EASTASIAN")); err == nil {
		return v
	}
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := strings.ToLower(getenv(k)); v != "" {
			return strings.HasPrefix(v, "ja") || strings.HasPrefix(v, "ko") || strings.HasPrefix(v, "zh")
		}
	}
	return false
}

// ASCIIFromEnv reports whether the terminal likely cannot draw anything but ASCII: TERM is
// the Linux console or a VT terminal (linux, vt100, vt220…), or the locale (LC_ALL, LC_CTYPE
// or LANG, the first one set) names a character set other than UTF-8 ("C", "POSIX" and
// "en_US.ISO-8859-1" do). No locale set at all says nothing, and is taken as UTF-8.
func ASCIIFromEnv(getenv func(string) string) bool {
	if t := strings.ToLower(getenv("TERM")); t == "linux" || strings.HasPrefix(t, "vt") {
		return true
	}
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := strings.ToLower(getenv(k)); v != "" {
			return !strings.Contains(v, "utf-8") && !strings.Contains(v, "utf8")
		}
	}
	return false
}

// ColorProfile corrects the colour profile termenv detected from the environment: termenv
// knows colour only from TERMs that say "color" or "ansi" and a few by name, so under GNU
// screen (TERM=screen), tmux set to TERM=tmux or screen, rxvt, PuTTY, Cygwin or Konsole, all
// with 8 colours or more, it detected none and the screen lost every colour. Those get 16
// colours, which every one of them draws; a profile termenv found, NO_COLOR and
// CLICOLOR=0 stand.
func ColorProfile(getenv func(string) string, detected termenv.Profile) termenv.Profile {
	if detected != termenv.Ascii || getenv("NO_COLOR") != "" || getenv("CLICOLOR") == "0" {
		return detected
	}
	term := strings.ToLower(getenv("TERM"))
	if strings.Contains(term, "mono") {
		return detected
	}
	for _, family := range []string{"screen", "tmux", "rxvt", "putty", "cygwin", "konsole", "eterm", "st"} {
		if term == family || strings.HasPrefix(term, family+"-") || strings.HasPrefix(term, family+".") {
			return termenv.ANSI
		}
	}
	return detected
}

// asciiOnly replaces, width for width, the non-ASCII characters other packages put into text
// the screen shows (the ellipsis of cut text, the mask of secrets), for the ASCII screen.
var asciiOnly = strings.NewReplacer("…", "~", "•", "*", "—", "-", "×", "x", "·", ".")

// palette holds a theme's colours as ANSI 256 indices: they degrade predictably to 16 colours,
// and a fixed theme never has to ask the terminal for its background (which can block for
// seconds on terminals that do not answer).
type palette struct {
	state                            [track.Paused + 1]lipgloss.Color
	dim, accent, selBg, spark        lipgloss.Color
	demoFg, demoBg, headingFg, errFg lipgloss.Color
}

func paletteFor(theme string) palette {
	if theme == "light" {
		return palette{
			state: [...]lipgloss.Color{
				track.Unknown: "244", track.Up: "28", track.Degraded: "166",
				track.Pending: "136", track.Down: "160", track.Paused: "244",
			},
			dim: "243", accent: "25", selBg: "254", spark: "31",
			demoFg: "231", demoBg: "166", headingFg: "25", errFg: "160",
		}
	}
	return palette{
		state: [...]lipgloss.Color{
			track.Unknown: "245", track.Up: "42", track.Degraded: "214",
			track.Pending: "220", track.Down: "203", track.Paused: "245",
		},
		dim: "244", accent: "75", selBg: "237", spark: "73",
		demoFg: "232", demoBg: "214", headingFg: "75", errFg: "203",
	}
}

// span is a style reduced to the escape codes around its text. Table rows are painted with
// spans: lipgloss's Render does far more work (borders, margins, tabs) than a one-line cell
// needs, and a screen of sparklines calls it thousands of times.
type span struct{ open, close string }

func spanOf(s lipgloss.Style) span {
	out := s.Render("x")
	i := strings.IndexByte(out, 'x')
	if i < 0 {
		return span{}
	}
	return span{open: out[:i], close: out[i+1:]}
}

// paint wraps text in the span's codes.
func (p span) paint(text string) string {
	if p.open == "" && p.close == "" || text == "" {
		return text
	}
	return p.open + text + p.close
}

// rowStyles style the cells of one table row; there is a set for plain rows and one with the
// selection background.
type rowStyles struct {
	state [track.Paused + 1]span
	base  span // gaps and plain cells
	name  span
	dim   span
	spark span
	fail  span
	down  span // an open outage in the outage column
	mark  span // the ">" of the selected row
	quiet span // MAINT and SILENCED
	match span // a name's characters the filter matched
}

// styles is every style the UI uses, built once from a renderer and theme; views only apply them.
type styles struct {
	g     glyphs
	ascii bool         // draw ASCII only (see glyphsOf)
	row   [2]rowStyles // [0] plain, [1] selected

	count    [track.Paused + 1]lipgloss.Style // header counts
	app      lipgloss.Style                   // the "uptty" in the header
	demo     lipgloss.Style
	clock    span // the header's clock: a span, as it is styled every second
	hint     lipgloss.Style
	err      lipgloss.Style
	colHead  lipgloss.Style // table column titles
	heading  lipgloss.Style // group headings
	footer   lipgloss.Style
	title    lipgloss.Style // detail and help titles
	section  lipgloss.Style // detail section titles
	label    lipgloss.Style
	key      lipgloss.Style // help: the keys
	phaseBar lipgloss.Style
	noSave   lipgloss.Style // the header's "history not saved"
	tab      lipgloss.Style // the selected chart window
	groupSep lipgloss.Style // between a group heading's counts
	// Group headings are painted with spans, like rows: a board of collapsed groups is
	// mostly headings.
	headSpan  span
	sepSpan   span
	countSpan [track.Paused + 1]span
	finding   lipgloss.Style // the header's filter, problems only and sort
	prompt    lipgloss.Style // the filter line while typing
	cursor    lipgloss.Style // the filter line's cursor
	// caret is what cursor paints: a blank in reverse video, or without any attribute (no
	// colour: NO_COLOR, a mono terminal) an underscore, which shows without one.
	caret string
}

func newStyles(r *lipgloss.Renderer, theme string, ambiguousWide, ascii bool) *styles {
	p := paletteFor(theme)
	s := &styles{g: glyphsOf(ambiguousWide, ascii), ascii: ascii}
	for sel := range s.row {
		base := r.NewStyle()
		if sel == 1 {
			base = base.Background(p.selBg)
		}
		// Names and plain text keep the terminal's own foreground: it suits its background.
		name := base
		if sel == 1 {
			name = name.Bold(true)
		}
		rs := rowStyles{
			base:  spanOf(base),
			name:  spanOf(name),
			dim:   spanOf(base.Foreground(p.dim)),
			spark: spanOf(base.Foreground(p.spark)),
			fail:  spanOf(base.Foreground(p.state[track.Down]).Bold(true)),
			down:  spanOf(base.Foreground(p.state[track.Down]).Bold(true)),
			mark:  spanOf(base.Foreground(p.accent).Bold(true)),
			quiet: spanOf(base.Foreground(p.accent)),
			match: spanOf(name.Foreground(p.accent).Bold(true).Underline(true)),
		}
		for st := range rs.state {
			rs.state[st] = spanOf(base.Foreground(p.state[st]).Bold(track.State(st) == track.Down))
		}
		s.row[sel] = rs
	}
	for st := range s.count {
		s.count[st] = r.NewStyle().Foreground(p.state[st]).Bold(true)
	}
	s.app = r.NewStyle().Foreground(p.accent).Bold(true)
	s.demo = r.NewStyle().Foreground(p.demoFg).Background(p.demoBg).Bold(true)
	s.clock = spanOf(r.NewStyle())
	s.hint = r.NewStyle().Foreground(p.dim).Italic(true)
	s.err = r.NewStyle().Foreground(p.errFg)
	s.colHead = r.NewStyle().Foreground(p.dim)
	s.heading = r.NewStyle().Foreground(p.headingFg).Bold(true)
	s.footer = r.NewStyle().Foreground(p.dim)
	s.title = r.NewStyle().Bold(true)
	s.section = r.NewStyle().Foreground(p.headingFg).Bold(true)
	s.label = r.NewStyle().Foreground(p.dim)
	s.key = r.NewStyle().Foreground(p.accent).Bold(true)
	s.phaseBar = r.NewStyle().Foreground(p.spark)
	s.noSave = r.NewStyle().Foreground(p.errFg).Bold(true)
	s.tab = r.NewStyle().Foreground(p.accent).Bold(true)
	s.groupSep = r.NewStyle().Foreground(p.dim)
	s.headSpan, s.sepSpan = spanOf(s.heading), spanOf(s.groupSep)
	for st := range s.countSpan {
		s.countSpan[st] = spanOf(s.count[st])
	}
	s.finding = r.NewStyle().Foreground(p.accent)
	s.prompt = r.NewStyle().Foreground(p.accent).Bold(true)
	s.cursor, s.caret = r.NewStyle().Reverse(true), " "
	if r.ColorProfile() == termenv.Ascii {
		s.caret = "_"
	}
	return s
}
