package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// Bounds on a folder of sources (a Kubespray inventory's group_vars).
const (
	MaxSourceFiles = 256
	MaxSourceTotal = 16 << 20
)

// File is one source file, read through safefs.
type File struct {
	Path string // as given, for findings
	Data []byte
}

// Format names a source format.
type Format string

// The formats blueprint imports.
const (
	Kubespray Format = "kubespray"
	Kubeadm   Format = "kubeadm"
	KubeOne   Format = "kubeone"
)

// ReadFile reads a source file the user named: a regular file of at most
// MaxSourceSize bytes.
func ReadFile(p string) (File, error) {
	b, err := safefs.ReadFile(p, MaxSourceSize)
	if err != nil {
		return File{}, err
	}
	return File{Path: p, Data: b}, nil
}

// ReadDir reads the regular files of a folder whose names end in one of
// exts, sorted by name, through safefs (no link is followed below it).
// Subfolders are read when recurse is set.
func ReadDir(dir string, recurse bool, exts ...string) ([]File, error) {
	d, err := safefs.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var out []File
	total := 0
	err = d.Walk(func(parent *safefs.Dir, rel string, info fs.FileInfo) error {
		if info.IsDir() {
			if !recurse {
				return fs.SkipDir
			}
			return nil
		}
		if !hasExt(rel, exts) {
			return nil
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s: %w", path.Join(dir, rel), safefs.ErrNotRegular)
		}
		if len(out) == MaxSourceFiles {
			return fmt.Errorf("%s holds more than %d source files", dir, MaxSourceFiles)
		}
		b, err := parent.ReadFile(path.Base(rel), MaxSourceSize)
		if err != nil {
			return err
		}
		if total += len(b); total > MaxSourceTotal {
			return fmt.Errorf("the files of %s hold more than %d MiB", dir, MaxSourceTotal>>20)
		}
		out = append(out, File{Path: path.Join(dir, rel), Data: b})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

func hasExt(name string, exts []string) bool {
	for _, e := range exts {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}

// Detect says which format a source file is in: a KubeOneCluster
// manifest, kubeadm configuration documents, or a Kubespray inventory (INI
// or YAML with Kubespray's groups).
func Detect(f File) (Format, error) {
	b := f.Data
	switch {
	case bytes.Contains(b, []byte("kind: KubeOneCluster")):
		return KubeOne, nil
	case bytes.Contains(b, []byte("kubeadm.k8s.io/")):
		return Kubeadm, nil
	case bytes.Contains(b, []byte("kube_control_plane")) || bytes.Contains(b, []byte("kube-master")):
		return Kubespray, nil
	}
	return "", errors.New("neither a Kubespray inventory (groups kube_control_plane, etcd, kube_node), kubeadm configuration documents nor a KubeOneCluster manifest")
}
