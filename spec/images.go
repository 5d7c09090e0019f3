package spec

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// The images block's admission modes: the ValidatingAdmissionPolicy refuses
// what it does not allow (enforce), only warns and records it in the audit
// log (audit), or is not rendered (off).
const (
	AdmissionEnforce = "enforce"
	AdmissionAudit   = "audit"
	AdmissionOff     = "off"
	DefaultAdmission = AdmissionOff
)

// AdmissionOrDefault returns the admission mode; an absent images block
// means off.
func (i *Images) AdmissionOrDefault() string {
	if i == nil {
		return DefaultAdmission
	}
	return or(i.Admission, DefaultAdmission)
}

// RequireDigestOrDefault reports whether every image must be pinned by
// digest: by default, when a lock file pins them.
func (i *Images) RequireDigestOrDefault() bool {
	if i == nil {
		return false
	}
	if i.RequireDigest != nil {
		return *i.RequireDigest
	}
	return i.LockFile != nil
}

// Lock returns the lock file the loader read, or nil.
func (i *Images) Lock() *ImageLock {
	if i == nil {
		return nil
	}
	return i.lock
}

// DropLock forgets the lock file the loader read, so that a plan lists
// every image by tag: `blueprint images` writes a lock skeleton so.
func (i *Images) DropLock() {
	if i != nil {
		i.lock = nil
	}
}

// ImageLock is a lock file: each image reference with the digest the
// registry serves it under. One line per image, `REFERENCE DIGEST`, where
// REFERENCE is an image as blueprint writes it (after the images block's
// registry and overrides, with a tag) and DIGEST is `sha256:` and 64
// lower-case hex digits; `#` starts a comment line.
type ImageLock struct {
	Path    string // as the spec names it, relative to the spec file
	File    string // the path read
	Entries map[string]LockEntry
}

// LockEntry is one line of a lock file.
type LockEntry struct {
	Ref, Digest string
	Range       hcl.Range // the line
}

// Digest returns the digest locked for ref, if any.
func (l *ImageLock) Digest(ref string) (string, bool) {
	if l == nil {
		return "", false
	}
	e, ok := l.Entries[ref]
	return e.Digest, ok
}

// MaxLockEntries bounds a lock file: a cluster runs a few dozen images.
const MaxLockEntries = 5000

var (
	// lockRefRE is a tagged image reference, as blueprint writes them:
	// host[:port]/path:tag, lower-case path components.
	lockRefRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	// DigestRE is an OCI sha256 digest.
	DigestRE = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// ParseImageLock reads a lock file's lines; every problem is a diagnostic
// at its line.
func ParseImageLock(name string, src []byte) (*ImageLock, hcl.Diagnostics) {
	l := &ImageLock{File: name, Entries: map[string]LockEntry{}}
	var diags hcl.Diagnostics
	offset := 0
	for n, line := range bytes.Split(src, []byte("\n")) {
		start := offset
		offset += len(line) + 1
		text := strings.TrimRight(string(line), "\r")
		rng := hcl.Range{Filename: name, Start: hcl.Pos{Line: n + 1, Column: 1, Byte: start},
			End: hcl.Pos{Line: n + 1, Column: len(text) + 1, Byte: start + len(text)}}
		fail := func(summary, detail string, args ...any) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary,
				Detail: fmt.Sprintf(detail, args...), Subject: rng.Ptr()})
		}
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if len(l.Entries) >= MaxLockEntries {
			fail("Lock file too long", "A lock file holds at most %d images; a cluster runs a few dozen.", MaxLockEntries)
			break
		}
		fields := strings.Fields(trimmed)
		if len(fields) != 2 {
			fail("Invalid lock file line", "Each line is an image reference and its digest, separated by a space: \"registry.k8s.io/pause:3.10.2 sha256:<64 hex digits>\".")
			continue
		}
		ref, digest := fields[0], fields[1]
		ok := true
		if !lockRefRE.MatchString(ref) || strings.HasSuffix(ref, ":latest") {
			fail("Invalid image reference in lock file", "%q is not an image reference with a version tag, such as \"quay.io/prometheus/prometheus:v3.16.0\". Write the references `blueprint images` prints.", ref)
			ok = false
		}
		if !DigestRE.MatchString(digest) {
			fail("Invalid digest in lock file", "%q is not a digest: write sha256: and the 64 lower-case hex digits the registry reports (crane digest REF, or skopeo inspect --format '{{.Digest}}' docker://REF).", digest)
			ok = false
		}
		if !ok {
			continue
		}
		if prev, dup := l.Entries[ref]; dup {
			if prev.Digest != digest {
				fail("Conflicting digests in lock file", "%s is already locked to %s at line %d. Keep one line per image.", ref, prev.Digest, prev.Range.Start.Line)
			}
			continue
		}
		l.Entries[ref] = LockEntry{Ref: ref, Digest: digest, Range: rng}
	}
	return l, diags
}

