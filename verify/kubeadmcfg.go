package verify

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kubeadm config allow-list
//
// The kubeadm configs are data, but `kubeadm init --dry-run` (and, for
// some fields, `kubeadm config validate`) reads what some fields name:
// existing certificates and keys in certificatesDir, patch files, the etcd
// data folder, external etcd's client certificates and HTTP endpoints, the
// CRI socket, a discovery kubeconfig (a file or an https URL). verify
// accepts in those fields only what templates/kubeadm writes, refuses the
// fields blueprint never writes, and for the dry run points certificatesDir,
// the etcd data folder and the CRI socket into its temporary folder, so
// kubeadm opens nothing of the machine that runs verify. The other fields,
// and the kubelet and kube-proxy configurations, are data kubeadm only
// writes out; kubeadm judges them.

// kubeadmKinds are the documents blueprint writes in a kubeadm config, by
// kind, with their apiVersion.
var kubeadmKinds = map[string]string{
	"InitConfiguration":      "kubeadm.k8s.io/v1beta4",
	"ClusterConfiguration":   "kubeadm.k8s.io/v1beta4",
	"JoinConfiguration":      "kubeadm.k8s.io/v1beta4",
	"KubeletConfiguration":   "kubelet.config.k8s.io/v1beta1",
	"KubeProxyConfiguration": "kubeproxy.config.k8s.io/v1alpha1",
}

// The paths blueprint writes into the fields kubeadm reads.
const (
	pkiDir         = "/etc/kubernetes/pki"
	etcdDataDir    = "/var/lib/etcd"
	clusterCACert  = pkiDir + "/ca.crt"
	externalEtcdCA = pkiDir + "/etcd/ca.crt"
	etcdClientCert = pkiDir + "/apiserver-etcd-client.crt"
	etcdClientKey  = pkiDir + "/apiserver-etcd-client.key"
	// patchesDir is where blueprint's kubeadm patches go on a node
	// (plan.PatchesDir); the tree carries them in kubeadm/patches/.
	patchesDir  = "/etc/kubernetes/patches"
	treePatches = "kubeadm/patches/"
)

// criSocketRE is the form validate accepts for cri_socket.
var criSocketRE = regexp.MustCompile(`^unix:///[A-Za-z0-9_./-]+\.sock$`)

// volumeRoots are the host folders blueprint mounts into control-plane pods.
var volumeRoots = []string{"/etc/kubernetes/", "/var/log/kubernetes/"}

// kubeadmDoc is one document of a kubeadm config file, decoded.
type kubeadmDoc struct {
	kind string
	obj  map[string]any
}

// parseKubeadmConfig splits a kubeadm config into its documents, as kubeadm
// does, and decodes each.
func parseKubeadmConfig(data []byte) ([]kubeadmDoc, error) {
	var docs []kubeadmDoc
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for n := 1; ; n++ {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		var obj map[string]any
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if len(obj) == 0 {
			continue
		}
		kind, _ := obj["kind"].(string)
		docs = append(docs, kubeadmDoc{kind: kind, obj: obj})
	}
}

