package cli

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// globalOptions are the root command's flags, which every command obeys.
type globalOptions struct {
	NoColor bool
	Quiet   bool
}

// terminal returns the file behind w when it is a terminal, else nil.
func terminal(w io.Writer) *os.File {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return f
}

// color reports whether what goes to standard error may be coloured: it
// is a terminal, and neither --no-color, NO_COLOR (any value, see
// no-color.org's convention) nor TERM=dumb asks for plain text.
func (s Streams) color() bool {
	if s.opts != nil && s.opts.NoColor {
		return false
	}
	if _, set := os.LookupEnv("NO_COLOR"); set || os.Getenv("TERM") == "dumb" {
		return false
	}
	return terminal(s.Err) != nil
}

// quiet reports whether -q asks for errors only.
func (s Streams) quiet() bool { return s.opts != nil && s.opts.Quiet }

// say prints a line of information on standard output, unless -q.
func (s Streams) say(format string, args ...any) {
	if !s.quiet() {
		fmt.Fprintf(s.Out, format+"\n", args...)
	}
}

// note prints a line of information on standard error, unless -q.
func (s Streams) note(format string, args ...any) {
	if !s.quiet() {
		fmt.Fprintf(s.Err, format+"\n", args...)
	}
}

// width is how wide diagnostics are wrapped: the terminal's width on a
// terminal (within reason), else 100 columns, so that files and CI logs
// read the same everywhere.
func (s Streams) width() int {
	if f := terminal(s.Err); f != nil {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return min(max(w, 40), 160)
		}
	}
	return 100
}

// ANSI styles, used only when Streams.color says so.
const (
	ansiReset     = "\x1b[0m"
	ansiBold      = "\x1b[1m"
	ansiDim       = "\x1b[2m"
	ansiUnderline = "\x1b[4m"
	ansiRed       = "\x1b[31m"
	ansiYellow    = "\x1b[33m"
	ansiGreen     = "\x1b[32m"
	clearLine     = "\r\x1b[K"
)

// style wraps text in an ANSI style when on is true.
func style(on bool, code, text string) string {
	if !on || text == "" {
		return text
	}
	return code + text + ansiReset
}