// loadImageLock reads the images block's lock_file, relative to the spec
// file that names it, through the loader's limits.
func (l *Loader) loadImageLock(s *Spec) hcl.Diagnostics {
	im := s.Images
	if im == nil || im.LockFile == nil {
		return nil
	}
	rel := *im.LockFile
	bad := func(detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid lock file path", Detail: detail,
			Subject: im.LockFileRange.Ptr(), Context: im.DeclRange.Ptr()}}
	}
	switch {
	case rel == "":
		return bad("lock_file is empty. Name the lock file relative to this spec file, such as \"images.lock\".")
	case strings.ContainsAny(rel, "\\\x00") || path.IsAbs(rel) || filepath.IsAbs(rel):
		return bad(fmt.Sprintf("%q is not a relative path. The lock file lives beside the spec: name it relative to this file, such as \"images.lock\".", rel))
	case path.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, "../") || strings.Contains(rel, "/../"):
		return bad(fmt.Sprintf("%q must be a clean path below the spec's folder, without \"..\" or \".\" components.", rel))
	}
	file := filepath.Join(filepath.Dir(im.LockFileRange.Filename), filepath.FromSlash(rel))
	src, diags := l.readInput(file, "Cannot read lock file", "Create it with blueprint images SPEC --lock-skeleton FILE and fill in the digests, or remove lock_file.")
	if diags.HasErrors() {
		for _, d := range diags {
			d.Subject, d.Context = im.LockFileRange.Ptr(), im.DeclRange.Ptr()
		}
		return diags
	}
	// Keep the source for the snippets of diagnostics about its lines.
	l.parser.Files()[file] = &hcl.File{Bytes: src, Body: hcl.EmptyBody()}
	lock, ld := ParseImageLock(file, src)
	lock.Path = rel
	im.lock = lock
	return ld
}

// ImageNames lists the images (by their names in DefaultImages) that the
// spec's rendered tree runs, sorted.
func (s *Spec) ImageNames() []string {
	var names []string
	if s.LoadBalancer != nil {
		switch s.LoadBalancer.Mode {
		case LBColocated:
			names = append(names, "haproxy", "keepalived")
		case LBLocalProxy:
			names = append(names, "haproxy")
		case LBKubeVIP:
			names = append(names, "kube-vip")
		}
	}
	names = append(names, "kubelet-csr-approver")
	if s.Etcd.BackupOrDefault().EnabledOrDefault() {
		names = append(names, "etcd", "busybox")
	}
	if s.Monitoring != nil {
		names = append(names, "prometheus", "alertmanager", "grafana", "node-exporter", "kube-state-metrics")
		if s.Monitoring.EngineOrDefault() == EngineOperator {
			names = append(names, "prometheus-operator", "prometheus-config-reloader")
		}
	}
	if l := s.Logging; l != nil {
		if l.BackendOrDefault() == "opensearch" {
			names = append(names, "opensearch", "opensearch-dashboards", "fluent-bit")
		} else {
			names = append(names, "elasticsearch", "kibana", "fluent-bit")
		}
		if l.EngineOrDefault() == EngineOperator {
			names = append(names, "eck-operator")
		}
		if s.Monitoring != nil {
			names = append(names, "elasticsearch-exporter") // it reads OpenSearch too
		}
	}
	if a := s.Autoscaling; a != nil {
		names = append(names, "metrics-server")
		if a.VerticalPodAutoscaler != nil {
			names = append(names, "vpa-recommender")
		}
	}
	if len(s.Kafka) > 0 && s.Kafka[0].EngineOrDefault() == EngineOperator {
		names = append(names, "strimzi-operator", "strimzi-kafka")
	} else if len(s.Kafka) > 0 {
		names = append(names, "kafka")
		if s.Monitoring != nil {
			names = append(names, "kafka-exporter")
		}
	}
	if len(s.HDFS) > 0 {
		names = append(names, "hadoop")
	}
	if len(s.Spark) > 0 {
		names = append(names, "spark")
		if s.Spark[0].EngineOrDefault() == EngineOperator {
			names = append(names, "spark-operator")
		}
	}
	if s.ImageScanning != nil {
		names = append(names, "trivy", "trivy-operator")
	}
	sort.Strings(names)
	return names
}

