package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkView1000Filtered draws the list of 1,000 services at 200x60 with a filter that
// keeps 100 of them (its name matches highlighted): compare with BenchmarkView1000.
func BenchmarkView1000Filtered(b *testing.B) {
	m := press(bigModel(b), "/", "0", "0", "enter")
	if m.nShown == 0 || m.nShown == len(m.services) {
		b.Fatalf("the filter shows %d of %d services", m.nShown, len(m.services))
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(m.draw())
	}
	b.ReportMetric(float64(n), "bytes/frame")
}

// BenchmarkView1000Collapsed draws the 50 groups of 1,000 services collapsed.
func BenchmarkView1000Collapsed(b *testing.B) {
	m := press(bigModel(b), "z")
	b.ReportAllocs()
	for b.Loop() {
		_ = m.draw()
	}
}

// BenchmarkFilterKey1000 is one key typed into the filter with 1,000 services: the rows are
// laid out again and the next frame drawn.
func BenchmarkFilterKey1000(b *testing.B) {
	m := press(bigModel(b), "/", "s", "e", "r")
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("1")}, {Type: tea.KeyBackspace}}
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		next, _ := m.Update(keys[k%2])
		m = next.(Model)
		_ = m.View()
		k++
	}
}
