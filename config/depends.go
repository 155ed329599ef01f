package config

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ref is a name one part of the config points at another by, kept with where it is written.
type ref struct {
	name string
	node *yaml.Node
	path string
}

// serviceRefs are the names a service points at (depends_on, alerts), checked once every
// service and alert is read.
type serviceRefs struct {
	dependsOn *field // the depends_on key, where a cycle through the service is reported
	deps      []ref
	alerts    []ref
}

// maxSuggestions bounds how many unknown names get a "did you mean": each compares the name
// with every candidate, which a config of 100,000 services makes slow.
const maxSuggestions = 20

// names reads a list of names (one name alone counts as a list of one), each listed once.
func (l *loader) names(fl field, want string) []ref {
	items, ok := l.words(fl, want)
	if !ok {
		return nil
	}
	out := make([]ref, 0, len(items))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		name, ok := l.label(it, false)
		if !ok {
			continue
		}
		if seen[name] {
			l.errorf(it.val, it.path, "%s is listed twice", quote(name))
			continue
		}
		seen[name] = true
		out = append(out, ref{name: name, node: it.val, path: it.path})
	}
	return out
}

// refNames returns the names of refs, never nil: an empty list written in the file is an
// empty list, not the default.
func refNames(refs []ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.name
	}
	return out
}

// links checks every name that services and maintenance windows point at, and that no
// service depends on itself, directly or through others.
func (l *loader) links(cfg *Config, svc []serviceRefs, windows []windowRefs) {
	byName := make(map[string]int, len(cfg.Services))
	var names, groups []string
	hasGroup := map[string]bool{}
	for i, s := range cfg.Services {
		if _, dup := byName[s.Name]; s.Name != "" && !dup {
			byName[s.Name] = i
			names = append(names, s.Name)
		}
		if s.Group != "" && !hasGroup[s.Group] {
			hasGroup[s.Group] = true
			groups = append(groups, s.Group)
		}
	}
	// Each name once: a duplicate is reported where it is written, not again in every list.
	var alertList []string
	isAlert := make(map[string]bool, len(cfg.Alerts))
	for _, a := range cfg.Alerts {
		if a.Name != "" && !isAlert[a.Name] {
			alertList = append(alertList, a.Name)
			isAlert[a.Name] = true
		}
	}

	edges := make([][]int, len(cfg.Services))
	for i, r := range svc {
		for _, d := range r.deps {
			j, ok := byName[d.name]
			switch {
			case !ok:
				l.unknownName(d, "service", names, l.serviceNames)
			case j == i || d.name == cfg.Services[i].Name:
				l.errorf(d.node, d.path, "a service cannot depend on itself")
			default:
				edges[i] = append(edges[i], j)
			}
		}
		for _, a := range r.alerts {
			if !isAlert[a.name] {
				l.unknownAlert(a, alertList)
			}
		}
	}
	if len(cfg.Services) == 0 {
		return // the services list failed to load, and says so: every name would be unknown
	}
	for _, w := range windows {
		for _, s := range w.services {
			if _, ok := byName[s.name]; !ok {
				l.unknownName(s, "service", names, l.serviceNames)
			}
		}
		for _, g := range w.groups {
			if !hasGroup[g.name] {
				l.unknownName(g, "group", groups, l.groupNames)
			}
		}
	}
	for _, cycle := range cycles(edges) {
		at := svc[cycle[0]].dependsOn
		path := make([]string, len(cycle)+1)
		for k, i := range cycle {
			path[k] = cfg.Services[i].Name
		}
		path[len(cycle)] = path[0]
		l.errorf(at.key, at.path, "dependency cycle: %s", cyclePath(path))
	}
}