// checkKubeadmConfig returns one line per field of a kubeadm config that
// could make kubeadm read, open or fetch something blueprint never points
// it at.
func checkKubeadmConfig(artifact string, data []byte) []string {
	docs, err := parseKubeadmConfig(data)
	if err != nil {
		return []string{fmt.Sprintf("%s: does not parse as YAML: %v", artifact, err)}
	}
	var refusals []string
	refuse := func(kind, field string, value any, why string) {
		refusals = append(refusals, fmt.Sprintf("%s: %s.%s %s: %s", artifact, kind, field, show(value), why))
	}
	// exactly accepts a field that is absent or holds one of the values.
	exactly := func(d kubeadmDoc, field string, values ...string) {
		for _, v := range lookup(d.obj, field) {
			if s, ok := v.(string); !ok || !slices.Contains(values, s) {
				refuse(d.kind, field, v, "blueprint writes only "+strings.Join(values, " or ")+" here")
			}
		}
	}
	never := func(d kubeadmDoc, field, what string) {
		for _, v := range lookup(d.obj, field) {
			refuse(d.kind, field, v, "blueprint never writes "+what)
		}
	}
	for _, d := range docs {
		want, known := kubeadmKinds[d.kind]
		if apiVersion, _ := d.obj["apiVersion"].(string); !known || apiVersion != want {
			refusals = append(refusals, fmt.Sprintf("%s: %s %s: not a document blueprint writes in a kubeadm config", artifact, show(d.obj["apiVersion"]), show(d.kind)))
			continue
		}
		switch d.kind {
		case "InitConfiguration", "JoinConfiguration":
			for _, v := range lookup(d.obj, "nodeRegistration.criSocket") {
				if s, ok := v.(string); !ok || !criSocketRE.MatchString(s) || strings.Contains(s, "..") {
					refuse(d.kind, "nodeRegistration.criSocket", v, "blueprint writes a unix:///PATH.sock URL here")
				}
			}
			for _, v := range lookup(d.obj, "patches") {
				m, _ := v.(map[string]any)
				dir, _ := m["directory"].(string)
				if len(m) != 1 || dir != patchesDir {
					refuse(d.kind, "patches", v, "blueprint writes only directory: "+patchesDir+" here, for its own patches in "+treePatches)
				}
			}
			exactly(d, "caCertPath", clusterCACert)
			never(d, "discovery.file", "file discovery, whose kubeconfig kubeadm would read or fetch")
		case "ClusterConfiguration":
			exactly(d, "certificatesDir", pkiDir)
			exactly(d, "etcd.local.dataDir", etcdDataDir)
			exactly(d, "etcd.external.caFile", externalEtcdCA)
			exactly(d, "etcd.external.certFile", etcdClientCert)
			exactly(d, "etcd.external.keyFile", etcdClientKey)
			never(d, "etcd.external.httpEndpoints", "HTTP endpoints, which kubeadm's preflight would fetch")
			for _, v := range lookup(d.obj, "etcd.external.endpoints") {
				list, _ := v.([]any)
				for _, e := range list {
					if !isEtcdEndpoint(e) {
						refuse(d.kind, "etcd.external.endpoints", e, "blueprint writes https://ADDRESS:PORT endpoints here, an IP address or a DNS name")
					}
				}
			}
			for _, component := range []string{"apiServer", "controllerManager", "scheduler"} {
				for _, v := range lookup(d.obj, component+".extraVolumes") {
					list, _ := v.([]any)
					for _, vol := range list {
						m, _ := vol.(map[string]any)
						for _, key := range []string{"hostPath", "mountPath"} {
							for _, p := range lookup(m, key) {
								if !isVolumePath(p) {
									refuse(d.kind, component+".extraVolumes[]."+key, p, "blueprint mounts only folders below "+strings.Join(volumeRoots, " and "))
								}
							}
						}
					}
				}
			}
		}
	}
	return refusals
}

// lookup returns every value at the dotted field path, matching keys
// without regard to case (so that no spelling of a key escapes the check,
// whatever decoder reads it).
func lookup(obj map[string]any, field string) []any {
	cur := []any{obj}
	for _, name := range strings.Split(field, ".") {
		var next []any
		for _, c := range cur {
			m, ok := c.(map[string]any)
			if !ok {
				continue
			}
			for k, v := range m {
				if strings.EqualFold(k, name) {
					next = append(next, v)
				}
			}
		}
		cur = next
	}
	return cur
}

// show prints a value of a refused field, quoted.
func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, _ := yaml.Marshal(v)
	return fmt.Sprintf("%q", strings.TrimSpace(string(b)))
}

func isEtcdEndpoint(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Port() == "" {
		return false
	}
	_, err = netip.ParseAddr(u.Hostname())
	return err == nil || isDNSHostPort(u.Host)
}

func isVolumePath(v any) bool {
	s, ok := v.(string)
	if !ok || path.Clean(s) != s {
		return false
	}
	for _, root := range volumeRoots {
		if strings.HasPrefix(s+"/", root) {
			return true
		}
	}
	return false
}

