// Package kustomizeguard keeps kustomize builds local: it refuses, before
// any build, every reference in a kustomization file that would make
// kustomize fetch a URL, clone a git repository or run a plugin, and it
// gives the krusty options that keep plugins, exec functions and helm off.
//
// kustomize's loader fetches an http(s) URL with an HTTP GET wherever it
// loads a file (resources, patches, generator files, openapi, crds,
// configurations, replacements), and clones a git repository with the git
// program for a resource, base or component in any form its repospec
// parser accepts (https://, http://, ssh://, file://, git::, user@host:path,
// github.com/…, ?ref=). That happens before any load restriction applies,
// so the only safe place to stop it is before the build: Scan reads every
// kustomization file of a tree (kustomization.yaml, kustomization.yml,
// Kustomization), decodes it the way kustomize does (YAML to JSON, field
// names matched without regard to case), and accepts in every field that
// names a file only a plain relative path of the alphabet blueprint writes.
// helmCharts, helmGlobals, helmChartInflationGenerator, generators,
// transformers and validators, which blueprint never writes and which run
// programs or carry their own file references, are refused outright.
package kustomizeguard

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// Finding is one reference a kustomization file may not hold.
type Finding struct {
	Path  string // the kustomization file, as the tree names it
	Line  int    // 1-based; 0 when the value could not be placed
	Field string // as kustomize names it: "resources", "configMapGenerator[].files"
	Value string
	Why   string
}

func (f Finding) String() string {
	at := f.Path
	if f.Line > 0 {
		at = fmt.Sprintf("%s:%d", f.Path, f.Line)
	}
	return fmt.Sprintf("%s: %s %q: %s", at, f.Field, f.Value, f.Why)
}

// kustomizationNames are the file names kustomize reads as a folder's
// kustomization (konfig.RecognizedKustomizationFileNames).
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "kustomization"}

// IsKustomization reports whether a file of that path is one kustomize
// could read as a kustomization. Names are compared without regard to
// case, as a case-insensitive file system would.
func IsKustomization(p string) bool {
	return slices.Contains(kustomizationNames, strings.ToLower(path.Base(p)))
}

// pathFields name a file or folder to load, as kustomize's Kustomization
// type spells them; a trailing [] means a list of objects, and the part
// after it the field of each object.
var pathFields = []string{
	"resources", "bases", "components", "crds", "configurations", "patchesStrategicMerge",
	"patches[].path", "patchesJson6902[].path", "replacements[].path", "openapi.path",
	"configMapGenerator[].files", "configMapGenerator[].envs", "configMapGenerator[].env",
	"secretGenerator[].files", "secretGenerator[].envs", "secretGenerator[].env",
}

// refusedFields are never accepted: they run programs (helm, KRM
// functions, plugins) or carry file references of their own.
var refusedFields = []string{
	"helmCharts", "helmGlobals", "helmChartInflationGenerator", "generators", "transformers", "validators",
}

// localPathRE is the alphabet of the paths blueprint writes. It has no
// ':', '@' or '?', so no value can be a URL, an scp-style git address or a
// git query.
var localPathRE = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

