package validate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/blueprint-dev/blueprint/spec"
)

// Supported Kubernetes minor versions: all of them configured through
// kubeadm.k8s.io/v1beta4.
const (
	MinMinor = 33
	MaxMinor = 37
)

// versionRE matches a release as Kubernetes writes it: no leading zeros, so
// that what the spec says is what the configs say.
var versionRE = regexp.MustCompile(`^v?1\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$`)

// minorRE matches a minor version ("1.37", "v1.37") or kubeadm's label for
// the newest stable release of a minor ("stable-1.37").
var minorRE = regexp.MustCompile(`^(?:v?|stable-)1\.(0|[1-9][0-9]{0,8})$`)

// ParseVersion returns the minor and patch of a supported Kubernetes version
// written as "1.37.2" or "v1.37.2".
func ParseVersion(s string) (minor, patch int, ok bool) {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	minor, err1 := strconv.Atoi(m[1])
	patch, err2 := strconv.Atoi(m[2])
	return minor, patch, err1 == nil && err2 == nil
}

// Version is the Kubernetes release a spec runs: what kubernetes_version
// says, and the release blueprint takes it to mean.
type Version struct {
	Written      string // as the spec writes it; "" when absent
	Minor, Patch int
	// Resolved is set when Written names a minor or a channel, which
	// blueprint resolves to the newest patch its table knows.
	Resolved bool
}

// String returns the release as "1.37.2".
func (v Version) String() string { return fmt.Sprintf("1.%d.%d", v.Minor, v.Patch) }

// Resolution says, for a resolved version, how it was found; "" otherwise.
func (v Version) Resolution() string {
	if !v.Resolved {
		return ""
	}
	what := fmt.Sprintf("%q", v.Written)
	if v.Written == "" {
		what = "no kubernetes_version"
	}
	return fmt.Sprintf("the spec says %s, and %s is the newest patch release of 1.%d that blueprint knows (its table in spec/versions.go); a newer blueprint may render a newer patch", what, v, v.Minor)
}

// KubernetesVersion reads kubernetes_version: a release ("1.37.2"), a
// minor ("1.37", "stable-1.37"), which means its newest patch blueprint
// knows, or "stable", "stable-1" or nothing, which mean the newest minor
// blueprint supports. ok is false when the text is none of these; the
// minor is not checked against the supported range.
func KubernetesVersion(written string) (Version, bool) {
	v := Version{Written: written}
	if minor, patch, ok := ParseVersion(written); ok {
		v.Minor, v.Patch = minor, patch
		return v, true
	}
	v.Resolved = true
	switch written {
	case "", "stable", "stable-1":
		v.Minor = MaxMinor
	default:
		m := minorRE.FindStringSubmatch(written)
		if m == nil {
			return v, false
		}
		minor, err := strconv.Atoi(m[1])
		if err != nil {
			return v, false
		}
		v.Minor = minor
	}
	v.Patch, _ = spec.NewestPatch(v.Minor)
	return v, true
}

func (v *validator) cluster() {
	c := v.s.Cluster
	if c == nil {
		v.missing("cluster", "  cluster \"prod\" {\n    kubernetes_version = \"1.37.2\"\n  }")
		return
	}
	if errs := clusterNameErrors(c.Name); len(errs) > 0 {
		v.errorf(c.NameRange, &c.DeclRange, "Invalid cluster name",
			"The cluster name %q names files and Kubernetes objects and is copied into labels, so it must be a DNS-1123 subdomain of at most %d characters, such as \"prod\" or \"ha.example.com\": %s.", c.Name, validation.DNS1123LabelMaxLength, strings.Join(errs, "; "))
	}
	ver, ok := KubernetesVersion(c.KubernetesVersion)
	minor, patch := ver.Minor, ver.Patch
	switch {
	case !ok:
		v.errorf(c.KubernetesVersionRange, &c.DeclRange, "Invalid Kubernetes version",
			"%q is not a Kubernetes release or minor version. Write a release such as \"1.%d.%d\", a minor such as \"1.%d\" (its newest patch that blueprint knows), or \"stable\" (the newest minor, 1.%d); supported are 1.%d through 1.%d. Channels that include pre-releases (\"latest\") are not accepted.", c.KubernetesVersion, MaxMinor, newestOf(MaxMinor), MaxMinor, MaxMinor, MinMinor, MaxMinor)
	case minor < MinMinor || minor > MaxMinor:
		v.errorf(c.KubernetesVersionRange, &c.DeclRange, "Unsupported Kubernetes version",
			"Kubernetes %s is outside the supported range 1.%d through 1.%d (all configured with kubeadm.k8s.io/v1beta4). Pick a release in that range.", c.KubernetesVersion, MinMinor, MaxMinor)
	case ver.Resolved:
		// The newest known patch of a supported minor: known by definition.
	case !spec.KnownRelease(minor, patch):
		// A typo such as 1.37.99 would otherwise reach kubeadm, which
		// fails to pull images that do not exist, on the first master.
		newest, _ := spec.NewestPatch(minor)
		v.warnf(CodeUnknownPatch, c.KubernetesVersionRange, &c.DeclRange, "Unknown Kubernetes patch release",
			"Kubernetes %s is not a release blueprint knows: the newest 1.%d patch in its table (spec/versions.go) is 1.%d.%d. Use 1.%d.%d, or, if a newer patch has been released since, update the table.", c.KubernetesVersion, minor, minor, newest, minor, newest)
	}
	if c.DNSDomain != nil {
		if errs := validation.IsDNS1123Subdomain(*c.DNSDomain); len(errs) > 0 {
			v.errorf(c.DNSDomainRange, &c.DeclRange, "Invalid DNS domain",
				"dns_domain %q must be a DNS-1123 subdomain such as \"cluster.local\": %s.", *c.DNSDomain, strings.Join(errs, "; "))
		}
	}
	if c.ImageRepository != nil && !imageRepoRE.MatchString(*c.ImageRepository) {
		v.errorf(c.ImageRepositoryRange, &c.DeclRange, "Invalid image repository",
			"image_repository %q is not a registry path such as \"registry.k8s.io\" or \"mirror.example.com:5000/k8s\".", *c.ImageRepository)
	}
	if c.CRISocket != nil && !criSocketRE.MatchString(*c.CRISocket) {
		v.errorf(c.CRISocketRange, &c.DeclRange, "Invalid container runtime socket",
			"cri_socket %q must be a unix socket URL such as %q.", *c.CRISocket, spec.DefaultCRISocket)
	}
}

