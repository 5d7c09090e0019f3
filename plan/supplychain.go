package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// ImageSupply is what the plan knows about where the cluster's images come
// from: kubeadm's own images, the digests pinning every image, the kubeadm
// patches that pin what kubeadm writes, and the admission policy.
type ImageSupply struct {
	// ControlPlane are the images kubeadm writes for the pinned release,
	// with the lock file's digest when it has one.
	ControlPlane []ControlPlaneImage
	// Upgrade are the same for the newest known patch of the next minor,
	// the release an upgrade goes to; empty past the newest minor
	// blueprint knows.
	Upgrade        []ControlPlaneImage
	UpgradeVersion string // "v1.38.1", or empty
	// Locked is true when a lock file pins the images by digest.
	Locked bool
	// LockFile is the lock file's path as the spec names it.
	LockFile string
	// RequireDigest is true when the admission policy refuses an image
	// without a digest.
	RequireDigest bool
	// Patches are the kubeadm patch files that pin the images kubeadm
	// writes by digest (empty without a lock file), for PatchesDir.
	Patches    []KubeadmPatch
	PatchesDir string
	// AllowedRegistries are the registry prefixes (host[:port][/path]) pods
	// in the namespaces blueprint manages may pull from: the registries of
	// blueprint's own images (the mirror, when the images block sets one)
	// and the images block's allowed_registries.
	AllowedRegistries []string
	// Admission is the ValidatingAdmissionPolicy's data; nil when off.
	Admission *Admission
}

// ControlPlaneImage is an image kubeadm writes.
type ControlPlaneImage struct {
	Component string // kube-apiserver, …, coredns, pause, etcd
	Ref       string // as the cluster runs it, pinned when locked
	Tagged    string // the tagged reference, as kubeadm derives it
}

// PatchesDir is where each control-plane node (and external etcd member)
// keeps blueprint's kubeadm patches; the kubeadm configs name it.
const PatchesDir = "/etc/kubernetes/patches"

// KubeadmPatch is one file of kubeadm/patches/: a strategic merge patch
// that sets a container's image.
type KubeadmPatch struct {
	File      string // e.g. kube-apiserver+strategic.yaml
	Target    string // kubeadm's patch target
	Template  bool   // the container sits in spec.template (a Deployment or DaemonSet)
	Container string
	Image     string
	Dir       string // PatchesDir
}

// Admission is the images policy: which images pods may run, where.
type Admission struct {
	Mode    string   // enforce or audit
	Actions []string // the bindings' validationActions
	// Namespaces are the namespaces blueprint manages, besides kube-system.
	Namespaces []string
	// Registries are AllowedRegistries as prefixes ending in "/".
	Registries []string
	// KubeSystemImages are the only images kube-system runs besides
	// KubeSystemPrefixes: kubeadm's (this release and the next minor's)
	// and the add-ons blueprint renders there, exactly, plus the
	// references of extra_allowed.
	KubeSystemImages []string
	// KubeSystemPrefixes are extra_allowed's repository prefixes.
	KubeSystemPrefixes []string
	RequireDigest      bool
}

// kubeSystemAddons are the images blueprint renders into kube-system.
var kubeSystemAddons = []string{"haproxy", "keepalived", "kube-vip", "kubelet-csr-approver", "metrics-server", "vpa-recommender"}

// Policy names of the two ValidatingAdmissionPolicies.
const (
	ImagesPolicy           = "blueprint-images"
	KubeSystemImagesPolicy = "blueprint-images-kube-system"
)

func buildImageSupply(p *Plan, s *spec.Spec) ImageSupply {
	im := s.Images
	lock := im.Lock()
	minor, patch, _ := validate.ParseVersion(p.KubernetesVersion)
	sup := ImageSupply{Locked: lock != nil, RequireDigest: im.RequireDigestOrDefault()}
	if lock != nil {
		sup.LockFile = lock.Path
	}
	sup.ControlPlane = controlPlaneImages(minor, patch, p.ImageRepository, lock)
	if next, ok := spec.NewestPatch(minor + 1); ok {
		sup.Upgrade = controlPlaneImages(minor+1, next, p.ImageRepository, lock)
		if len(sup.Upgrade) > 0 {
			sup.UpgradeVersion = versionTag(minor+1, next)
		}
	}
	if lock != nil {
		sup.Patches = kubeadmPatches(minor, sup.ControlPlane)
		if len(sup.Patches) > 0 {
			sup.PatchesDir = PatchesDir
		}
	}

	seen := map[string]bool{}
	addRegistry := func(r string) {
		if r = strings.TrimSuffix(r, "/"); r != "" && !seen[r] {
			seen[r] = true
			sup.AllowedRegistries = append(sup.AllowedRegistries, r)
		}
	}
	for _, img := range p.Services.Images {
		addRegistry(registryOf(img.Name, img.Ref, im))
	}
	if im != nil {
		for _, r := range im.AllowedRegistries {
			addRegistry(r)
		}
	}
	slices.Sort(sup.AllowedRegistries)

	mode := im.AdmissionOrDefault()
	if mode == spec.AdmissionOff {
		return sup
	}
	a := &Admission{Mode: mode, Actions: []string{"Deny"}, RequireDigest: sup.RequireDigest}
	if mode == spec.AdmissionAudit {
		a.Actions = []string{"Audit", "Warn"}
	}
	for _, ns := range p.Services.Namespaces {
		if ns.Name != "kube-system" {
			a.Namespaces = append(a.Namespaces, ns.Name)
		}
	}
	for _, r := range sup.AllowedRegistries {
		a.Registries = append(a.Registries, r+"/")
	}
	exact := map[string]bool{}
	for _, c := range sup.ControlPlane {
		if c.Component != "pause" { // the runtime's sandbox, never a container of a pod
			exact[c.Ref] = true
		}
	}
	for _, c := range sup.Upgrade {
		// Unpinned upgrade images wait for their digests (validate warns).
		if c.Component != "pause" && !(sup.RequireDigest && c.Ref == c.Tagged) {
			exact[c.Ref] = true
		}
	}
	for _, img := range p.Services.Images {
		if slices.Contains(kubeSystemAddons, img.Name) {
			exact[img.Ref] = true
		}
	}
	if im != nil {
		for _, e := range im.ExtraAllowed {
			if strings.HasSuffix(e, "/") {
				a.KubeSystemPrefixes = append(a.KubeSystemPrefixes, e)
			} else {
				exact[e] = true
			}
		}
	}
	a.KubeSystemImages = slices.Sorted(maps.Keys(exact))
	slices.Sort(a.KubeSystemPrefixes)
	sup.Admission = a
	p.Services.ImageAdmission = a
	return sup
}

