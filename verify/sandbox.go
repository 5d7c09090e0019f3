package verify

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// toolPath is the PATH of every program verify runs: the system's folders,
// never the caller's, whose PATH may name folders a tree could plant in.
const toolPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// minimalEnv is the whole environment of a program verify runs: none of the
// caller's variables (tokens, proxies, cloud credentials) reach it, so none
// can be echoed into the report or expanded by a config. home is the run's
// own temporary folder.
func minimalEnv(home string, extra ...string) []string {
	return append([]string{"PATH=" + toolPath, "HOME=" + home, "LANG=C"}, extra...)
}

// escapeControl makes s safe to print on a terminal: control characters
// other than newline and tab, DEL, C1 controls, the Unicode line separators
// and bytes that are not UTF-8 are written as Go escapes (\x1b, \u2028).
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && (isControl(r) || r == utf8.RuneError) }) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x80 && isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
