// Package operatorcrds holds the CustomResourceDefinitions of the operators
// that blueprint renders and installs with the tree (unlike
// internal/platformcrds, whose CRDs the platform brings). An operator that
// publishes no Go module the module proxy serves cannot be read at build
// time, so its CRDs are copied once from the pinned release's source,
// unchanged but for a first comment line naming where they come from, and
// committed here as data. TestOperatorCRDs checks that line and that each
// file is byte for byte the upstream blob it names.
package operatorcrds

import (
	"embed"
	"path"
)

//go:embed trivy-operator
var files embed.FS

// Set is the CRDs of one operator release, as its repository holds them.
type Set struct {
	Name       string // for people
	Repository string // where the release lives, such as github.com/aquasecurity/trivy-operator
	Tag        string // the release
	Commit     string // the tag's commit
	Folder     string // the folder of the repository the files are in
	Dir        string // the embedded copy
	// Files are the copied files, each with the git blob id it has at the
	// tag (git rev-parse TAG:FOLDER/FILE), which identifies its bytes.
	Files []File
}

// File is one copied CRD file.
type File struct {
	Name string
	Blob string
}

// TrivyOperator is the Trivy Operator's CRDs that blueprint's rendering
// needs: VulnerabilityReports, which it writes, and the ExposedSecretReports
// and SbomReports its workload controller watches (Owns) whatever scanners
// are on, so that it does not start without them. The kinds of the
// scanners blueprint turns off (config audit, RBAC and infrastructure
// assessment, compliance, cluster-wide SBOMs and vulnerability reports) are
// not copied.
var TrivyOperator = Set{
	Name: "Trivy Operator", Repository: "github.com/aquasecurity/trivy-operator", Tag: "v0.32.0",
	Commit: "1006872c1463e81a40d48298145625aefef2a02f", Folder: "deploy/helm/crds", Dir: "trivy-operator",
	Files: []File{
		{"aquasecurity.github.io_vulnerabilityreports.yaml", "6764ca437a3f720e86be4e53c84234fc05484cbe"},
		{"aquasecurity.github.io_exposedsecretreports.yaml", "be5c9bcf9929cf35bab4b20a6b38ef0d9f74544c"},
		{"aquasecurity.github.io_sbomreports.yaml", "34cbb3539174a6e08e1d6dabd6956cd8548b7e4c"},
	},
}

// Header is the first line of an embedded file: where it comes from.
func (s Set) Header(file string) string {
	return "# Copied from " + s.Repository + " " + s.Tag + " (commit " + s.Commit + "), " +
		s.Folder + "/" + file + ", unchanged (Apache-2.0). DO NOT EDIT."
}

// Names returns the files' names, in the order they are installed.
func (s Set) Names() []string {
	out := make([]string, len(s.Files))
	for i, f := range s.Files {
		out[i] = f.Name
	}
	return out
}

// Read returns an embedded file, header included. A name that is not one
// of the set's files is a bug in the caller, so it panics.
func (s Set) Read(name string) []byte {
	b, err := files.ReadFile(path.Join(s.Dir, name))
	if err != nil {
		panic("operatorcrds: " + err.Error())
	}
	return b
}
