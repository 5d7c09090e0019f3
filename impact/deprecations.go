package impact

import (
	"fmt"
	"strings"

	"github.com/blueprint-dev/blueprint/state"
)

// Kinds of deprecation table entries.
const (
	KindFlag        = "flag"         // a command-line flag of a component
	KindFeatureGate = "feature-gate" // a feature gate, in --feature-gates or featureGates
	KindKubeadmAPI  = "kubeadm-api"  // the kubeadm configuration API version
	KindAPIVersion  = "api-version"  // an object's apiVersion
	KindProxyMode   = "proxy-mode"   // KubeProxyConfiguration's mode
	KindKubelet     = "kubelet"      // a KubeletConfiguration field
)

// Deprecation is something a Kubernetes release deprecated or removed
// that a rendered tree may use.
type Deprecation struct {
	Kind string
	// Component is the program that reads it, for flags and gates.
	Component string
	// Name is the flag, gate, API version, mode or field.
	Name string
	// Object restricts an api-version entry to one kind.
	Object string
	// Deprecated and Removed are the minor versions of 1.x (0: not yet).
	Deprecated, Removed int
	Replacement         string
	// Source is where the fact was read.
	Source string
}

// Deprecations is the table plan checks a tree against: each entry read
// from the Kubernetes source at the release named in Source. Add an entry
// when a release deprecates or removes something blueprint renders or
// could render.
var Deprecations = []Deprecation{
	{Kind: KindKubeadmAPI, Name: "kubeadm.k8s.io/v1beta3", Deprecated: 31, Removed: 37, Replacement: "kubeadm.k8s.io/v1beta4",
		Source: "k8s.io/kubernetes v1.34.5 and v1.37.2, cmd/kubeadm/app/util/config/common.go, validateSupportedVersion: deprecatedAPIVersions in 1.34, oldKnownAPIVersions (\"use kubeadm v1.36\") in 1.37"},
	{Kind: KindProxyMode, Component: "kube-proxy", Name: "ipvs", Deprecated: 35, Replacement: "nftables",
		Source: "k8s.io/kubernetes v1.35.6 and v1.37.2, cmd/kube-proxy/app/server_linux.go: the IPVSDeprecation warning (1.37: disabled by default in 1.40, removed in 1.43)"},
	{Kind: KindFlag, Component: "kube-proxy", Name: "healthz-port", Deprecated: 34, Replacement: "--healthz-bind-address",
		Source: "k8s.io/kubernetes v1.34.5 to v1.37.2, cmd/kube-proxy/app/options.go: fs.MarkDeprecated"},
	{Kind: KindFlag, Component: "kube-proxy", Name: "metrics-port", Deprecated: 34, Replacement: "--metrics-bind-address",
		Source: "k8s.io/kubernetes v1.34.5 to v1.37.2, cmd/kube-proxy/app/options.go: fs.MarkDeprecated"},
	{Kind: KindFlag, Component: "kube-apiserver", Name: "audit-webhook-batch-initial-backoff", Deprecated: 34, Replacement: "--audit-webhook-initial-backoff",
		Source: "k8s.io/apiserver v0.37.2, pkg/server/options/audit.go: fs.MarkDeprecated"},
	{Kind: KindFlag, Component: "kube-apiserver", Name: "default-watch-cache-size", Deprecated: 34, Replacement: "the watch cache sizes itself",
		Source: "k8s.io/apiserver v0.37.2, pkg/server/options/etcd.go: fs.MarkDeprecated"},
	{Kind: KindKubelet, Component: "kubelet", Name: "runOnce", Deprecated: 33, Replacement: "static pods run by a running kubelet",
		Source: "k8s.io/kubernetes v1.37.2, pkg/kubelet/apis/config/validation/validation.go: \"Runonce mode has been deprecated\""},
}

// Finding is a use in the tree of something the target release deprecated
// or removed.
type Finding struct {
	Where   string
	Message string
	Removed bool
}

// Findings checks a design against the table for Kubernetes 1.minor.
func Findings(s *state.State, minor int) []Finding {
	var out []Finding
	initFile := "kubeadm/init/"
	if f := first(s); f != nil {
		initFile += f.Name + ".yaml"
	}
	check := func(d Deprecation, where string) {
		switch {
		case d.Removed != 0 && minor >= d.Removed:
			out = append(out, Finding{Where: where, Removed: true,
				Message: fmt.Sprintf("uses %s %s, which Kubernetes 1.%d removed; use %s (source: %s)", d.Kind, d.Name, d.Removed, d.Replacement, d.Source)})
		case d.Deprecated != 0 && minor >= d.Deprecated:
			out = append(out, Finding{Where: where,
				Message: fmt.Sprintf("uses %s %s, deprecated since Kubernetes 1.%d; use %s (source: %s)", d.Kind, d.Name, d.Deprecated, d.Replacement, d.Source)})
		}
	}
	for _, d := range Deprecations {
		switch d.Kind {
		case KindKubeadmAPI:
			if s.Kubernetes.KubeadmAPI == d.Name {
				check(d, "kubeadm/ (apiVersion)")
			}
		case KindFlag:
			for _, c := range s.ControlPlane {
				if c.Name != d.Component {
					continue
				}
				for _, a := range c.Args {
					if a.Name == d.Name {
						check(d, fmt.Sprintf("%s: %s extraArgs --%s", initFile, c.Name, a.Name))
					}
				}
			}
		case KindFeatureGate:
			for _, c := range s.ControlPlane {
				for _, a := range c.Args {
					if a.Name == "feature-gates" && strings.Contains(","+a.Value, ","+d.Name+"=") {
						check(d, fmt.Sprintf("%s: %s --feature-gates %s", initFile, c.Name, d.Name))
					}
				}
			}
			if strings.Contains(s.Kubelet.Fields["featureGates"], `"`+d.Name+`"`) {
				check(d, initFile+": KubeletConfiguration featureGates."+d.Name)
			}
		case KindProxyMode:
			if s.KubeProxy.Fields["mode"] == `"`+d.Name+`"` {
				check(d, initFile+": KubeProxyConfiguration mode")
			}
		case KindKubelet:
			if _, ok := s.Kubelet.Fields[d.Name]; ok {
				check(d, initFile+": KubeletConfiguration "+d.Name)
			}
		case KindAPIVersion:
			for _, o := range s.Objects {
				if o.APIVersion == d.Name && (d.Object == "" || d.Object == o.Kind) {
					check(d, o.Component+": "+objectTarget(o)+" apiVersion")
				}
			}
		}
	}
	return out
}
