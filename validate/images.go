package validate

import (
	"fmt"
	"strings"

	"github.com/blueprint-dev/blueprint/spec"
)

var admissionModes = []string{spec.AdmissionEnforce, spec.AdmissionAudit, spec.AdmissionOff}

// supplyChain checks the images block's pinning and admission settings:
// the lock file pins every image the tree runs, and the admission policy
// can admit what blueprint renders.
func (v *validator) supplyChain() {
	im := v.s.Images
	if im == nil {
		return
	}
	if im.Admission != nil {
		v.oneOf(*im.Admission, admissionModes, im.AdmissionRange, &im.DeclRange, "admission mode")
	}
	for _, r := range im.AllowedRegistries {
		if !registryHost.MatchString(r) || strings.HasSuffix(r, "/") {
			v.errorf(im.AllowedRegistriesRange, &im.DeclRange, "Invalid allowed registry",
				"%q should be a registry host with an optional port and path, without a scheme or a trailing slash, such as \"harbor.example.com\" or \"mirror.example.com:5000/platform\". Pods may then run any image below it.", r)
		}
	}
	for _, e := range im.ExtraAllowed {
		prefix := strings.TrimSuffix(e, "/")
		switch {
		case strings.HasSuffix(e, "/") && registryHost.MatchString(prefix) && strings.Contains(prefix, "/"):
		case !strings.HasSuffix(e, "/") && imageRef.MatchString(e) && !strings.HasSuffix(e, ":latest") && strings.Contains(e, "/"):
		default:
			v.errorf(im.ExtraAllowedRange, &im.DeclRange, "Invalid extra_allowed entry",
				"%q should be a full image reference with a version tag or digest, such as \"quay.io/cilium/cilium:v1.18.2\", or a repository prefix ending in \"/\", such as \"quay.io/cilium/\", which admits every pinned image below it.", e)
		}
	}
	if im.RequireDigest != nil && *im.RequireDigest && im.LockFile == nil {
		v.errorf(im.RequireDigestRange, &im.DeclRange, "Digests required without a lock file",
			"require_digest refuses every pod whose images are not pinned by digest, blueprint's own included, and only lock_file gives blueprint the digests. Add lock_file = \"images.lock\" (blueprint images SPEC --lock-skeleton images.lock writes one to fill in).")
	}
	mode := im.AdmissionOrDefault()
	if mode != spec.AdmissionOff && len(im.ExtraAllowed) == 0 && v.s.Network != nil {
		if cni := v.s.Network.CNIOrDefault(); cni == "cilium" || cni == "calico" {
			v.warnf(CodeCNINotAdmitted, im.AdmissionRange, &im.DeclRange, "CNI images not allowed in kube-system",
				"blueprint does not render the %s manifests, and the admission policy admits in kube-system only the images blueprint knows: if %s runs there, its pods will be refused%s. List its images (or its repository prefix, such as \"quay.io/%s/\") in extra_allowed.",
				cni, cni, map[bool]string{true: " (audit mode only warns)", false: ""}[mode == spec.AdmissionAudit], cni)
		}
	}
	v.lockCovers()
}

// lockCovers reports the images the tree runs that the lock file does not
// pin, and the kubeadm images that a lock cannot pin.
func (v *validator) lockCovers() {
	im := v.s.Images
	lock := im.Lock()
	if lock == nil || v.s.Cluster == nil {
		return
	}
	minor, patch, ok := ParseVersion(v.s.Cluster.KubernetesVersion)
	if !ok {
		return
	}
	var missing []string
	need := func(ref string) {
		if _, ok := lock.Digest(ref); !ok && !strings.Contains(ref, "@") {
			missing = append(missing, ref)
		}
	}
	for _, name := range v.s.ImageNames() {
		need(im.ResolveImage(name))
	}
	cp, _ := spec.ControlPlaneImages(minor, patch, v.s.Cluster.ImageRepositoryOrDefault())
	for _, c := range cp {
		need(c.Ref)
	}
	if len(missing) > 0 {
		v.errorf(im.LockFileRange, &im.DeclRange, "Images missing from the lock file",
			"%s pins no digest for %d image(s) the cluster runs: %s. Add a line \"REFERENCE sha256:DIGEST\" for each (blueprint images SPEC lists them all; --lock-skeleton writes a skeleton).",
			lock.Path, len(missing), strings.Join(missing, ", "))
	}
	if minor < 37 && im.RequireDigestOrDefault() {
		v.warnf(CodeKubeProxyTag, im.LockFileRange, &im.DeclRange, "kube-proxy stays pinned by tag",
			"kubeadm 1.%d cannot patch kube-proxy's DaemonSet (the kubeproxydaemonset patch target came with 1.37), so kube-proxy runs %s by tag; the kube-system policy admits exactly that reference.",
			minor, fmt.Sprintf("v1.%d.%d", minor, patch))
	}
	if next, ok := spec.NewestPatch(minor + 1); ok && im.RequireDigestOrDefault() && im.AdmissionOrDefault() != spec.AdmissionOff {
		up, _ := spec.ControlPlaneImages(minor+1, next, v.s.Cluster.ImageRepositoryOrDefault())
		var unpinned []string
		for _, c := range up {
			if _, ok := lock.Digest(c.Ref); !ok && c.Component != "pause" {
				unpinned = append(unpinned, c.Ref)
			}
		}
		if len(unpinned) > 0 {
			v.warnf(CodeUpgradeUnpinned, im.LockFileRange, &im.DeclRange, "Upgrade images not pinned",
				"%s has no digests for the images of Kubernetes 1.%d.%d, the next minor: until it does, the kube-system policy does not admit them, and kubeadm upgrade to 1.%d would have kube-proxy and CoreDNS refused. Add: %s.",
				lock.Path, minor+1, next, minor+1, strings.Join(unpinned, ", "))
		}
	}
}
