package serve

import (
	"fmt"
	"testing"
)

// TestByServiceReadsAsAMap checks that a byService reads as a map by name through the reloads
// that lay it out again: a name a reload removes keeps its value, and finds it again when a
// later reload brings it back; a name no list has is kept too.
func TestByServiceReadsAsAMap(t *testing.T) {
	layouts := []map[string]int{
		{"a": 0, "b": 1, "c": 2},
		{"c": 0, "a": 1},         // b removed, c moved
		{"b": 0, "d": 1, "c": 2}, // b back, a removed, d new
		{},
	}
	var b byService[int]
	want := map[string]int{}
	for gen, index := range layouts {
		b.lay(index, uint64(gen))
		for _, name := range []string{"a", "b", "c", "d", "x"} {
			if got := b.get(name); got != want[name] {
				t.Errorf("layout %d: get(%q) = %d, want %d", gen, name, got, want[name])
			}
		}
		for name := range index {
			want[name] = want[name]*10 + gen + 1
			b.set(name, b.get(name)*10+gen+1)
		}
		want["x"]++
		b.set("x", b.get("x")+1)
		if got, wantLen := len(b.vals), len(index); got != wantLen {
			t.Errorf("layout %d: %d values in the slice, want %d", gen, got, wantLen)
		}
	}
	for name, v := range want {
		if got := b.get(name); got != v {
			t.Errorf("at the end: get(%q) = %d, want %d", name, got, v)
		}
	}
	// The last list is empty: every value is beside it.
	if got, wantOthers := fmt.Sprint(b.others), "map[a:12 b:13 c:123 d:3 x:4]"; got != wantOthers {
		t.Errorf("others = %s, want %s", got, wantOthers)
	}
}

// TestByServiceSameLayout checks that laying out by the generation it has changes nothing.
func TestByServiceSameLayout(t *testing.T) {
	var b byService[string]
	b.lay(map[string]int{"a": 0}, 7)
	b.set("a", "up")
	b.lay(map[string]int{}, 7)
	if got := b.get("a"); got != "up" {
		t.Errorf("get(a) after a lay of the same generation = %q, want up", got)
	}
}
