package importer

import "strings"

// gatusEnv rewrites a Gatus text's environment references the way uptty writes them. Gatus
// expands $VAR and ${VAR} (os.ExpandEnv) and reads $$ as a literal $; uptty expands ${VAR} only
// and reads $$ as a literal $, so a literal $ before { or $ is doubled and every reference gets
// its braces. The value stays a reference: the secret is never written out.
func gatusEnv(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	literal := func(rest string) {
		if strings.HasPrefix(rest, "{") || strings.HasPrefix(rest, "$") {
			b.WriteString("$$")
		} else {
			b.WriteString("$")
		}
	}
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "$"):
			literal(s[i+2:])
			i += 2
		case strings.HasPrefix(rest, "{"):
			end := strings.IndexByte(rest, '}')
			if end > 1 && isName(rest[1:end]) {
				b.WriteString("${" + rest[1:end] + "}")
				i += end + 2
				continue
			}
			literal(rest)
			i++
		default:
			n := 0
			for n < len(rest) && isNameByte(rest[n], n == 0) {
				n++
			}
			if n == 0 {
				literal(rest)
				i++
				continue
			}
			b.WriteString("${" + rest[:n] + "}")
			i += n + 1
		}
	}
	return b.String()
}

// hasEnv reports whether a Gatus text takes a value from the environment.
func hasEnv(s string) bool {
	return strings.Contains(strings.ReplaceAll(gatusEnv(s), "$$", ""), "${")
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return s != ""
}

func isNameByte(c byte, first bool) bool {
	letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	return letter || (!first && c >= '0' && c <= '9')
}

// literal writes a text that has no environment references (Kuma has none) so that uptty reads
// it back as it is: a $ before { or $ is doubled.
func literal(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$') {
			b.WriteByte('$')
		}
	}
	return b.String()
}
