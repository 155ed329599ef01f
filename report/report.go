package report

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/text"
	"github.com/uptty/uptty/track"
)

// WriteCheckTable writes the `uptty check` table: STATE, NAME, LATENCY and REASON, aligned by
// display width so that wide names line up. color adds the 16 basic ANSI colours to the state
// words, which stay readable without them. st[i] is the status of services[i].
//
// terminal says w is a terminal that can move its cursor. Terminals disagree on how wide an
// emoji of several code points is (grapheme-aware ones draw 👍🏽 two cells, tmux 3.3 four,
// and ❤️ or 1️⃣ one), and no padding suits them all: on a terminal, after a name that is not
// plain ASCII, the cursor is put where LATENCY starts (CHA), so that what an on-call engineer
// scans down, the latency and the reason, stays in its column on any terminal; at worst the
// emoji loses its skin tone. A file or a pipe gets no escape sequences, padded by the
// grapheme-aware measure (the UI's): what reads it cannot be known, and `--json` is the form
// for programs.
//
// width is the terminal's width in cells, 0 for none (a file, a pipe): the name column then
// gives up cells, down to minNameW, so that each row's reason fits the line rather than being
// broken over two by the terminal; what the on-call engineer reads first is why.
func WriteCheckTable(w io.Writer, services []config.Service, st []track.Status, color, terminal bool, width int) error {
	r := lipgloss.NewRenderer(w)
	r.SetColorProfile(termenv.Ascii)
	if color {
		r.SetColorProfile(termenv.ANSI)
	}
	stateStyle, head := styles(r)

	// Names are cleaned by config, once, at load.
	names := make([]string, len(services))
	for i, s := range services {
		names[i] = s.Name
	}
	nameW := min(max(text.Widest(names), len("NAME")), maxNameW)
	reasons := make([]string, len(services))
	for i := range services {
		reasons[i] = reasonText(statusAt(st, i))
		if reasons[i] == "" && services[i].Brief.Insecure {
			reasons[i] = text.InsecureNote
		}
	}
	if fixed := stateW + 2 + 2 + latW + 2; width > 0 && fixed+nameW+text.Widest(reasons) > width {
		nameW = max(width-fixed-text.Widest(reasons), min(nameW, minNameW))
	}

	bw := bufio.NewWriter(w)
	line := func(state, stateText, name, lat, reason string) {
		rest := "  " + text.FitLeft(lat, latW, "") + "  " + reason
		nameText := text.Fit(name, nameW, text.Ellipsis)
		if terminal && !plainASCII(name) {
			// To where the latency's figure starts, over no blank: a name the terminal
			// draws wider keeps what of its tail fits in the gap.
			pad := len(rest) - len(strings.TrimLeft(rest, " "))
			nameText = strings.TrimRight(nameText, " ") + "\x1b[" + strconv.Itoa(stateW+2+nameW+pad+1) + "G"
			rest = rest[pad:]
		}
		l := stateText + strings.Repeat(" ", stateW-len(state)) + "  " + nameText + rest
		bw.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	line("STATE", head.Render("STATE"), head.Render(text.Fit("NAME", nameW, "")), head.Render("LATENCY"), head.Render("REASON"))
	for i := range services {
		s := statusAt(st, i)
		state := s.State
		if int(state) >= len(stateStyle) {
			state = track.Unknown
		}
		lat := "-"
		if !s.LastAt.IsZero() && s.LastOK { // as on the screen: a failed check has no latency worth reading
			lat = text.FormatLatency(s.LastLatency)
		}
		line(state.String(), stateStyle[state].Render(state.String()), names[i], lat, reasons[i])
	}
	return bw.Flush()
}

// CheckDoc is the `uptty check --json` document, as in the contract.
type CheckDoc struct {
	CheckedAt string         `json:"checked_at"`
	Services  []CheckService `json:"services"`
	Summary   Summary        `json:"summary"`
}

// CheckService is one service as `uptty check --json` shows it. `uptty serve` embeds it, so
// that its status document names and words a service exactly as check does.
type CheckService struct {
	Name      string  `json:"name"`
	Group     string  `json:"group"`
	URL       string  `json:"url"`
	State     string  `json:"state"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error"`
	// Maintenance is written, true, only while a maintenance window covers the service.
	Maintenance bool `json:"maintenance,omitempty"`
	// SilencedUntil is when the service's silence ends (RFC 3339, local zone, to the second),
	// written only while it is silenced.
	SilencedUntil *string `json:"silenced_until,omitempty"`
}

// SetMark adds a service's quiet marks: in a maintenance window, silenced until until (zero
// for not silenced).
func (c *CheckService) SetMark(maintenance bool, until time.Time) {
	c.Maintenance = maintenance
	c.SilencedUntil = nil
	if !until.IsZero() {
		c.SilencedUntil = new(until.Truncate(time.Second).Local().Format(time.RFC3339))
	}
}

// Summary counts the services in each state, as `uptty check --json` shows them. The contract
// names up, degraded and down; the other three states are counted too, after them, so that the
// counts add up to the number of services and a script need not count the list itself.
type Summary struct {
	Up       int `json:"up"`
	Degraded int `json:"degraded"`
	Down     int `json:"down"`
	Pending  int `json:"pending"`
	Paused   int `json:"paused"`
	Unknown  int `json:"unknown"`
}

// Count adds a service in state st to the summary.
func (s *Summary) Count(st track.State) {
	switch st {
	case track.Up:
		s.Up++
	case track.Degraded:
		s.Degraded++
	case track.Down:
		s.Down++
	case track.Pending:
		s.Pending++
	case track.Paused:
		s.Paused++
	default:
		s.Unknown++
	}
}

// CheckServiceOf is svc with status s as `uptty check --json` shows it: the lower-case state,
// latency in milliseconds to 0.1 and the error ("" when up); the URL in its display form, with
// no userinfo and its secrets masked.
func CheckServiceOf(svc config.Service, s track.Status) CheckService {
	return CheckService{
		Name:      svc.Name,
		Group:     svc.Group,
		URL:       svc.DisplayURL(),
		State:     s.State.Lower(),
		LatencyMS: math.Round(float64(s.LastLatency)/float64(100*time.Microsecond)) / 10,
		Error:     reasonText(s),
	}
}

// CheckDocOf is the `uptty check --json` document of services at checkedAt (written in RFC
// 3339, in its zone); st[i] is the status of services[i].
func CheckDocOf(checkedAt time.Time, services []config.Service, st []track.Status) CheckDoc {
	doc := CheckDoc{
		CheckedAt: checkedAt.Format(time.RFC3339),
		Services:  make([]CheckService, 0, len(services)),
	}
	for i, svc := range services {
		s := statusAt(st, i)
		doc.Services = append(doc.Services, CheckServiceOf(svc, s))
		doc.Summary.Count(s.State)
	}
	return doc
}

// WriteCheckJSON writes the `uptty check --json` document (see CheckDocOf), indented.
func WriteCheckJSON(w io.Writer, checkedAt time.Time, services []config.Service, st []track.Status) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(CheckDocOf(checkedAt, services, st))
}

