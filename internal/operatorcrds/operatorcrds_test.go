package operatorcrds

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // git's blob ids are SHA-1; this only compares them
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// gitBlob is the id git gives a file's content.
func gitBlob(b []byte) string {
	h := sha1.New() //nolint:gosec // as above
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestOperatorCRDs checks each embedded file: its first line names its
// origin, the rest is exactly the upstream blob (so a hand edit, or a copy
// from another tag, fails), it is one namespaced CRD of one of the set's
// groups, serving and storing the set's one version, with a schema, and no file lies in the folder that the set
// does not list.
func TestOperatorCRDs(t *testing.T) {
	for _, s := range []Set{TrivyOperator, Strimzi, PrometheusOperator, ECK, SparkOperator} {
		entries, err := fs.ReadDir(files, s.Dir)
		if err != nil {
			t.Fatal(err)
		}
		var onDisk []string
		for _, e := range entries {
			onDisk = append(onDisk, e.Name())
		}
		want := s.Names()
		slices.Sort(want)
		if !slices.Equal(onDisk, want) {
			t.Errorf("%s: folder holds %v, the set lists %v", s.Name, onDisk, want)
		}
		for _, f := range s.Files {
			b := s.Read(f.Name)
			header, body, ok := bytes.Cut(b, []byte("\n"))
			if !ok || string(header) != s.Header(f.Name) {
				t.Errorf("%s: first line %q, want %q", f.Name, header, s.Header(f.Name))
			}
			if got := gitBlob(body); got != f.Blob {
				t.Errorf("%s: content is blob %s, want %s (git rev-parse %s:%s/%s in %s)", f.Name, got, f.Blob, s.Tag, s.Folder, f.Name, s.Repository)
			}
			version := s.VersionOf(f)
			docs := bytes.Split(body, []byte("\n---\n"))
			for _, doc := range docs {
				checkCRD(t, s, version, f.Name, doc, len(docs) == 1)
			}
		}
	}
}

// checkCRD checks one CRD of a set: namespaced, of one of the set's
// groups, with exactly one stored version (the set's, if it names one),
// served and with a schema; a file holding one CRD is named after it.
// version is the set's, or the file's own (Set.Versions).
func checkCRD(t *testing.T, s Set, version, file string, doc []byte, alone bool) {
	t.Helper()
	var crd struct {
		Kind     string
		Metadata struct{ Name string }
		Spec     struct {
			Group, Scope string
			Names        struct{ Plural, Singular string }
			Versions     []struct {
				Name            string
				Served, Storage bool
				Schema          struct {
					OpenAPIV3Schema map[string]any
				}
			}
		}
	}
	if err := yaml.Unmarshal(doc, &crd); err != nil {
		t.Errorf("%s: %v", file, err)
		return
	}
	stored := 0
	for _, v := range crd.Spec.Versions {
		if v.Storage && v.Served && len(v.Schema.OpenAPIV3Schema) > 0 && (version == "" || v.Name == version) {
			stored++
		}
	}
	if crd.Kind != "CustomResourceDefinition" || !slices.Contains(s.Groups, crd.Spec.Group) || crd.Spec.Scope != "Namespaced" ||
		stored != 1 || (version != "" && len(crd.Spec.Versions) != 1) {
		t.Errorf("%s: %s: want one namespaced CRD of %v, one version (%q) served and stored, with a schema", file, crd.Metadata.Name, s.Groups, version)
	}
	g, n := crd.Spec.Group, crd.Spec.Names
	if crd.Metadata.Name != n.Plural+"."+g ||
		(alone && file != g+"_"+n.Plural+".yaml" && !strings.HasSuffix(file, "-Crd-"+n.Singular+".yaml")) {
		t.Errorf("%s defines %s", file, crd.Metadata.Name)
	}
}