// Scan returns every reference in the kustomization files among files
// (slash-separated path → content) that is not a local relative path, and
// every refused field, in path order.
func Scan(files map[string][]byte) []Finding {
	var out []Finding
	paths := make([]string, 0, len(files))
	for p := range files {
		if IsKustomization(p) {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		out = append(out, scanFile(p, files[p])...)
	}
	return out
}

// Check returns an error that lists every finding of Scan, or nil.
func Check(files map[string][]byte) error {
	found := Scan(files)
	if len(found) == 0 {
		return nil
	}
	lines := make([]string, len(found))
	for i, f := range found {
		lines[i] = f.String()
	}
	return fmt.Errorf("kustomize builds only local files, and these references would make it fetch, clone or run something:\n%s", strings.Join(lines, "\n"))
}

func scanFile(p string, data []byte) []Finding {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return []Finding{{Path: p, Field: "(file)", Why: "does not parse as YAML: " + err.Error()}}
	}
	var doc any
	if err := json.Unmarshal(j, &doc); err != nil {
		return []Finding{{Path: p, Field: "(file)", Why: "does not parse: " + err.Error()}}
	}
	if doc == nil {
		return nil
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return []Finding{{Path: p, Field: "(file)", Why: "is not a map of fields, as a kustomization is"}}
	}
	var out []Finding
	add := func(field string, value any, why string) {
		s, ok := value.(string)
		if !ok {
			b, _ := json.Marshal(value)
			s = string(b)
		}
		out = append(out, Finding{Path: p, Line: lineOf(data, s), Field: field, Value: s, Why: why})
	}
	for _, field := range refusedFields {
		for _, v := range lookup(top, field) {
			b, _ := json.Marshal(v)
			out = append(out, Finding{Path: p, Line: lineOfKey(data, field), Field: field, Value: string(b),
				Why: "blueprint never writes " + field + ", which runs programs or names files of its own"})
		}
	}
	for _, field := range pathFields {
		for _, v := range lookup(top, field) {
			for _, e := range list(v) {
				s, ok := e.(string)
				if !ok {
					add(field, e, "not a file path")
					continue
				}
				if strings.HasSuffix(field, ".files") {
					if _, file, found := strings.Cut(s, "="); found {
						s = file
					}
				}
				if field == "patchesStrategicMerge" && strings.Contains(s, "\n") {
					continue // an inline patch, not a path
				}
				if why := notLocal(s); why != "" {
					add(field, e, why)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return a.Line - b.Line })
	return out
}

// notLocal says why s is not a plain relative path inside the tree, or "".
func notLocal(s string) string {
	switch {
	case s == "":
		return "an empty path"
	case !localPathRE.MatchString(s):
		return "not a local relative path (URLs, git references and characters outside [A-Za-z0-9._/-] are refused)"
	case strings.HasPrefix(s, "/"):
		return "an absolute path"
	}
	segments := strings.Split(s, "/")
	if strings.EqualFold(segments[0], "github.com") {
		return "kustomize reads github.com/… as a git repository to clone"
	}
	for _, seg := range segments {
		if seg != ".." && strings.Contains(seg, "..") {
			return "an ambiguous path segment"
		}
	}
	return ""
}

// lookup returns every value at a field path of pathFields or
// refusedFields, matching names without regard to case as kustomize's JSON
// decoding does. "a[].b" is field b of each object in list a.
func lookup(v any, field string) []any {
	name, rest, nested := strings.Cut(field, ".")
	var out []any
	m, _ := v.(map[string]any)
	for k, val := range m {
		if !strings.EqualFold(k, strings.TrimSuffix(name, "[]")) {
			continue
		}
		switch {
		case !nested:
			out = append(out, val)
		case strings.HasSuffix(name, "[]"):
			for _, e := range list(val) {
				out = append(out, lookup(e, rest)...)
			}
		default:
			out = append(out, lookup(val, rest)...)
		}
	}
	return out
}

// list returns the elements of a list, or the value alone.
func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// lineOf returns the first line of data that holds s, or 0.
func lineOf(data []byte, s string) int {
	if s == "" {
		return 0
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 0
}

// lineOfKey returns the first line of data that starts a field of that
// name, whatever its case, or 0.
func lineOfKey(data []byte, name string) int {
	for i, l := range strings.Split(string(data), "\n") {
		if k, _, ok := strings.Cut(strings.TrimSpace(l), ":"); ok && strings.EqualFold(strings.Trim(k, `"'`), name) {
			return i + 1
		}
	}
	return 0
}

// Options returns krusty options for a build that stays local: loading
// restricted to the kustomization's root, built-in plugins only, helm and
// exec, container and network functions off. These are kustomize's
// defaults, stated here so that a change of defaults cannot turn them on.
func Options() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.LoadRestrictions = types.LoadRestrictionsRootOnly
	o.PluginConfig = types.DisabledPluginConfig()
	o.PluginConfig.HelmConfig.Enabled = false
	o.PluginConfig.FnpLoadingOptions = types.FnPluginLoadingOptions{}
	return o
}
