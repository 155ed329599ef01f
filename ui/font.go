package ui

import "strings"

// bigFont is a 5-row font for the wallboard's state words and outage clocks, read from across
// a room: '#' is a filled cell. It holds what state words and durations are made of.
var bigFont = map[rune][5]string{
	'A': {".##.", "#..#", "####", "#..#", "#..#"},
	'D': {"###.", "#..#", "#..#", "#..#", "###."},
	'E': {"####", "#...", "###.", "#...", "####"},
	'G': {".###", "#...", "#.##", "#..#", ".###"},
	'I': {"###", ".#.", ".#.", ".#.", "###"},
	'K': {"#..#", "#.#.", "##..", "#.#.", "#..#"},
	'N': {"#..#", "##.#", "#.##", "#..#", "#..#"},
	'O': {".##.", "#..#", "#..#", "#..#", ".##."},
	'P': {"###.", "#..#", "###.", "#...", "#..."},
	'R': {"###.", "#..#", "###.", "#.#.", "#..#"},
	'S': {".###", "#...", ".##.", "...#", "###."},
	'U': {"#..#", "#..#", "#..#", "#..#", ".##."},
	'W': {"#...#", "#...#", "#.#.#", "##.##", "#...#"},
	'0': {".##.", "#..#", "#..#", "#..#", ".##."},
	'1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"###.", "...#", ".##.", "#...", "####"},
	'3': {"###.", "...#", ".##.", "...#", "###."},
	'4': {"#..#", "#..#", "####", "...#", "...#"},
	'5': {"####", "#...", "###.", "...#", "###."},
	'6': {".##.", "#...", "###.", "#..#", ".##."},
	'7': {"####", "...#", "..#.", ".#..", ".#.."},
	'8': {".##.", "#..#", ".##.", "#..#", ".##."},
	'9': {".##.", "#..#", ".###", "...#", ".##."},
	'h': {"#...", "#...", "###.", "#..#", "#..#"},
	'm': {".....", "####.", "#.#.#", "#.#.#", "#.#.#"},
	's': {"....", ".###", "##..", "..##", "###."},
	'd': {"...#", "...#", ".###", "#..#", ".###"},
	' ': {"..", "..", "..", "..", ".."},
}

// bigHeight is the height of the big font in rows.
const bigHeight = 5

// bigWidth is the width of s in the big font, in cells; -1 when the font lacks a character.
func bigWidth(s string) int {
	w := 0
	for k, r := range s {
		g, ok := bigFont[r]
		if !ok {
			return -1
		}
		if k > 0 {
			w++
		}
		w += len(g[0])
	}
	return w
}

// bigText draws s in the big font, a filled cell as block and an empty one as a space.
func bigText(s, block string) [bigHeight]string {
	var out [bigHeight]string
	var b [bigHeight]strings.Builder
	for k, r := range s {
		g := bigFont[r]
		for row := range bigHeight {
			if k > 0 {
				b[row].WriteByte(' ')
			}
			for _, c := range g[row] {
				if c == '#' {
					b[row].WriteString(block)
				} else {
					b[row].WriteByte(' ')
				}
			}
		}
	}
	for row := range out {
		out[row] = b[row].String()
	}
	return out
}
