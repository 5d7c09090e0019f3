package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/blueprint-dev/blueprint/spec"
)

// The schema and explain commands print spec.Reference: the blocks and
// attributes the model's struct tags decode, with the docs table beside
// them in package spec. The README's spec reference is schema's Markdown.

const formatMarkdown = "markdown"

type schemaOptions struct {
	Format string
}

func newSchemaCommand(s Streams) *cobra.Command {
	o := &schemaOptions{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print every block and attribute a spec may hold",
		Long: `schema prints the spec's schema: every block (its labels, whether it is
required or repeated) and every attribute (its type, whether it is required,
its default, the values it allows, and the release that introduced it), with
what each is for. It is read from the same Go definitions the loader decodes
with, so it is never out of date.

--format json (or --json) prints it as one JSON document for tools; --format
markdown prints the README's spec reference. blueprint explain NAME prints one
entry with an example.`,
		Example: `  blueprint schema
  blueprint schema --json | jq '.blocks[] | .type'
  blueprint schema --format markdown > spec-reference.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := formatFlag(cmd, asJSON, o.Format, formatText, formatJSON, formatMarkdown)
			if err != nil {
				return err
			}
			o.Format = f
			return schemaRun(o, s)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the schema as JSON (the same as --format json)")
	cmd.Flags().StringVar(&o.Format, "format", formatText, "output format: text, json or markdown")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{formatText, formatJSON, formatMarkdown}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// formatFlag reconciles --json with --format and checks the format is one
// of allowed; a conflict or an unknown format is a usage error.
func formatFlag(cmd *cobra.Command, asJSON bool, format string, allowed ...string) (string, error) {
	if asJSON {
		if cmd.Flags().Changed("format") && format != formatJSON {
			return "", &exitError{code: ExitUsage, err: fmt.Errorf("--json and --format %s ask for two formats: give one", format)}
		}
		format = formatJSON
	}
	if !slices.Contains(allowed, format) {
		return "", &exitError{code: ExitUsage, err: fmt.Errorf("--format %q: give %s", format, orList(allowed))}
	}
	return format, nil
}

func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func schemaRun(o *schemaOptions, s Streams) error {
	var err error
	switch o.Format {
	case formatJSON:
		return writeJSONTo(s.Out, schemaJSON())
	case formatMarkdown:
		_, err = io.WriteString(s.Out, SchemaMarkdown())
	default:
		_, err = io.WriteString(s.Out, schemaText())
	}
	if err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	return nil
}

// jsonSchema is schema --json's document.
type jsonSchema struct {
	// FirstRelease is the release of every entry whose introduced field
	// says so; blueprint has no tagged release yet.
	FirstRelease string       `json:"first_release"`
	Blocks       []*jsonBlock `json:"blocks"`
}

type jsonBlock struct {
	Type        string           `json:"type"`
	Path        string           `json:"path"`
	Labels      []string         `json:"labels"`
	Repeated    bool             `json:"repeated"`
	Required    bool             `json:"required"`
	Description string           `json:"description"`
	Introduced  string           `json:"introduced"`
	Attributes  []*jsonAttribute `json:"attributes"`
	Blocks      []*jsonBlock     `json:"blocks"`
}

type jsonAttribute struct {
	Name        string   `json:"name"`
	Path        string   `json:"path"`
	Type        string   `json:"type"`
	Required    bool     `json:"required"`
	Default     string   `json:"default,omitempty"`
	Allowed     []string `json:"allowed,omitempty"`
	Description string   `json:"description"`
	Introduced  string   `json:"introduced"`
}

func schemaJSON() jsonSchema {
	out := jsonSchema{FirstRelease: spec.FirstRelease, Blocks: []*jsonBlock{}}
	byPath := map[string]*jsonBlock{}
	for _, e := range spec.Reference() {
		parent, _ := splitPath(e.Path)
		if e.Block != nil {
			b := &jsonBlock{Type: e.Block.Type, Path: e.Path, Labels: nonNil(e.Block.Labels), Repeated: e.Block.Repeated,
				Required: e.Required, Description: e.Text, Introduced: e.IntroducedIn(),
				Attributes: []*jsonAttribute{}, Blocks: []*jsonBlock{}}
			byPath[e.Path] = b
			if p := byPath[parent]; p != nil {
				p.Blocks = append(p.Blocks, b)
			} else {
				out.Blocks = append(out.Blocks, b)
			}
			continue
		}
		byPath[parent].Attributes = append(byPath[parent].Attributes, &jsonAttribute{
			Name: e.Attribute.Name, Path: e.Path, Type: e.Attribute.Type, Required: e.Attribute.Required,
			Default: e.Default, Allowed: e.Allowed, Description: e.Text, Introduced: e.IntroducedIn()})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// splitPath returns the path of the block an entry belongs to ("" at the
// top level) and its own name.
func splitPath(p string) (string, string) {
	i := strings.LastIndex(p, ".")
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// occurs says how often a block may appear, in words.
func occurs(e spec.Entry) string {
	switch {
	case e.Block.Repeated && e.Single:
		return "at most one"
	case e.Block.Repeated && e.Required:
		return "at least one"
	case e.Block.Repeated:
		return "any number"
	case e.Required:
		return "required"
	}
	return "optional"
}

// heading is a block as it is written: etcd.backup, node_pool "NAME".
func heading(e spec.Entry) string {
	h := e.Path
	for _, l := range e.Block.Labels {
		h += fmt.Sprintf(" %q", strings.ToUpper(l))
	}
	return h
}

// need says whether an attribute must be set, or what leaving it out means.
func need(e spec.Entry) string {
	switch {
	case e.Attribute.Required:
		return "required"
	case e.Default != "":
		return "default " + e.Default
	}
	return "optional"
}

func since(e spec.Entry) string {
	if e.Introduced == "" {
		return ""
	}
	return " Since " + e.Introduced + "."
}

func allowedWords(e spec.Entry) string {
	if len(e.Allowed) == 0 {
		return ""
	}
	q := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		q[i] = fmt.Sprintf("%q", a)
	}
	return "One of " + orList(q) + "."
}

// schemaText is schema's plain-text listing: each block with its
// attributes, indented by depth.
func schemaText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Every block and attribute of a blueprint spec (all in release %s unless marked). blueprint explain NAME shows one, with an example.\n", spec.FirstRelease)
	for _, e := range spec.Reference() {
		depth := strings.Count(e.Path, ".")
		ind := strings.Repeat("  ", depth)
		if e.Block != nil {
			fmt.Fprintf(&b, "\n%s%s  (block, %s)%s\n", ind, heading(e), occurs(e), since(e))
			continue
		}
		_, name := splitPath(e.Path)
		line := fmt.Sprintf("%s  %s = %s, %s", ind[2:], name, e.Attribute.Type, strings.ReplaceAll(need(e), "`", ""))
		if len(e.Allowed) > 0 {
			line += ", one of " + strings.Join(e.Allowed, ", ")
		}
		fmt.Fprintln(&b, line+since(e))
	}
	return b.String()
}

