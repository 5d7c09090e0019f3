package kubeadm

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/importer"
)

// Unmapped compares every setting of the source documents with what
// blueprint renders from the imported spec for the same node and kind
// (rendered maps the tree's kubeadm/ files to their bytes), and returns a
// finding, at the setting's file and line, for each one the rendering does
// not hold with the same value. So the report is complete by
// construction: whatever the spec could not carry shows up, including
// settings the importer never looked at.
func Unmapped(docs []Doc, rendered map[string][]byte) ([]importer.Finding, error) {
	want := map[string]map[string]string{} // kind/node → path → value
	var files []string
	for f := range rendered {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if !strings.HasPrefix(f, "kubeadm/") || !strings.HasSuffix(f, ".yaml") {
			continue
		}
		rdocs, err := Parse([]importer.File{{Path: f, Data: rendered[f]}})
		if err != nil {
			return nil, err
		}
		for key, d := range keyed(rdocs) {
			leaves := map[string]string{}
			for _, l := range importer.Leaves(d.Node, "") {
				leaves[normalPath(l.Path)] = normalValue(l)
			}
			want[key] = leaves
		}
	}
	var out []importer.Finding
	keys := keyed(docs)
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, key := range sorted {
		d := keys[key]
		got, ok := want[key]
		if !ok {
			out = append(out, importer.Finding{File: d.File, Line: d.Node.Line, Setting: d.Kind, Note: "blueprint renders no such document for this node"})
			continue
		}
		for _, l := range importer.Leaves(d.Node, "") {
			p, v := normalPath(l.Path), normalValue(l)
			if p == "apiVersion" && strings.HasPrefix(v, "kubeadm.k8s.io/") {
				continue // noted when read
			}
			r, has := got[p]
			switch {
			case has && r == v:
			case secretPaths.MatchString(p):
				out = append(out, importer.Finding{File: d.File, Line: l.Line, Setting: d.Kind + "." + l.Path, Note: "a secret: blueprint writes a placeholder, filled in at install time (ARCHITECTURE.md)"})
			case has:
				out = append(out, importer.Finding{File: d.File, Line: l.Line, Setting: d.Kind + "." + l.Path, Note: fmt.Sprintf("%q is not carried over: blueprint renders %q", l.Value, r)})
			default:
				out = append(out, importer.Finding{File: d.File, Line: l.Line, Setting: d.Kind + "." + l.Path, Note: fmt.Sprintf("%q is not carried over: blueprint renders nothing here", l.Value)})
			}
		}
	}
	return out, nil
}

var secretPaths = regexp.MustCompile(`(^|\.)(token|certificateKey|caCertHashes\[=[^]]*\])$`)

// keyed names each document by kind and node: the node of a file is the
// name its Init or Join configuration registers.
func keyed(docs []Doc) map[string]Doc {
	nodeOf := map[string]string{} // file → its first node
	for _, d := range docs {
		if n := nodeName(d); n != "" && nodeOf[d.File] == "" {
			nodeOf[d.File] = n
		}
	}
	out := map[string]Doc{}
	for _, d := range docs {
		n := nodeName(d)
		if n == "" {
			n = nodeOf[d.File]
		}
		out[d.Kind+"/"+n] = d
	}
	return out
}

// nodeName is the node an Init or Join configuration registers.
func nodeName(d Doc) string {
	if d.Kind != "InitConfiguration" && d.Kind != "JoinConfiguration" {
		return ""
	}
	return importer.Str(d.Node, "nodeRegistration", "name")
}

// argPath turns v1beta3's map form of extraArgs into v1beta4's list form.
var argPath = regexp.MustCompile(`(extraArgs|kubeletExtraArgs)\.([^.\[]+)`)

func normalPath(p string) string { return argPath.ReplaceAllString(p, "${1}[name=${2}].value") }

// normalValue sorts the labels of --node-labels, whose order means nothing,
// and reads a version with or without its "v".
func normalValue(l importer.Leaf) string {
	if l.Path == "kubernetesVersion" {
		return strings.TrimPrefix(l.Value, "v")
	}
	if strings.HasSuffix(normalPath(l.Path), "[name=node-labels].value") {
		parts := strings.Split(l.Value, ",")
		sort.Strings(parts)
		return strings.Join(parts, ",")
	}
	return l.Value
}
