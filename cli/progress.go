package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/blueprint-dev/blueprint/internal/escape"
)

// progress shows which step of a long piece of work is running, on one
// line of standard error that each step rewrites: "[2/5] haproxy -c". It
// speaks only to a terminal, and not under -q: in a pipe, a file or a CI
// log the command's report stays the only output. Commands that take a
// while (verify's checks, a rehearsal's steps) make one with
// Streams.progress and call step before each unit of work and done at the
// end, whatever happened.
type progress struct {
	w        io.Writer // nil: silent
	total, n int
	width    int
	color    bool
	shown    bool
}

// progress returns a progress line for total steps (0 when not known in
// advance).
func (s Streams) progress(total int) *progress {
	p := &progress{total: total}
	if !s.quiet() && terminal(s.Err) != nil {
		p.w, p.width, p.color = s.Err, s.width(), s.color()
	}
	return p
}

// step announces the next step.
func (p *progress) step(format string, args ...any) {
	p.n++
	if p.w == nil {
		return
	}
	count := fmt.Sprintf("[%d/%d] ", p.n, p.total)
	if p.total <= 0 {
		count = fmt.Sprintf("[%d] ", p.n)
	}
	// One line: text that wrapped would not be rewritten by the next step.
	text := fitWidth(escape.Hidden(fmt.Sprintf(format, args...)), p.width-len(count)-1)
	fmt.Fprint(p.w, clearLine+style(p.color, ansiDim, count)+text)
	p.shown = true
}

// done clears the line, so that what the command prints next starts clean.
func (p *progress) done() {
	if p.w != nil && p.shown {
		fmt.Fprint(p.w, clearLine)
		p.shown = false
	}
}

// fitWidth cuts s to at most n characters, marking the cut with "…".
func fitWidth(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		if i == n-1 {
			break
		}
		b.WriteRune(r)
	}
	return b.String() + "…"
}
