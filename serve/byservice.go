package serve

// byService holds a value for each service, by name, in a slice laid out as the service list
// is: a map by name was 88 bytes of heap a service for the fan-out's standings and 48 for
// the logged states, a slice 72 and 32. A name the list does not have (a reload took it away,
// or a batch taken before a reload has it) keeps its value in a map beside the slice, so that
// it reads as the map it replaces: a service that one reload removes and a later one brings
// back finds its value again. It is not safe for concurrent use.
type byService[V any] struct {
	gen    uint64         // the generation of the service list vals is laid out by
	index  map[string]int // that list's positions by name (Server.byName, never changed in place)
	vals   []V
	others map[string]V
}

// lay lays the values out by the service list of generation gen, whose positions by name are
// index, if they are not already.
func (b *byService[V]) lay(index map[string]int, gen uint64) {
	if b.index != nil && b.gen == gen {
		return
	}
	vals := make([]V, len(index))
	for name, i := range index {
		if j, ok := b.index[name]; ok {
			vals[i] = b.vals[j]
		} else if v, ok := b.others[name]; ok {
			vals[i] = v
			delete(b.others, name)
		}
	}
	for name, j := range b.index {
		if _, ok := index[name]; !ok {
			b.setOther(name, b.vals[j])
		}
	}
	b.gen, b.index, b.vals = gen, index, vals
}

// get returns the value of the service named name, the zero value if it has none.
func (b *byService[V]) get(name string) V {
	if i, ok := b.index[name]; ok {
		return b.vals[i]
	}
	return b.others[name]
}

// set sets the value of the service named name.
func (b *byService[V]) set(name string, v V) {
	if i, ok := b.index[name]; ok {
		b.vals[i] = v
		return
	}
	b.setOther(name, v)
}

func (b *byService[V]) setOther(name string, v V) {
	if b.others == nil {
		b.others = map[string]V{}
	}
	b.others[name] = v
}