// SchemaMarkdown is the README's spec reference: a section per block with
// a table of its attributes.
func SchemaMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Generated from the model's struct tags and `spec/docs.go` by `go test ./cli -run TestReadmeReference -update`; `blueprint schema` prints the same, `blueprint explain NAME` one entry with an example. Every entry is in release %s unless it says since when.\n", spec.FirstRelease)
	for _, e := range spec.Reference() {
		if e.Block == nil {
			continue
		}
		fmt.Fprintf(&b, "\n#### `%s` (%s)\n\n%s%s\n", heading(e), occurs(e), e.Text, since(e))
		var rows []string
		for _, a := range spec.Reference() {
			if parent, _ := splitPath(a.Path); a.Attribute == nil || parent != e.Path {
				continue
			}
			def := "required"
			switch {
			case !a.Attribute.Required && a.DefaultIsLiteral():
				def = "`" + a.Default + "`"
			case !a.Attribute.Required:
				def = a.Default
			}
			meaning := strings.TrimSpace(a.Text + " " + markdownAllowed(a) + since(a))
			rows = append(rows, fmt.Sprintf("| `%s` | %s | %s | %s |", a.Attribute.Name, a.Attribute.Type, cell(def), cell(meaning)))
		}
		if len(rows) > 0 {
			fmt.Fprintf(&b, "\n| Attribute | Type | Default | Meaning |\n|---|---|---|---|\n%s\n", strings.Join(rows, "\n"))
		}
	}
	return b.String()
}

func markdownAllowed(e spec.Entry) string {
	if len(e.Allowed) == 0 {
		return ""
	}
	q := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		q[i] = "`" + a + "`"
	}
	return "One of " + orList(q) + "."
}

// cell keeps a table cell on one line and its pipes literal.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "|", `\|`)
}

type explainOptions struct {
	Name string
	JSON bool
}

