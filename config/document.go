package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// decode parses the YAML into the root node of its one document.
func decode(data []byte, file string) (*yaml.Node, error) {
	if !utf8.Valid(data) {
		return nil, notUTF8(data, file)
	}
	docs, err := documents(data)
	if err != nil {
		return nil, syntaxError(data, file, err)
	}
	switch {
	case len(docs) == 0 || len(docs[0].Content) == 0:
		return nil, &Error{File: file, Line: 1, Column: 1, Msg: "the file is empty; it needs a services list"}
	case len(docs) > 1:
		return nil, &Error{File: file, Line: docs[1].Line, Column: docs[1].Column,
			Msg: "a second YAML document; a config is one document (remove the ---)"}
	}
	return docs[0].Content[0], nil
}

// notUTF8 is the error for a file that is not UTF-8 (Latin-1 from an old editor, UTF-16), at
// its first byte that is not: yaml.v3 says "invalid trailing UTF-8 octet", often a line or
// a few columns off.
func notUTF8(data []byte, file string) *Error {
	i := 0
	for i < len(data) {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	ends := lineEnds(data)
	line := bytes.Count(data[:i], []byte("\n")) + 1
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	return &Error{File: file, Line: line, Column: utf8.RuneCount(data[start:i]) + 1, Path: syntaxPath(data, ends, line),
		Msg: fmt.Sprintf("not UTF-8 (byte 0x%02x is not a character): save the file as UTF-8", data[i])}
}

// documents parses every document in data, stopping after the second since one is an error.
// yaml.v3 is not trusted to never panic on hostile input, so a panic becomes an error too.
func documents(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for len(docs) < 2 {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		docs = append(docs, &doc)
	}
	return docs, nil
}

// SyntaxError is err, the yaml.v3 error from parsing data (the file named file), as the
// loader reports one of a config: on the line that is wrong (yaml.v3's is often where the
// enclosing block began), with its column, the key there and a hint at the usual cause. For
// other YAML that uptty reads, such as the files `uptty import` converts.
func SyntaxError(data []byte, file string, err error) error { return syntaxError(data, file, err) }

// syntaxError turns a yaml.v3 syntax error into an Error on its line. yaml.v3 often names the
// line where the enclosing block began (or none, for the first line) rather than the line that
// is wrong, so the line is found again: the first one such that the file up to it fails with
// the same message. That takes a binary search of parses of the file's prefixes.
func syntaxError(data []byte, file string, err error) *Error {
	line, msg := splitYAMLError(err)
	ends := lineEnds(data)
	if k := sort.Search(len(ends), func(i int) bool {
		_, err := documents(data[:ends[i]])
		if err == nil {
			return false
		}
		_, m := splitYAMLError(err)
		return m == msg
	}); k < len(ends) {
		line = k + 1
	}
	line = max(line, 1)
	path := syntaxPath(data, ends, line)
	if col := tabIndent(data, ends, line); col > 0 && tabTrouble(msg) {
		return &Error{File: file, Line: line, Column: col, Path: path, Msg: "tabs are not allowed for indentation in YAML; use spaces"}
	}
	return &Error{File: file, Line: line, Column: syntaxColumn(data, ends, line, msg), Path: path,
		Msg: "invalid YAML: " + oneLine(msg) + syntaxHint(msg)}
}

// syntaxColumn finds the column of a syntax error on its line, which yaml.v3 does not say: the
// first character such that the file up to it fails with the same message (a binary search
// again, of the line's prefixes). For a flow list or mapping left open, that is somewhere
// inside it, so its bracket is named instead. It is 0 when no prefix of the line fails so.
func syntaxColumn(data []byte, ends []int, line int, msg string) int {
	if line > len(ends) {
		return 0
	}
	start := 0
	if line > 1 {
		start = ends[line-2]
	}
	n := ends[line-1] - start
	k := sort.Search(n, func(i int) bool {
		_, err := documents(data[:start+i+1])
		if err == nil {
			return false
		}
		_, m := splitYAMLError(err)
		return m == msg
	})
	if k == n {
		return 0
	}
	if strings.HasPrefix(msg, "did not find expected ',' or ") {
		k = openBracket(data[start:start+k], k)
	}
	// Columns count characters, as yaml.v3's own do.
	return utf8.RuneCount(data[start:start+k]) + 1
}

// openBracket returns the offset in line of the last [ or { that is still open there, outside
// quotes, or def when there is none.
func openBracket(line []byte, def int) int {
	var open []int
	var quote byte
	for i, c := range line {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			open = append(open, i)
		case (c == ']' || c == '}') && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	if len(open) == 0 {
		return def
	}
	return open[len(open)-1]
}

// syntaxHint says what usually causes one of yaml.v3's terser messages, or "".
func syntaxHint(msg string) string {
	switch {
	case msg == "did not find expected '-' indicator":
		return " (check this line's indentation against the lines above)"
	case msg == "did not find expected key":
		return " (check the indentation, or text after a closing quote)"
	case msg == "mapping values are not allowed in this context":
		return " (a second \": \" on the line: quote the value, or check the indentation)"
	case strings.HasPrefix(msg, "did not find expected ',' or "):
		return " (a [ or { left open, or a value in one that needs quotes: , [ ] { } :)"
	case msg == "did not find expected node content":
		return " (a value is missing: a [ or { never closed, a ] or } that closes nothing, or a comma too many)"
	case msg == "found unexpected end of stream":
		return " (a quote opened here is never closed)"
	}
	return ""
}

// tabTrouble reports whether a yaml.v3 message is one a tab in the indentation causes: the
// scanner rarely says "tab", and a tab-indented line mostly reads as a character that cannot
// start a token.
func tabTrouble(msg string) bool {
	switch msg {
	case "found character that cannot start any token",
		"found a tab character that violates indentation",
		"found a tab character where an indentation space is expected":
		return true
	}
	return false
}

// tabIndent returns the 1-based column of the first tab in the indentation of the given
// 1-based line, or 0 when that indentation holds none.
func tabIndent(data []byte, ends []int, line int) int {
	if line > len(ends) {
		return 0
	}
	start := 0
	if line > 1 {
		start = ends[line-2]
	}
	for i, c := range data[start:ends[line-1]] {
		switch c {
		case '\t':
			return i + 1
		case ' ':
		default:
			return 0
		}
	}
	return 0
}

// splitYAMLError splits "yaml: line 3: did not find expected key" into 3 and the message;
// the line is 0 when there is none.
func splitYAMLError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				return n, text
			}
		}
	}
	return 0, msg
}

// lineEnds returns the offset just past each line of data (the last may lack its newline).
func lineEnds(data []byte) []int {
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	return ends
}
