package spec

import "github.com/hashicorp/hcl/v2"

// FileRange is the subject of a diagnostic about a file as a whole, such
// as a block the spec lacks, rather than about a place in it: it names the
// file and no line (line 0), so that no unrelated line, such as a comment
// at the top, is shown as the problem.
func FileRange(filename string) hcl.Range { return hcl.Range{Filename: filename} }

// IsFileRange reports whether r is a FileRange.
func IsFileRange(r hcl.Range) bool { return r.Filename != "" && r.Start.Line == 0 }
