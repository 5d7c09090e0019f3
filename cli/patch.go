package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/blueprint-dev/blueprint/internal/escape"
)

// filePatch is one file's part of a git patch: created, deleted or changed.
type filePatch struct {
	path             string
	old, new         []byte
	inOld, inNew     bool
	oldMode, newMode fs.FileMode
	tooLarge         bool // shown as a note, not as lines
}

// write prints the file's part, git's way, so that git apply creates,
// deletes or changes the file, mode included. It reports whether a line
// had to be escaped, which the patch then no longer applies for.
func (f *filePatch) write(w io.Writer) (bool, error) {
	bw := bufio.NewWriter(w)
	a, b := gitQuote("a/"+f.path), gitQuote("b/"+f.path)
	fmt.Fprintf(bw, "diff --git %s %s\n", a, b)
	switch {
	case !f.inOld:
		fmt.Fprintf(bw, "new file mode %s\n", gitMode(f.newMode))
		a = "/dev/null"
	case !f.inNew:
		fmt.Fprintf(bw, "deleted file mode %s\n", gitMode(f.oldMode))
		b = "/dev/null"
	case gitMode(f.oldMode) != gitMode(f.newMode):
		fmt.Fprintf(bw, "old mode %s\nnew mode %s\n", gitMode(f.oldMode), gitMode(f.newMode))
	}
	escaped := false
	if !bytes.Equal(f.old, f.new) {
		fmt.Fprintf(bw, "--- %s\n+++ %s\n", a, b)
		escaped = writeHunks(bw, lines(f.old), lines(f.new))
	}
	return escaped, bw.Flush()
}

// lines splits text into lines that keep their "\n", so that a last line
// without one differs from the same line with one.
func lines(text []byte) []string {
	ls := strings.SplitAfter(string(text), "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

func writeHunks(w io.Writer, a, b []string) bool {
	escaped := false
	put := func(mark byte, line string) {
		text, ok := strings.CutSuffix(line, "\n")
		safe := escapeLine(text)
		escaped = escaped || safe != text
		fmt.Fprintf(w, "%c%s\n", mark, safe)
		if !ok {
			io.WriteString(w, "\\ No newline at end of file\n")
		}
	}
	for _, group := range difflib.NewMatcher(a, b).GetGroupedOpCodes(3) {
		first, last := group[0], group[len(group)-1]
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(first.I1, last.I2), hunkRange(first.J1, last.J2))
		for _, op := range group {
			switch op.Tag {
			case 'e':
				for _, l := range a[op.I1:op.I2] {
					put(' ', l)
				}
			default:
				for _, l := range a[op.I1:op.I2] {
					put('-', l)
				}
				for _, l := range b[op.J1:op.J2] {
					put('+', l)
				}
			}
		}
	}
	return escaped
}

// hunkRange is a unified diff's "start,length", 1-based; an empty range
// starts at the line before it.
func hunkRange(start, end int) string {
	n := end - start
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// escapeLine shows control and format characters (Unicode line separators
// and direction overrides among them) as \u escapes, tabs apart: a file in
// the folder must not drive the terminal that shows the diff.
func escapeLine(s string) string {
	parts := strings.Split(s, "\t")
	for i, p := range parts {
		parts[i] = escape.Hidden(p)
	}
	return strings.Join(parts, "\t")
}

// gitQuote writes a path as git does in a patch header: as it is if it
// holds nothing special, else in double quotes with C escapes, which git
// apply reads back.
func gitQuote(p string) string {
	special := false
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			special = true
			break
		}
	}
	if !special {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