// ResolveImage returns the reference a named image of DefaultImages is
// written as: an override replaces it outright, otherwise a registry
// mirror replaces its registry host. The lock file's digest is not added.
func (i *Images) ResolveImage(name string) string {
	ref := DefaultImages[name]
	switch {
	case i == nil:
		return ref
	case i.Overrides[name] != "":
		return i.Overrides[name]
	case i.Registry != nil && *i.Registry != "":
		return strings.TrimSuffix(*i.Registry, "/") + "/" + StripRegistry(ref)
	}
	return ref
}

// StripRegistry drops the registry host of an image reference, keeping the
// repository path and tag: quay.io/prometheus/prometheus:v3 → prometheus/prometheus:v3.
func StripRegistry(ref string) string {
	first, rest, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return rest
	}
	return ref
}

// kubeadmImages are the versions of the images kubeadm itself writes
// (etcd, CoreDNS, pause), per Kubernetes minor, as the kubeadm of that
// minor's newest known patch (newestPatch) has them: read from
// cmd/kubeadm/app/constants/constants.go of k8s.io/kubernetes at
// v1.33.13, v1.34.5, v1.35.6, v1.36.5 and v1.37.2 (DefaultEtcdVersion and
// SupportedEtcdVersion, CoreDNSVersion, PauseVersion).
// TestControlPlaneImagesMatchKubeadm compares the pinned minor's with the
// real `kubeadm config images list`.
var kubeadmImages = map[int]struct{ etcd, coreDNS, pause string }{
	33: {"3.5.24-0", "v1.12.0", "3.10"},
	34: {"3.6.5-0", "v1.12.1", "3.10.1"},
	35: {"3.6.6-0", "v1.13.1", "3.10.1"},
	36: {"3.6.8-0", "v1.14.2", "3.10.2"},
	37: {"3.7.0-0", "v1.14.6", "3.10.2"},
}

// ControlPlaneImage is an image kubeadm writes: a static pod's, an add-on's
// (kube-proxy, CoreDNS) or the pause image the container runtime uses.
type ControlPlaneImage struct {
	Component string // kube-apiserver, …, etcd, coredns, pause
	Ref       string
}

// ControlPlaneImages returns the images kubeadm uses for Kubernetes
// 1.minor.patch with the given image repository, in kubeadm's order
// (`kubeadm config images list`), and false for a minor blueprint does not
// know.
func ControlPlaneImages(minor, patch int, repo string) ([]ControlPlaneImage, bool) {
	v, ok := kubeadmImages[minor]
	if !ok {
		return nil, false
	}
	tag := fmt.Sprintf("v1.%d.%d", minor, patch)
	dns := repo + "/coredns"
	if repo == DefaultImageRepository {
		dns = repo + "/coredns/coredns" // kubeadm's rename of the official image
	}
	return []ControlPlaneImage{
		{"kube-apiserver", repo + "/kube-apiserver:" + tag},
		{"kube-controller-manager", repo + "/kube-controller-manager:" + tag},
		{"kube-scheduler", repo + "/kube-scheduler:" + tag},
		{"kube-proxy", repo + "/kube-proxy:" + tag},
		{"coredns", dns + ":" + v.coreDNS},
		{"pause", repo + "/pause:" + v.pause},
		{"etcd", repo + "/etcd:" + v.etcd},
	}, true
}
