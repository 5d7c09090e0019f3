// Package kubespray imports a cluster from a Kubespray inventory: the hosts
// file (Ansible's INI or YAML form) with the groups kube_control_plane,
// etcd and kube_node, and the group_vars and host_vars beside it.
package kubespray

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/blueprint-dev/blueprint/importer"
)

// Var is one variable with where it was set.
type Var struct {
	Value *yaml.Node // a scalar, sequence or mapping
	File  string
	Line  int
}

// String returns a scalar variable's value, or "".
func (v Var) String() string {
	if v.Value == nil || v.Value.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value.Value
}

// Inventory is the groups and hosts of an Ansible inventory.
type Inventory struct {
	File     string
	Hosts    []string                  // in order of appearance
	HostVars map[string]map[string]Var // host → variable
	Groups   map[string]*Group
}

// Group is an Ansible group.
type Group struct {
	Hosts    []string
	Children []string
	Vars     map[string]Var
	Line     int
}

func newInventory(file string) *Inventory {
	return &Inventory{File: file, HostVars: map[string]map[string]Var{}, Groups: map[string]*Group{}}
}

func (inv *Inventory) group(name string, line int) *Group {
	g := inv.Groups[name]
	if g == nil {
		g = &Group{Vars: map[string]Var{}, Line: line}
		inv.Groups[name] = g
	}
	return g
}

func (inv *Inventory) host(name string) map[string]Var {
	if inv.HostVars[name] == nil {
		inv.HostVars[name] = map[string]Var{}
		inv.Hosts = append(inv.Hosts, name)
	}
	return inv.HostVars[name]
}

// Members returns the hosts of a group and of its children, in inventory
// order.
func (inv *Inventory) Members(name string) []string {
	in := map[string]bool{}
	var visit func(string, int)
	visit = func(n string, depth int) {
		g := inv.Groups[n]
		if g == nil || depth > 32 {
			return
		}
		for _, h := range g.Hosts {
			in[h] = true
		}
		for _, c := range g.Children {
			visit(c, depth+1)
		}
	}
	visit(name, 0)
	var out []string
	for _, h := range inv.Hosts {
		if in[h] {
			out = append(out, h)
		}
	}
	return out
}

// ParseINI reads Ansible's INI inventory: [group] sections of host lines
// with key=value variables, [group:children] and [group:vars].
func ParseINI(f importer.File) (*Inventory, error) {
	inv := newInventory(f.Path)
	sc := bufio.NewScanner(bytes.NewReader(f.Data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	section, kind := "ungrouped", ""
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		if i := strings.Index(text, " #"); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if strings.HasPrefix(text, "[") {
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("%s:%d: a section header without its ]", f.Path, line)
			}
			section, kind, _ = strings.Cut(text[1:len(text)-1], ":")
			inv.group(section, line)
			continue
		}
		g := inv.group(section, line)
		switch kind {
		case "children":
			g.Children = append(g.Children, text)
		case "vars":
			k, v, ok := strings.Cut(text, "=")
			if !ok {
				return nil, fmt.Errorf("%s:%d: a variable without =", f.Path, line)
			}
			g.Vars[strings.TrimSpace(k)] = Var{Value: scalar(strings.TrimSpace(v), line), File: f.Path, Line: line}
		default:
			fields, err := splitFields(text)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", f.Path, line, err)
			}
			name := fields[0]
			g.Hosts = append(g.Hosts, name)
			vars := inv.host(name)
			for _, kv := range fields[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("%s:%d: %q is not key=value", f.Path, line, kv)
				}
				vars[k] = Var{Value: scalar(v, line), File: f.Path, Line: line}
			}
		}
	}
	return inv, sc.Err()
}

// splitFields splits a host line at white space outside quotes, as
// Ansible's INI inventory does, and drops the quotes.
func splitFields(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	quote, in := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("an unclosed %c quote", quote)
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

func scalar(v string, line int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: v, Line: line}
}

// ParseYAML reads Ansible's YAML inventory: all: with hosts, children and
// vars, nested.
func ParseYAML(f importer.File) (*Inventory, error) {
	docs, err := importer.ParseYAML(f.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	inv := newInventory(f.Path)
	if len(docs) == 0 {
		return inv, nil
	}
	root := docs[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		inv.yamlGroup(root.Content[i].Value, root.Content[i+1], 0)
	}
	return inv, nil
}

func (inv *Inventory) yamlGroup(name string, n *yaml.Node, depth int) {
	g := inv.group(name, n.Line)
	if depth > 32 {
		return
	}
	if hosts := importer.Get(n, "hosts"); hosts != nil {
		for i := 0; i+1 < len(hosts.Content); i += 2 {
			h := hosts.Content[i].Value
			g.Hosts = append(g.Hosts, h)
			vars := inv.host(h)
			hv := hosts.Content[i+1]
			for j := 0; j+1 < len(hv.Content); j += 2 {
				vars[hv.Content[j].Value] = Var{Value: hv.Content[j+1], File: inv.File, Line: hv.Content[j].Line}
			}
		}
	}
	if children := importer.Get(n, "children"); children != nil {
		for i := 0; i+1 < len(children.Content); i += 2 {
			c := children.Content[i].Value
			g.Children = append(g.Children, c)
			inv.yamlGroup(c, children.Content[i+1], depth+1)
		}
	}
	if vars := importer.Get(n, "vars"); vars != nil {
		for i := 0; i+1 < len(vars.Content); i += 2 {
			g.Vars[vars.Content[i].Value] = Var{Value: vars.Content[i+1], File: inv.File, Line: vars.Content[i].Line}
		}
	}
}

// ErrNoInventory is matched by the error of a folder without an inventory
// file.
var ErrNoInventory = errors.New("not a Kubespray inventory folder")

// inventoryNames are the names Kubespray's docs give an inventory file.
var inventoryNames = []string{"inventory.ini", "hosts.ini", "hosts.yaml", "hosts.yml", "inventory.yaml", "inventory.yml"}

// ReadInventoryDir reads an inventory folder: its inventory file and every
// YAML file below group_vars/ and host_vars/.
func ReadInventoryDir(dir string) ([]importer.File, error) {
	var out []importer.File
	for _, n := range inventoryNames {
		p := filepath.Join(dir, n)
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		f, err := importer.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		break
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no inventory file (%s): %w", dir, strings.Join(inventoryNames, ", "), ErrNoInventory)
	}
	for _, sub := range []string{"group_vars", "host_vars"} {
		p := filepath.Join(dir, sub)
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		fs, err := importer.ReadDir(p, true, ".yml", ".yaml")
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// varsScope says whose variables a vars file holds, from its path:
// group_vars/GROUP.yml or group_vars/GROUP/*.yml, host_vars likewise; a
// file elsewhere holds variables of all.
func varsScope(p string) (group, host string) {
	parts := strings.Split(filepath.ToSlash(p), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		name := strings.TrimSuffix(strings.TrimSuffix(parts[i+1], ".yml"), ".yaml")
		if i+2 < len(parts) {
			name = parts[i+1]
		}
		switch parts[i] {
		case "group_vars":
			return name, ""
		case "host_vars":
			return "", name
		}
	}
	return "all", ""
}

// readVars reads a YAML vars file into a map of variables.
func readVars(f importer.File) (map[string]Var, error) {
	docs, err := importer.ParseYAML(f.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	out := map[string]Var{}
	for _, d := range docs {
		for i := 0; i+1 < len(d.Content); i += 2 {
			out[d.Content[i].Value] = Var{Value: d.Content[i+1], File: f.Path, Line: d.Content[i].Line}
		}
	}
	return out, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