// clusterNameErrors lists what is wrong with a cluster name: a DNS-1123
// subdomain that fits a label value (Argo CD and Flux copy object names
// derived from it into labels). Where a DNS label is needed, the plan uses
// its label-safe form (plan.LabelSafe).
func clusterNameErrors(name string) []string {
	errs := validation.IsDNS1123Subdomain(name)
	if len(errs) == 0 && len(name) > validation.DNS1123LabelMaxLength {
		errs = append(errs, fmt.Sprintf("it has %d characters", len(name)))
	}
	return errs
}

func newestOf(minor int) int {
	p, _ := spec.NewestPatch(minor)
	return p
}

var (
	// imageRepoRE is a registry host (dot-separated labels, as the image
	// reference grammar kubeadm checks against wants them), an optional
	// port and path components.
	imageRepoRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)
	criSocketRE = regexp.MustCompile(`^unix:///[A-Za-z0-9_./-]+\.sock$`)
)

func (v *validator) zones() {
	if len(v.s.Zones) == 0 {
		v.missing("zone", "  zone \"az1\" {}\n  zone \"az2\" {}\n  zone \"az3\" {}")
		return
	}
	seen := map[string]*spec.Zone{}
	for _, z := range v.s.Zones {
		if errs := validation.IsDNS1123Label(z.Name); len(errs) > 0 {
			v.errorf(z.NameRange, &z.DeclRange, "Invalid zone name",
				"Zone %q becomes the topology.kubernetes.io/zone label and part of node names, so it must be a DNS-1123 label: %s.", z.Name, strings.Join(errs, "; "))
		}
		if prev, dup := seen[z.Name]; dup {
			v.errorf(z.NameRange, &z.DeclRange, "Duplicate zone", "Zone %q is already declared at %s. Remove one of the two blocks.", z.Name, prev.DeclRange)
			continue
		}
		seen[z.Name] = z
	}
}

// zoneNames lists the declared zones in declaration order.
func (v *validator) zoneNames() []string {
	names := make([]string, 0, len(v.s.Zones))
	for _, z := range v.s.Zones {
		names = append(names, z.Name)
	}
	return names
}

// zoneDeclared reports whether a zone block declares name.
func (v *validator) zoneDeclared(name string) bool {
	if v.zoneSet == nil {
		v.zoneSet = make(map[string]bool, len(v.s.Zones))
		for _, z := range v.s.Zones {
			v.zoneSet[z.Name] = true
		}
	}
	return v.zoneSet[name]
}

// checkZone reports a machine placed in an undeclared zone.
func (v *validator) checkZone(name string, m spec.Machine) bool {
	return v.undeclaredZone(name, fmt.Sprintf("%s %q is placed in zone %q, which no zone block declares.", m.Role, m.Name, name), m.ZoneRange, &m.DeclRange)
}

// undeclaredZone reports a reference to an undeclared zone, explained by what.
func (v *validator) undeclaredZone(name, what string, subject hcl.Range, context *hcl.Range) bool {
	if v.zoneDeclared(name) {
		return true
	}
	if len(v.s.Zones) == 0 {
		// "Missing zone block" says it once for the whole spec.
		return false
	}
	detail := what
	declared := v.zoneNames()
	if len(name) > 3 {
		detail += didYouMean(name, declared)
	}
	detail += fmt.Sprintf(" Declared zones: %s. Add a zone %q {} block or use one of those.", quoteList(declared), name)
	v.errorf(subject, context, "Undeclared zone", "%s", detail)
	return false
}