// confineDryRun returns the kubeadm config with the fields that name this
// machine's files pointed into dir: certificatesDir (kubeadm would load an
// existing CA and its key from there), the local etcd data folder (it lists
// it) and the CRI socket (it connects to it). Call it on configs that
// passed checkKubeadmConfig.
func confineDryRun(data []byte, dir string) ([]byte, error) {
	docs, err := parseKubeadmConfig(data)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, d := range docs {
		switch d.kind {
		case "InitConfiguration", "JoinConfiguration":
			if len(lookup(d.obj, "patches")) > 0 {
				set(d.obj, path.Join(dir, "patches"), "patches", "directory")
			}
		}
		switch d.kind {
		case "InitConfiguration":
			set(d.obj, "unix://"+path.Join(dir, "cri.sock"), "nodeRegistration", "criSocket")
		case "ClusterConfiguration":
			set(d.obj, path.Join(dir, "pki"), "certificatesDir")
			if etcd, _ := d.obj["etcd"].(map[string]any); etcd != nil && etcd["local"] != nil {
				set(d.obj, path.Join(dir, "etcd"), "etcd", "local", "dataDir")
			}
			unnameEtcdEndpoints(d.obj)
		}
		b, err := yaml.Marshal(d.obj)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return bytes.Join(out, []byte("---\n")), nil
}

// unnameEtcdEndpoints points every external etcd endpoint named by DNS at
// 127.0.0.1, port kept: kubeadm resolves nothing a tree names.
func unnameEtcdEndpoints(obj map[string]any) {
	etcd, _ := obj["etcd"].(map[string]any)
	ext, _ := etcd["external"].(map[string]any)
	eps, _ := ext["endpoints"].([]any)
	for i, e := range eps {
		s, _ := e.(string)
		if u, err := url.Parse(s); err == nil && isDNSHostPort(u.Host) {
			u.Host = "127.0.0.1:" + u.Port()
			eps[i] = u.String()
		}
	}
}

// set puts value at the field path, making maps on the way.
func set(obj map[string]any, value any, field ...string) {
	for _, name := range field[:len(field)-1] {
		next, _ := obj[name].(map[string]any)
		if next == nil {
			next = map[string]any{}
			obj[name] = next
		}
		obj = next
	}
	obj[field[len(field)-1]] = value
}

// kubeadmPatchTargets are the patch files blueprint writes, by name, with
// whether the container sits in a pod template and its name.
var kubeadmPatchTargets = map[string]struct {
	template  bool
	container string
}{
	"kube-apiserver+strategic.yaml":          {false, "kube-apiserver"},
	"kube-controller-manager+strategic.yaml": {false, "kube-controller-manager"},
	"kube-scheduler+strategic.yaml":          {false, "kube-scheduler"},
	"etcd+strategic.yaml":                    {false, "etcd"},
	"corednsdeployment+strategic.yaml":       {true, "coredns"},
	"kubeproxydaemonset+strategic.yaml":      {true, "kube-proxy"},
}

// pinnedImageRE is an image reference pinned by digest, as the lock file
// makes them.
var pinnedImageRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*(:[0-9]{1,5})?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?@sha256:[a-f0-9]{64}$`)

// checkKubeadmPatch returns why a file of kubeadm/patches/ is not one
// blueprint writes: a strategic merge patch that sets exactly one
// container's image, pinned by digest, for a target kubeadm knows.
// kubeadm applies patches to the static pods it writes, so anything else
// (a command, a host path, a privileged flag) would change what the dry
// run, and a node, runs.
func checkKubeadmPatch(artifact string, data []byte) []string {
	name := strings.TrimPrefix(artifact, treePatches)
	want, ok := kubeadmPatchTargets[name]
	if !ok || strings.Contains(name, "/") {
		return []string{fmt.Sprintf("%s: not a patch file blueprint writes (its names are <target>+strategic.yaml for %s)", artifact, strings.Join(slices.Sorted(maps.Keys(kubeadmPatchTargets)), ", "))}
	}
	var obj map[string]any
	if err := yaml.UnmarshalStrict(data, &obj); err != nil {
		return []string{fmt.Sprintf("%s: does not parse as YAML: %v", artifact, err)}
	}
	fail := []string{fmt.Sprintf("%s: blueprint's patches hold only spec%s.containers[0].name %q and its image, pinned by digest", artifact, map[bool]string{true: ".template.spec", false: ""}[want.template], want.container)}
	spec, _ := only(obj, "spec").(map[string]any)
	if want.template {
		tmpl, _ := only(spec, "template").(map[string]any)
		spec, _ = only(tmpl, "spec").(map[string]any)
	}
	list, _ := only(spec, "containers").([]any)
	if len(list) != 1 {
		return fail
	}
	c, _ := list[0].(map[string]any)
	image, _ := c["image"].(string)
	if len(c) != 2 || c["name"] != want.container || !pinnedImageRE.MatchString(image) {
		return fail
	}
	return nil
}

// only returns m's value at key when key is m's one key, else nil.
func only(m map[string]any, key string) any {
	if len(m) != 1 {
		return nil
	}
	return m[key]
}
