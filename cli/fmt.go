package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/internal/safefs"
	"github.com/blueprint-dev/blueprint/spec"
)

type fmtOptions struct {
	Paths     []string
	Check     bool
	Diff      bool
	Recursive bool
	Write     bool
	JSON      bool
}

func newFmtCommand(s Streams) *cobra.Command {
	o := &fmtOptions{}
	cmd := &cobra.Command{
		Use:   "fmt [PATH...]",
		Short: "Rewrite spec files in the canonical HCL style",
		Long: `fmt rewrites .hcl files in the canonical style, as terraform fmt does (HCL's
own formatter: indentation, spacing, aligned equals signs), and prints the name
of each file it changed. A PATH is a file or a folder (its *.hcl files;
--recursive: also those of its subfolders, except hidden ones); no PATH is the
current folder; "-" reads standard input and writes standard output.

A file that does not parse is reported with its errors and left alone. fmt
never writes through a symbolic link (a link given as PATH is refused, one met
in a folder is skipped) and replaces a file in one step, keeping its
permissions. Single-dash spellings (-check, -diff, -recursive) work too.

Exit code 0: done, or nothing to change; 1: a file does not parse; 2: usage;
3: a file cannot be read or written; 4: with --check, a file would change.`,
		Example: `  blueprint fmt                         # the .hcl files of this folder
  blueprint fmt -recursive .            # and of every subfolder
  blueprint fmt -check -diff blueprints # CI: fail (exit 4) and show what is not formatted`,
		ValidArgsFunction: completeSpecs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if len(o.Paths) == 0 {
				o.Paths = []string{"."}
			}
			return fmtRun(o, s)
		},
	}
	cmd.Flags().BoolVar(&o.Check, "check", false, "change nothing; exit 4 if a file is not formatted")
	cmd.Flags().BoolVar(&o.Diff, "diff", false, "print the changes as a unified diff")
	cmd.Flags().BoolVar(&o.Recursive, "recursive", false, "also format the files of subfolders")
	cmd.Flags().BoolVar(&o.Write, "write", true, "write the formatted files (false with --check)")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the files changed (or, with --check, to change) as JSON")
	return cmd
}