func newExplainCommand(s Streams) *cobra.Command {
	o := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain BLOCK[.ATTRIBUTE]",
		Short: "Describe one block or attribute of the spec, with an example",
		Long: `explain prints one entry of the spec's schema (blueprint schema lists them
all): what a block or attribute is for, its type, whether it is required, its
default, the values it allows, the release that introduced it, and an example
that parses. Nested names are joined by dots: etcd.backup.schedule.

An unknown name is a usage error (exit 2) that suggests the names nearest to
it. --json prints the entry as JSON, with the example.`,
		Example: `  blueprint explain load_balancer.mode
  blueprint explain node_pool
  blueprint explain etcd.backup.destination --json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeSchemaNames,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return explainRun(o, s)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the entry as JSON")
	return cmd
}

// completeSchemaNames offers the top-level blocks, then, after "block.",
// what that block holds: one level at a time, as a file path completes.
func completeSchemaNames(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	depth := strings.Count(toComplete, ".")
	var out []string
	for _, e := range spec.Reference() {
		if strings.HasPrefix(e.Path, toComplete) && strings.Count(e.Path, ".") == depth {
			out = append(out, e.Path)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// jsonEntry is explain --json's document.
type jsonEntry struct {
	Path        string   `json:"path"`
	Kind        string   `json:"kind"`
	Labels      []string `json:"labels,omitempty"`
	Repeated    bool     `json:"repeated,omitempty"`
	Type        string   `json:"type,omitempty"`
	Required    bool     `json:"required"`
	Default     string   `json:"default,omitempty"`
	Allowed     []string `json:"allowed,omitempty"`
	Description string   `json:"description"`
	Introduced  string   `json:"introduced"`
	Example     string   `json:"example"`
	Attributes  []string `json:"attributes,omitempty"`
	Blocks      []string `json:"blocks,omitempty"`
}

func explainRun(o *explainOptions, s Streams) error {
	e, ok := spec.Lookup(o.Name)
	if !ok {
		msg := fmt.Sprintf("the spec has no block or attribute %q; blueprint schema lists them all", o.Name)
		if near := nearNames(o.Name); len(near) > 0 {
			msg += ". Did you mean " + orList(quoteEach(near)) + "?"
		}
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s", msg)}
	}
	j := jsonEntry{Path: e.Path, Kind: e.Kind(), Description: e.Text, Introduced: e.IntroducedIn(), Example: e.ExampleHCL()}
	if e.Block != nil {
		j.Labels, j.Repeated, j.Required = e.Block.Labels, e.Block.Repeated, e.Required
		for _, a := range e.Block.Attributes {
			j.Attributes = append(j.Attributes, a.Name)
		}
		for _, c := range e.Block.Blocks {
			j.Blocks = append(j.Blocks, c.Type)
		}
	} else {
		j.Type, j.Required, j.Default, j.Allowed = e.Attribute.Type, e.Attribute.Required, e.Default, e.Allowed
	}
	if o.JSON {
		return writeJSONTo(s.Out, j)
	}
	var b strings.Builder
	if e.Block != nil {
		fmt.Fprintf(&b, "%s  (block, %s", heading(e), occurs(e))
		if e.Block.Repeated && !e.Single {
			b.WriteString(", repeated")
		}
	} else {
		fmt.Fprintf(&b, "%s  (attribute, %s, %s", e.Path, e.Attribute.Type, need(e))
	}
	fmt.Fprintf(&b, "; introduced in %s)\n\n%s\n", e.IntroducedIn(), wrap(e.Text, 78))
	if w := allowedWords(e); w != "" {
		fmt.Fprintf(&b, "\n%s\n", w)
	}
	if len(j.Attributes) > 0 {
		fmt.Fprintf(&b, "\nAttributes: %s\n", strings.Join(j.Attributes, ", "))
	}
	if len(j.Blocks) > 0 {
		fmt.Fprintf(&b, "Blocks: %s\n", strings.Join(j.Blocks, ", "))
	}
	fmt.Fprintf(&b, "\nExample:\n\n%s", indent(j.Example, "  "))
	if _, err := io.WriteString(s.Out, b.String()); err != nil {
		return &exitError{code: ExitFailure, err: err}
	}
	return nil
}

// nearNames are the names explain suggests for an unknown one: paths
// within a small edit distance (spec.Suggest), paths whose last part is
// the name ("mode"), and top-level blocks with the name as a word of
// theirs ("pool" for node_pool), those first.
func nearNames(name string) []string {
	paths := spec.ReferencePaths()
	var out []string
	add := func(p string) {
		if p != "" && !slices.Contains(out, p) && len(out) < 6 {
			out = append(out, p)
		}
	}
	for _, p := range paths {
		if !strings.Contains(p, ".") && slices.Contains(strings.Split(p, "_"), name) {
			add(p)
		}
	}
	for _, p := range paths {
		if _, last := splitPath(p); last == name {
			add(p)
		}
	}
	add(spec.Suggest(name, paths))
	if len(out) == 0 && len(name) > 3 {
		for _, p := range paths {
			if _, last := splitPath(p); spec.Suggest(name, []string{last}) != "" {
				add(p)
			}
		}
	}
	return out
}

func quoteEach(items []string) []string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return q
}

func indent(s, by string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = by + l
		}
	}
	return strings.Join(lines, "")
}

// wrap breaks text into lines of at most width runes, at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		if n > 0 && n+1+len([]rune(w)) > width {
			b.WriteString("\n")
			n = 0
		} else if n > 0 {
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len([]rune(w))
	}
	return b.String()
}
