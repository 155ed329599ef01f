package config

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// syntaxPath names the key on the line of a YAML syntax error, with the path the lines before
// it give it (they parse: the line is the first that fails): services[2].url for a quote left
// open in the third service's url. Where the line's indentation matches no key before it (an
// indentation mistake, often the error itself) it is the key alone; a line with no key
// (`foo` where `foo: …` was meant) has no path.
func syntaxPath(data []byte, ends []int, line int) string {
	if line < 1 || line > len(ends) {
		return ""
	}
	start := 0
	if line > 1 {
		start = ends[line-2]
	}
	text := strings.TrimRight(string(data[start:ends[line-1]]), "\r\n")
	lead := len(text) - len(strings.TrimLeft(text, " \t"))
	tabbed := strings.Contains(text[:lead], "\t")
	rest, col := text[lead:], lead+1
	item := false
	if after, ok := strings.CutPrefix(rest, "- "); ok {
		trimmed := strings.TrimLeft(after, " ")
		col += len(rest) - len(trimmed)
		rest, item = trimmed, true
	}
	key := lineKey(rest)
	if key == "" {
		return ""
	}
	docs, err := documents(data[:start])
	if err != nil || len(docs) != 1 || len(docs[0].Content) == 0 {
		return join("", key)
	}
	keys := blockKeys(docs[0].Content[0], "", nil)
	if len(keys) == 0 {
		return join("", key)
	}
	if tabbed {
		// Tabs have no column YAML agrees on: the line is taken for what it most likely
		// meant, under a key left without a value on the line before, or beside that key.
		last := keys[len(keys)-1]
		switch {
		case item:
			for _, k := range slices.Backward(keys) {
				if k.list >= 0 || k.empty {
					return join(index(k.path, max(k.list, 0)), key)
				}
			}
			return join("", key)
		case last.block && last.list < 0:
			return join(last.path, key)
		}
		col = last.col
	}
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		if k.col > col || (item && k.col == col) {
			continue // a key of a mapping deeper in, or of an item before this one
		}
		switch {
		case item && k.list >= 0:
			return join(index(k.path, k.list), key) // a new item of the list under k
		case item && k.empty:
			return join(index(k.path, 0), key)
		case !item && k.col == col:
			return join(k.parent, key)
		case !item && k.block && k.list < 0:
			return join(k.path, key)
		}
		break
	}
	return join("", key)
}

// lineKey returns the key a line of block YAML starts with (`url: …`, `url:`), unquoted, or ""
// when it starts with none.
func lineKey(s string) string {
	if s == "" || strings.ContainsRune("#[{&*!|>%@`", rune(s[0])) {
		return ""
	}
	if q := s[0]; q == '"' || q == '\'' {
		end := strings.IndexByte(s[1:], q)
		if end < 0 || !strings.HasPrefix(s[end+2:], ":") {
			return ""
		}
		return s[1 : end+1]
	}
	i := strings.Index(s, ":")
	if i <= 0 || (i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\t') {
		return ""
	}
	return strings.TrimRight(s[:i], " \t")
}

// blockKey is a key of a block mapping the lines before a syntax error hold.
type blockKey struct {
	path, parent string
	col          int  // the key's column, in characters
	block        bool // its value is not on its line: what follows, indented, is its value
	empty        bool // it has no value at all
	list         int  // how many items its value's block list has; -1 when it is not a list
}

// blockKeys appends the keys of the mappings under n, in file order, with their paths.
func blockKeys(n *yaml.Node, path string, keys []blockKey) []blockKey {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			bk := blockKey{path: p, parent: path, col: k.Column, list: -1,
				empty: isNull(v), block: isNull(v) || v.Line > k.Line}
			if v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 {
				bk.list = len(v.Content)
			}
			keys = blockKeys(v, p, append(keys, bk))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			keys = blockKeys(c, index(path, i), keys)
		}
	}
	return keys
}
