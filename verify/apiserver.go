package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/kustomizeguard"
	"github.com/blueprint-dev/blueprint/internal/platformcrds"
	"github.com/blueprint-dev/blueprint/render"
)

var (
	apiServerProgram = program{
		name:        controlplane.APIServer,
		versionArgs: []string{"--version"},
		versionRE:   regexp.MustCompile(`Kubernetes (v\d+\.\d+\.\d+\S*)`),
		isolated:    true, // the version probe; the server runs on loopback
		install:     "scripts/install-validators.sh kube-apiserver, from a blueprint checkout (builds kube-apiserver v1.37.2 from the Go module proxy)",
	}
	etcdProgram = program{
		name:        controlplane.Etcd,
		versionArgs: []string{"--version"},
		versionRE:   regexp.MustCompile(`etcd Version: (\d+\.\d+\.\d+\S*)`),
		isolated:    true,
		install:     "apt-get install etcd-server (Debian), or scripts/install-validators.sh kube-apiserver from a blueprint checkout",
	}
)

// apiServerTimeout bounds start-up and the waits for CRDs to be served.
const apiServerTimeout = 2 * time.Minute

// checkAPIServer builds manifests/ with kustomize, as render does, starts
// etcd and kube-apiserver on 127.0.0.1, creates the Namespaces and CRDs for
// real (a dry run needs them) and submits every object with a server-side
// dry run: the API server's validation and admission must accept each one.
// CRDs the platform provides rather than the tree (platformcrds: the
// Gateway API's) are created first from blueprint's embedded copy, and a
// note says so.
func checkAPIServer(ctx context.Context, v *verifier) ([]Check, string, error) {
	const root = "manifests/kustomization.yaml"
	if !slices.Contains(v.tree.paths, root) {
		return nil, "kube-apiserver: nothing to check (no manifests/kustomization.yaml)", nil
	}
	const name = "kube-apiserver server-side dry run"
	apiServer, etcd := v.tool(ctx, apiServerProgram), v.tool(ctx, etcdProgram)
	tree := render.Tree{}
	for _, p := range v.matching(func(p string) bool { return strings.HasPrefix(p, "manifests/") }) {
		b, err := v.read(p)
		if err != nil {
			return []Check{unreadable(apiServer, p, name, err)}, "", nil
		}
		tree[p] = b
	}
	// kustomize fetches remote bases and resources as it builds: refuse
	// them first, whether or not the servers are installed.
	if found := kustomizeguard.Scan(tree); len(found) > 0 {
		why := make([]string, len(found))
		for i, f := range found {
			why[i] = f.String()
		}
		return []Check{{Artifact: "manifests/", Name: name, Tool: apiServer.Name, Version: apiServer.Version, Result: Failed,
			Output: "verify did not build manifests/ with kustomize: these references would make kustomize fetch, clone or run something:\n" + strings.Join(why, "\n")}}, "", nil
	}
	c := Check{Artifact: "manifests/", Name: name, Tool: apiServer.Name}
	for _, t := range []*Tool{apiServer, etcd} {
		if t.Missing != "" {
			c.Result, c.Reason = NotRun, t.Name+" not found"
			return []Check{c}, "", nil
		}
	}
	c.Version = apiServer.Version + " with " + etcd.Version

	built, err := render.BuildKustomizations(tree, []string{"manifests"})
	var note string
	if err == nil {
		var objs, crds []controlplane.Object
		var sets []platformcrds.Set
		if objs, err = controlplane.ParseObjects(built["manifests"]); err == nil {
			crds, sets, err = platformcrds.Needed(objs)
		}
		if err == nil {
			note = platformNote(sets)
			if why := refuseRealObjects(objs); len(why) > 0 {
				return []Check{refused(apiServer, c.Artifact, name, why)}, note, nil
			}
			c.Result, c.Output, err = v.dryRun(ctx, apiServer, etcd, append(crds, objs...))
		}
	}
	var notStarted errNotStarted
	switch {
	case errors.As(err, &notStarted):
		c.Result, c.Reason = NotRun, err.Error()
	case err != nil:
		c.Result, c.Output = Failed, err.Error()
	}
	return []Check{c}, note, nil
}

// platformNote says which CRDs the dry run installed because the cluster's
// platform, not the tree, provides them.
func platformNote(sets []platformcrds.Set) string {
	var parts []string
	for _, s := range sets {
		parts = append(parts, fmt.Sprintf("kube-apiserver: the tree uses %s objects, whose CRDs %s installs; the dry run created them first from %s. The cluster needs them at that version or later.",
			s.Name, s.Provider, s.Origin()))
	}
	return strings.Join(parts, "\n")
}

// errNotStarted is a control plane that did not come up: no verdict on the
// manifests.
type errNotStarted struct{ err error }

func (e errNotStarted) Error() string { return "the control plane did not start: " + e.err.Error() }

func (v *verifier) dryRun(ctx context.Context, apiServer, etcd *Tool, objs []controlplane.Object) (Result, string, error) {
	cp, err := controlplane.Start(ctx, controlplane.Options{
		Paths:       map[string]string{controlplane.APIServer: apiServer.Path, controlplane.Etcd: etcd.Path},
		WorkDir:     v.tmp,
		ServiceCIDR: v.serviceCIDR(),
		Timeout:     apiServerTimeout,
		Env:         minimalEnv(v.tmp),
	})
	if err != nil {
		return "", "", errNotStarted{err}
	}
	defer cp.Stop()
	c := cp.Client()

	foundations := controlplane.Select(objs, controlplane.IsFoundation)
	rejected := c.ApplyAll(ctx, foundations, false)
	if err := c.WaitEstablished(ctx, foundations, apiServerTimeout); err != nil {
		return "", "", err
	}
	// Admission wants a namespace's default ServiceAccount before any Pod;
	// the controller manager, which makes it, does not run here.
	for _, o := range foundations {
		if o.Kind() != "Namespace" {
			continue
		}
		sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "default", "namespace": o.Name()}}
		var apiErr *controlplane.APIError
		if err := c.Post(ctx, "/api/v1/namespaces/"+o.Name()+"/serviceaccounts", sa, nil); err != nil && !(errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict) {
			return "", "", fmt.Errorf("creating the default ServiceAccount of %s: %w", o.Name(), err)
		}
	}
	rejected = append(rejected, c.ApplyAll(ctx, controlplane.Select(objs, func(o controlplane.Object) bool { return !controlplane.IsFoundation(o) }), true)...)
	if len(rejected) == 0 {
		return Passed, "", nil
	}
	lines := []string{fmt.Sprintf("%d of %d objects rejected:", len(rejected), len(objs))}
	for _, r := range rejected {
		lines = append(lines, r.String())
	}
	return Failed, strings.Join(lines, "\n"), nil
}

// serviceCIDR reads the cluster's service range from the first init config,
// so that Services with a fixed clusterIP validate; empty means the default.
func (v *verifier) serviceCIDR() string {
	for _, p := range v.matching(func(p string) bool { return strings.HasPrefix(p, "kubeadm/init/") && isKubeadmConfig(p) }) {
		b, err := v.read(p)
		if err != nil {
			return ""
		}
		for _, doc := range strings.Split(string(b), "\n---") {
			var cc struct {
				Kind       string `json:"kind"`
				Networking struct {
					ServiceSubnet string `json:"serviceSubnet"`
				} `json:"networking"`
			}
			if yaml.Unmarshal([]byte(doc), &cc) == nil && cc.Kind == "ClusterConfiguration" {
				return cc.Networking.ServiceSubnet
			}
		}
	}
	return ""
}