// unknownName reports a service or group name that is not in the config, suggesting the one
// meant. A name written in the config that failed to load (and is reported there) is not
// reported again.
func (l *loader) unknownName(r ref, what string, known []string, written map[string]bool) {
	if written[r.name] {
		return
	}
	msg := "no service is named " + quote(r.name)
	if what == "group" {
		msg = "no service is in the group " + quote(r.name)
	}
	if l.suggested < maxSuggestions {
		l.suggested++
		if best := closest(r.name, known); best != "" {
			msg += "; did you mean " + quote(best) + "?"
		}
	}
	l.errorf(r.node, r.path, "%s", msg)
}

// unknownAlert reports a name that is not in the alerts list, saying which names are.
func (l *loader) unknownAlert(r ref, known []string) {
	if l.alertNames[r.name] {
		return
	}
	msg := "no alert is named " + quote(r.name)
	best := ""
	if l.suggested < maxSuggestions {
		l.suggested++
		best = closest(r.name, known)
	}
	switch {
	case len(known) == 0:
		msg += ": the config has no alerts list"
	case best != "":
		msg += "; did you mean " + quote(best) + "?"
	case len(known) <= 10:
		quoted := make([]string, len(known))
		for i, k := range known {
			quoted[i] = quote(k)
		}
		msg += "; the alerts are " + andList(quoted)
	}
	l.errorf(r.node, r.path, "%s", msg)
}

// cyclePath writes a cycle a → b → a, cutting long names and long cycles short so that the
// message stays one readable line.
func cyclePath(names []string) string {
	const most = 8
	short := make([]string, 0, most+1)
	for i, n := range names {
		if len(names) > most && i == most-3 {
			short = append(short, "…")
		}
		if len(names) > most && i >= most-3 && i < len(names)-3 {
			continue
		}
		if r := []rune(n); len(r) > 40 {
			n = string(r[:40]) + "…"
		}
		short = append(short, n)
	}
	s := strings.Join(short, " → ")
	if len(names) > most {
		s += " (" + strconv.Itoa(len(names)-1) + " services)"
	}
	return s
}

// cycles returns one cycle through each group of services that depend on each other (a
// strongly connected component of more than one), each starting at the service first in the
// file and taking the shortest way back to it, in file order of the first services.
func cycles(edges [][]int) [][]int {
	comp := components(edges)
	first := map[int]int{} // component → its first service
	size := map[int]int{}
	for i, c := range comp {
		if _, ok := first[c]; !ok {
			first[c] = i
		}
		size[c]++
	}
	var out [][]int
	for i, c := range comp {
		if first[c] != i || size[c] < 2 {
			continue
		}
		// Breadth first from i inside its component, back to i.
		prev := map[int]int{i: -1}
		queue := []int{i}
		end := -1
		for len(queue) > 0 && end < 0 {
			v := queue[0]
			queue = queue[1:]
			for _, w := range edges[v] {
				if comp[w] != c {
					continue
				}
				if w == i {
					end = v
					break
				}
				if _, seen := prev[w]; !seen {
					prev[w] = v
					queue = append(queue, w)
				}
			}
		}
		var cycle []int
		for v := end; v >= 0; v = prev[v] {
			cycle = append(cycle, v)
		}
		for a, b := 0, len(cycle)-1; a < b; a, b = a+1, b-1 {
			cycle[a], cycle[b] = cycle[b], cycle[a]
		}
		out = append(out, cycle)
	}
	return out
}

// components labels each node with its strongly connected component (Tarjan's algorithm,
// iterative: a chain of 100,000 dependencies must not need a deep stack).
func components(edges [][]int) []int {
	n := len(edges)
	const unvisited = -1
	index := make([]int, n)
	low := make([]int, n)
	comp := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i], comp[i] = unvisited, unvisited
	}
	var stack []int
	type frame struct{ v, next int }
	next, label := 0, 0
	for root := range n {
		if index[root] != unvisited {
			continue
		}
		calls := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			if f.next < len(edges[f.v]) {
				w := edges[f.v][f.next]
				f.next++
				switch {
				case index[w] == unvisited:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, 0})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				u := calls[len(calls)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = label
					if w == v {
						break
					}
				}
				label++
			}
		}
	}
	return comp
}