// fmtReport is fmt's --json output.
type fmtReport struct {
	// Changed are the files fmt changed, or with --check would change.
	Changed     []string         `json:"changed"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	// Diff is what --diff prints without --json.
	Diff string `json:"diff,omitempty"`
	jsonFailure
}

func fmtRun(o *fmtOptions, s Streams) error {
	if !o.JSON {
		return fmtInto(o, s, nil)
	}
	if slices.Contains(o.Paths, "-") {
		return &exitError{code: ExitUsage, err: errors.New("fmt - writes the formatted text on standard output, where --json would go: give one of them")}
	}
	rep := &fmtReport{Changed: []string{}, Diagnostics: []jsonDiagnostic{}}
	var diff strings.Builder
	// The report is the output: names and diffs go into it.
	quiet := Streams{In: s.In, Out: &diff, Err: s.Err, opts: &globalOptions{Quiet: true}}
	err := fmtInto(o, quiet, rep)
	rep.Diff = diff.String()
	return finishJSON(s.Out, rep, &rep.jsonFailure, err)
}

// fmtInto formats the files; with rep (--json), it records what changed
// and the diagnostics there instead of printing them.
func fmtInto(o *fmtOptions, s Streams, rep *fmtReport) error {
	var diags hcl.Diagnostics
	var failures []string
	files := map[string]*hcl.File{}
	changed := 0
	for _, arg := range o.Paths {
		if arg == "-" {
			c, d, err := fmtStdin(o, s)
			if err != nil {
				return err
			}
			diags = append(diags, d...)
			changed += c
			continue
		}
		paths, err := fmtFiles(arg, o.Recursive)
		if err != nil {
			failures = append(failures, err.Error())
			continue
		}
		for _, p := range paths {
			c, d, f, err := fmtFile(p, o, s)
			if f != nil {
				files[p] = f
			}
			diags = append(diags, d...)
			if err != nil {
				failures = append(failures, err.Error())
			}
			if c {
				changed++
				if rep != nil {
					rep.Changed = append(rep.Changed, p)
				}
			}
		}
	}
	if rep != nil {
		rep.Diagnostics = jsonDiagnostics(diags, files)
	} else if len(diags) > 0 {
		p := &diagPrinter{w: s.Err, files: files, width: s.width(), color: s.color()}
		if err := p.write(diags); err != nil {
			return &exitError{code: ExitFailure, err: err}
		}
	}
	switch {
	case len(failures) > 0:
		return &exitError{code: ExitFailure, err: errors.New(strings.Join(failures, "\n"))}
	case diags.HasErrors():
		return specError()
	case o.Check && changed > 0:
		return &exitError{code: ExitWouldChange, err: fmt.Errorf("%s not formatted; run blueprint fmt to format", count(changed, "file"))}
	}
	return nil
}

// fmtFiles lists the .hcl files a PATH stands for, in name order.
func fmtFiles(arg string, recursive bool) ([]string, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", safefs.Show(arg), errors.Unwrap(err))
	}
	if !fi.IsDir() {
		return []string{arg}, nil
	}
	var paths []string
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != arg && (!recursive || strings.HasPrefix(d.Name(), ".")):
			return filepath.SkipDir
		case d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".hcl"):
			paths = append(paths, p)
		}
		// Links and special files met in a folder are not formatted:
		// WalkDir does not follow them, and neither does fmt.
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", safefs.Show(arg), err)
	}
	slices.Sort(paths)
	return paths, nil
}

// fmtFile formats one file and reports whether it changed (or, with
// --check, would change).
func fmtFile(path string, o *fmtOptions, s Streams) (bool, hcl.Diagnostics, *hcl.File, error) {
	src, err := safefs.ReadFile(path, spec.MaxFileSize)
	if err != nil {
		return false, nil, nil, fmt.Errorf("cannot read %s: %w", safefs.Show(path), err)
	}
	out, diags, f := formatHCL(src, path)
	if diags.HasErrors() || bytes.Equal(src, out) {
		return false, diags, f, nil
	}
	if o.Diff {
		if err := writeUnified(s.Out, path, src, out); err != nil {
			return true, nil, f, err
		}
	}
	if o.Check || !o.Write {
		if !o.Diff {
			s.say("%s", safefs.Show(path))
		}
		return true, nil, f, nil
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return true, nil, f, err
	}
	if err := safefs.WriteFile(path, out, fi.Mode().Perm(), true); err != nil {
		if errors.Is(err, safefs.ErrSymlink) {
			err = fmt.Errorf("%s is a symbolic link: fmt does not write through links; format the file it names", safefs.Show(path))
		}
		return true, nil, f, err
	}
	if !o.Diff {
		s.say("%s", safefs.Show(path))
	}
	return true, nil, f, nil
}

// fmtStdin formats standard input onto standard output.
func fmtStdin(o *fmtOptions, s Streams) (int, hcl.Diagnostics, error) {
	src, err := io.ReadAll(io.LimitReader(s.In, spec.MaxFileSize+1))
	if err != nil {
		return 0, nil, &exitError{code: ExitFailure, err: err}
	}
	if len(src) > spec.MaxFileSize {
		return 0, nil, &exitError{code: ExitFailure, err: fmt.Errorf("standard input holds more than %d bytes, the most a spec file may have", spec.MaxFileSize)}
	}
	out, diags, _ := formatHCL(src, "<stdin>")
	if diags.HasErrors() {
		return 0, diags, nil
	}
	changed := 0
	if !bytes.Equal(src, out) {
		changed = 1
	}
	switch {
	case o.Diff:
		err = writeUnified(s.Out, "<stdin>", src, out)
	case !o.Check:
		_, err = s.Out.Write(out)
	}
	if err != nil {
		return 0, nil, &exitError{code: ExitFailure, err: err}
	}
	return changed, nil, nil
}

// formatHCL returns src in the canonical style, or src itself with the
// syntax errors that keep it from being formatted safely.
func formatHCL(src []byte, name string) ([]byte, hcl.Diagnostics, *hcl.File) {
	f, diags := hclparse.NewParser().ParseHCL(src, name)
	if diags.HasErrors() {
		return src, diags, f
	}
	return hclwrite.Format(src), nil, f
}

// writeUnified prints the change to one file as a unified diff.
func writeUnified(w io.Writer, path string, old, new []byte) error {
	name := filepath.ToSlash(path)
	return difflib.WriteUnifiedDiff(w, difflib.UnifiedDiff{
		A:        difflib.SplitLines(string(old)),
		B:        difflib.SplitLines(string(new)),
		FromFile: "a/" + safefs.Show(name),
		ToFile:   "b/" + safefs.Show(name),
		Context:  3,
	})
}