// registryOf returns the registry an image of the tree comes from: the
// mirror when the images block rewrote it there, otherwise its host
// (Docker Hub's for a name without one).
func registryOf(name, ref string, im *spec.Images) string {
	if im != nil && im.Registry != nil && *im.Registry != "" && im.Overrides[name] == "" {
		return strings.TrimSuffix(*im.Registry, "/")
	}
	return RegistryHost(ref)
}

// RegistryHost returns the registry host of an image reference:
// quay.io/prometheus/prometheus:v3 → quay.io, busybox:1 → docker.io.
func RegistryHost(ref string) string {
	first, _, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

func controlPlaneImages(minor, patch int, repo string, lock *spec.ImageLock) []ControlPlaneImage {
	imgs, ok := spec.ControlPlaneImages(minor, patch, repo)
	if !ok {
		return nil
	}
	out := make([]ControlPlaneImage, len(imgs))
	for i, c := range imgs {
		out[i] = ControlPlaneImage{Component: c.Component, Tagged: c.Ref, Ref: Pin(c.Ref, lock)}
	}
	return out
}

// kubeadmPatches pins the images kubeadm writes: its static pods, CoreDNS
// and, from kubeadm 1.37 (the first with the kubeproxydaemonset target),
// kube-proxy. Images the lock does not pin get no patch (validate reports
// them).
func kubeadmPatches(minor int, imgs []ControlPlaneImage) []KubeadmPatch {
	var out []KubeadmPatch
	for _, c := range imgs {
		if c.Ref == c.Tagged {
			continue
		}
		kp := KubeadmPatch{Target: c.Component, Container: c.Component, Image: c.Ref, Dir: PatchesDir}
		switch c.Component {
		case "pause":
			continue // the container runtime's sandbox image: containerd's config
		case "coredns":
			kp.Target, kp.Template = "corednsdeployment", true
		case "kube-proxy":
			if minor < KubeProxyPatchMinor {
				continue
			}
			kp.Target, kp.Template = "kubeproxydaemonset", true
		}
		kp.File = kp.Target + "+strategic.yaml"
		out = append(out, kp)
	}
	return out
}

// KubeProxyPatchMinor is the first kubeadm minor with the
// kubeproxydaemonset patch target (cmd/kubeadm/app/util/patches).
const KubeProxyPatchMinor = 37

// PatchFor returns the patch for a kubeadm target, or nil.
func (s ImageSupply) PatchFor(target string) *KubeadmPatch {
	for i := range s.Patches {
		if s.Patches[i].Target == target {
			return &s.Patches[i]
		}
	}
	return nil
}

// AllImages lists every image the cluster needs, for mirroring: the
// tree's, then kubeadm's for this release, then the next minor's, without
// repeats.
func (p *Plan) AllImages() []string {
	var out []string
	seen := map[string]bool{}
	add := func(ref string) {
		if !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	for _, img := range p.Services.Images {
		add(img.Ref)
	}
	for _, c := range p.ImageSupply.ControlPlane {
		add(c.Ref)
	}
	for _, c := range p.ImageSupply.Upgrade {
		add(c.Ref)
	}
	return out
}

func versionTag(minor, patch int) string { return fmt.Sprintf("v1.%d.%d", minor, patch) }

// PolicyName is the name of the policy for the namespaces blueprint manages.
func (ImageSupply) PolicyName() string { return ImagesPolicy }

// KubeSystemPolicyName is the name of kube-system's policy.
func (ImageSupply) KubeSystemPolicyName() string { return KubeSystemImagesPolicy }
