package verify

import (
	"strings"

	"github.com/blueprint-dev/blueprint/internal/escape"
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

// escapeControl makes s safe to print on a terminal: every control and
// format character other than newline and tab is written as a \u escape
// (internal/escape.Hidden), line by line, so that output keeps its shape.
func escapeControl(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		cells := strings.Split(l, "\t")
		for j, c := range cells {
			cells[j] = escape.Hidden(c)
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}