// WriteCheckDoc writes a `uptty check --json` document as WriteCheckJSON does, for a caller
// that added to it (SetMark).
func WriteCheckDoc(w io.Writer, doc CheckDoc) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// reasonText is the one-line reason a service is not UP ("" when it is).
func reasonText(s track.Status) string {
	if s.State == track.Up {
		return ""
	}
	r := s.Reason
	if r == "" {
		switch s.State {
		case track.Unknown:
			r = "not checked"
		case track.Paused:
			r = "paused"
		}
	}
	// The probe runner masked and cleaned it.
	return r
}

func statusAt(st []track.Status, i int) track.Status {
	if i < len(st) {
		return st[i]
	}
	return track.Status{}
}

// reportStyles colour `uptty check` output with the 16 basic colours, which follow the user's
// own terminal palette on any background.
func styles(r *lipgloss.Renderer) (state [track.Paused + 1]lipgloss.Style, head lipgloss.Style) {
	colors := [...]lipgloss.Color{
		track.Unknown: "8", track.Up: "2", track.Degraded: "3",
		track.Pending: "3", track.Down: "1", track.Paused: "8",
	}
	for st := range state {
		state[st] = r.NewStyle().Foreground(colors[st]).Bold(track.State(st) == track.Down)
	}
	return state, r.NewStyle().Bold(true)
}

// The check table's fixed column widths.
const (
	stateW = 8 // "DEGRADED"
	// maxNameW is the widest a table's name column gets: past it a name is cut with "…", so
	// that one long name does not push every row's other columns off an 80-column terminal
	// (--json has names whole).
	maxNameW = 48
	// minNameW is the narrowest the name column gets on a narrow terminal, for the reasons.
	minNameW = 20
	latW     = 7 // "LATENCY"; values are at most 6 cells
)

// pinned is cell, the padded text of a column and its gap, for a table that ends at column
// next (from 0): on a terminal, a cell that is not plain ASCII ends in a cursor move to next
// instead of its blanks, so that the columns after an emoji stay where the header has them
// whatever width the terminal draws it at (see WriteCheckTable).
func pinned(cell string, next int, terminal bool) string {
	if !terminal || plainASCII(cell) {
		return cell
	}
	return strings.TrimRight(cell, " ") + "\x1b[" + strconv.Itoa(next+1) + "G"
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
