package config

import (
	"errors"
	"path/filepath"
	"strings"
)

// expand replaces each ${NAME} in s with the variable's value and each $$ with $. A $ before
// anything else stays as written, so a regular expression such as `ok$` needs no escaping.
// Values are inserted as they are, never expanded again. It returns one message per problem.
func expand(s string, getenv func(string) (string, bool)) (string, []string) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var problems []string
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				problems = append(problems, "unclosed ${ (write $$ for a literal $)")
				return s, problems
			}
			name := s[i+2 : i+2+end]
			i += end + 3
			if !isVarName(name) {
				problems = append(problems, quote("${"+name+"}")+
					" is not a variable reference: only ${NAME} is supported (write $$ for a literal $)")
				continue
			}
			v, ok := getenv(name)
			if !ok {
				problems = append(problems, "environment variable "+name+" is not set")
				continue
			}
			b.WriteString(v)
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String(), problems
}

// isVarName reports whether s is a shell-style variable name: a letter or _, then letters,
// digits and _.
func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// DefaultHistoryPath is where history lives when the config does not say:
// $XDG_STATE_HOME/uptty/history.db, else ~/.local/state/uptty/history.db, else "" (in memory)
// when neither variable is usable.
func DefaultHistoryPath(getenv func(string) (string, bool)) string {
	if dir, ok := getenv("XDG_STATE_HOME"); ok && filepath.IsAbs(dir) {
		return filepath.Join(dir, "uptty", "history.db")
	}
	if home, ok := getenv("HOME"); ok && home != "" {
		return filepath.Join(home, ".local", "state", "uptty", "history.db")
	}
	return ""
}

// ExpandHome expands a leading ~/ (or a lone ~) of path from $HOME, as a shell would: a shell
// does so at the start of a word only, and --config=~/x.yaml or UPTTY_CONFIG=~/x.yaml reach
// uptty as written. Other paths come back as they are; ~user/ is an error.
func ExpandHome(path string, getenv func(string) (string, bool)) (string, error) {
	if !strings.HasPrefix(path, "~") {
		return path, nil
	}
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return "", errors.New("only ~/ is expanded, not ~user/")
	}
	home := ""
	if getenv != nil {
		home, _ = getenv("HOME")
	}
	if home == "" {
		return "", errors.New("~ needs $HOME, which is not set")
	}
	return filepath.Join(home, path[1:]), nil
}

// resolvePath expands a leading ~/ from $HOME and makes a relative path relative to dir, the
// config file's directory, so the file does not move with the working directory.
func resolvePath(p, dir string, getenv func(string) (string, bool)) (string, string) {
	if p == "" {
		return "", ""
	}
	if strings.HasPrefix(p, "~") {
		home, err := ExpandHome(p, getenv)
		if err != nil {
			return "", err.Error()
		}
		return home, ""
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p), ""
	}
	return filepath.Join(dir, p), ""
}
