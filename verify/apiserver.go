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

// apiTrees are the kustomize trees checked against the API server, in the
// order a cluster gets them: the services, then the GitOps objects that
// point Argo CD or Flux at them.
var apiTrees = []string{"manifests", "gitops"}

// checkAPIServer builds manifests/ and gitops/ with kustomize, as render
// does, starts etcd and kube-apiserver on 127.0.0.1 once, and for each tree
// creates its Namespaces and CRDs for real (a dry run needs them) and
// submits every object with a server-side dry run: the API server's
// validation and admission must accept each one. CRDs the platform provides
// rather than the tree (platformcrds: the Gateway API's for manifests/,
// Argo CD's or Flux's for gitops/, with the tool's namespace) are created
// first from blueprint's embedded copy, and a note says so. One check per
// tree.
func checkAPIServer(ctx context.Context, v *verifier) ([]Check, string, error) {
	var roots []string
	for _, r := range apiTrees {
		if slices.Contains(v.tree.paths, r+"/kustomization.yaml") {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		return nil, "kube-apiserver: nothing to check (no manifests/kustomization.yaml or gitops/kustomization.yaml)", nil
	}
	const name = "kube-apiserver server-side dry run"
	apiServer, etcd := v.tool(ctx, apiServerProgram), v.tool(ctx, etcdProgram)
	checks := make([]Check, len(roots))
	for i, r := range roots {
		checks[i] = Check{Artifact: r + "/", Name: name, Tool: apiServer.Name}
	}
	tree := render.Tree{}
	for _, p := range v.matching(func(p string) bool {
		return slices.ContainsFunc(roots, func(r string) bool { return strings.HasPrefix(p, r+"/") })
	}) {
		b, err := v.read(p)
		if err != nil {
			i := slices.IndexFunc(roots, func(r string) bool { return strings.HasPrefix(p, r+"/") })
			if checks[i].Result == "" {
				checks[i] = unreadable(apiServer, p, name, err)
				checks[i].Artifact = roots[i] + "/"
			}
			continue
		}
		tree[p] = b
	}
	// kustomize fetches remote bases and resources as it builds: refuse
	// them first, whether or not the servers are installed.
	for i, r := range roots {
		in := map[string][]byte{}
		for p, b := range tree {
			if strings.HasPrefix(p, r+"/") {
				in[p] = b
			}
		}
		if found := kustomizeguard.Scan(in); len(found) > 0 && checks[i].Result == "" {
			why := make([]string, len(found))
			for j, f := range found {
				why[j] = f.String()
			}
			checks[i].Result, checks[i].Version = Failed, apiServer.Version
			checks[i].Output = "verify did not build " + r + "/ with kustomize: these references would make kustomize fetch, clone or run something:\n" + strings.Join(why, "\n")
		}
	}
	for _, t := range []*Tool{apiServer, etcd} {
		if t.Missing != "" {
			for i := range checks {
				if checks[i].Result == "" {
					checks[i].Result, checks[i].Reason = NotRun, t.Name+" not found"
				}
			}
			return checks, "", nil
		}
	}

	// Each tree is built, and its platform objects found, apart: a tree
	// that does not build fails its own check only.
	trees := make([][]controlplane.Object, len(roots))
	var notes []string
	for i, r := range roots {
		if checks[i].Result != "" {
			continue // refused or unreadable
		}
		checks[i].Version = apiServer.Version + " with " + etcd.Version
		built, err := render.BuildKustomizations(tree, []string{r})
		var objs, crds []controlplane.Object
		var sets []platformcrds.Set
		if err == nil {
			if objs, err = controlplane.ParseObjects(built[r]); err == nil {
				crds, sets, err = platformcrds.Needed(objs)
			}
		}
		if err != nil {
			checks[i].Result, checks[i].Output = Failed, err.Error()
			continue
		}
		if n := platformNote(r, sets); n != "" {
			notes = append(notes, n)
		}
		if why := refuseRealObjects(r, objs); len(why) > 0 {
			checks[i].Result = Failed
			checks[i].Output = "verify did not send " + r + "/ to the API server: it would call what the tree names:\n" + strings.Join(why, "\n")
			continue
		}
		trees[i] = append(crds, objs...)
	}
	if !slices.ContainsFunc(trees, func(objs []controlplane.Object) bool { return objs != nil }) {
		return checks, strings.Join(notes, "\n"), nil
	}
	err := v.dryRun(ctx, apiServer, etcd, trees, checks)
	var notStarted errNotStarted
	switch {
	case errors.As(err, &notStarted):
		for i := range checks {
			if checks[i].Result == "" {
				checks[i].Result, checks[i].Reason = NotRun, err.Error()
			}
		}
	case err != nil:
		for i := range checks {
			if checks[i].Result == "" {
				checks[i].Result, checks[i].Output = Failed, err.Error()
			}
		}
	}
	return checks, strings.Join(notes, "\n"), nil
}

// platformNote says which CRDs the dry run of a tree installed because the
// cluster's platform, not the tree, provides them.
func platformNote(tree string, sets []platformcrds.Set) string {
	var parts []string
	for _, s := range sets {
		ns := ""
		if s.Namespace != "" {
			ns = " and namespace " + s.Namespace
		}
		parts = append(parts, fmt.Sprintf("kube-apiserver: %s/ uses %s objects, whose CRDs%s %s installs; the dry run created them first from %s. The cluster needs them at that version or later.",
			tree, s.Name, ns, s.Provider, s.Origin()))
	}
	return strings.Join(parts, "\n")
}

// errNotStarted is a control plane that did not come up: no verdict on the
// trees.
type errNotStarted struct{ err error }

func (e errNotStarted) Error() string { return "the control plane did not start: " + e.err.Error() }

// dryRun starts one control plane and checks each tree in turn (nil trees
// failed to build and keep their result), filling in checks[i].
func (v *verifier) dryRun(ctx context.Context, apiServer, etcd *Tool, trees [][]controlplane.Object, checks []Check) error {
	cp, err := controlplane.Start(ctx, controlplane.Options{
		Paths:       map[string]string{controlplane.APIServer: apiServer.Path, controlplane.Etcd: etcd.Path},
		WorkDir:     v.tmp,
		ServiceCIDR: v.serviceCIDR(),
		Timeout:     apiServerTimeout,
		Env:         minimalEnv(v.tmp),
	})
	if err != nil {
		return errNotStarted{err}
	}
	defer cp.Stop()
	c := cp.Client()
	for i, objs := range trees {
		if objs == nil {
			continue
		}
		rejected, err := dryRunTree(ctx, c, objs)
		if err != nil {
			return err
		}
		checks[i].Result = Passed
		if len(rejected) > 0 {
			lines := []string{fmt.Sprintf("%d of %d objects rejected:", len(rejected), len(objs))}
			for _, r := range rejected {
				lines = append(lines, r.String())
			}
			checks[i].Result, checks[i].Output = Failed, strings.Join(lines, "\n")
		}
	}
	return nil
}

// dryRunTree creates a tree's Namespaces and CRDs for real, then dry-runs
// everything else, and returns every refusal.
func dryRunTree(ctx context.Context, c *controlplane.Client, objs []controlplane.Object) ([]controlplane.Rejection, error) {
	foundations := controlplane.Select(objs, controlplane.IsFoundation)
	rejected := c.ApplyAll(ctx, foundations, false)
	if err := c.WaitEstablished(ctx, foundations, apiServerTimeout); err != nil {
		return nil, err
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
			return nil, fmt.Errorf("creating the default ServiceAccount of %s: %w", o.Name(), err)
		}
	}
	rejected = append(rejected, c.ApplyAll(ctx, controlplane.Select(objs, func(o controlplane.Object) bool { return !controlplane.IsFoundation(o) }), true)...)
	return rejected, nil
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
