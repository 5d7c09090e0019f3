package state

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/parallel"
	"github.com/blueprint-dev/blueprint/plan"
)

// Build records the design of p as rendered into files (the output tree,
// by path), with built holding the YAML kustomize built for each leaf
// component of manifests/ and for gitops/.
func Build(p *plan.Plan, files map[string][]byte, built map[string][]byte) (*State, error) {
	minor, patch := versionOf(p.KubernetesVersion)
	s := &State{
		Kind: Kind, Version: Version, Cluster: p.Name,
		Kubernetes: Kubernetes{
			Version:         fmt.Sprintf("1.%d.%d", minor, patch),
			EtcdVersion:     EtcdVersionFor(minor),
			KubeadmAPI:      "kubeadm.k8s.io/v1beta4",
			ImageRepository: p.ImageRepository,
			CRISocket:       p.CRISocket,
		},
		Network: Network{
			CNI: p.CNI, PodCIDRs: strings.Split(p.PodSubnet, ","), ServiceCIDRs: strings.Split(p.ServiceSubnet, ","),
			DNSDomain: p.DNSDomain, NodeSubnets: slices.Clone(p.NodeSubnets),
		},
		API:  API{Endpoint: p.Endpoint.String(), CertSANs: slices.Clone(p.CertSANs)},
		Etcd: Etcd{Topology: "stacked"},
	}
	if p.Etcd.External {
		s.Etcd.Topology = "external"
	}
	for _, m := range p.Etcd.Members {
		s.Etcd.Members = append(s.Etcd.Members, EtcdMember{Name: m.Name, PeerURL: "https://" + plan.HostPort(m.Address, plan.EtcdPeerPort)})
	}
	first := p.ControlPlane[0].Name
	initFile := files["kubeadm/init/"+first+".yaml"]
	docs, err := kubeadmDocs(initFile)
	if err != nil {
		return nil, fmt.Errorf("kubeadm/init/%s.yaml: %w", first, err)
	}
	s.ControlPlane = components(docs["ClusterConfiguration"], p.Etcd.External)
	for i := range s.ControlPlane {
		for _, f := range HostFiles {
			if data, ok := files[f.Tree]; ok && f.Component == s.ControlPlane[i].Name {
				if s.ControlPlane[i].Files == nil {
					s.ControlPlane[i].Files = map[string]string{}
				}
				s.ControlPlane[i].Files[f.Tree] = Hash(data)
			}
		}
	}
	s.Kubelet = config(docs["KubeletConfiguration"])
	s.KubeProxy = config(docs["KubeProxyConfiguration"])
	s.loadBalancer(p, files)
	if err := s.machines(p, files); err != nil {
		return nil, err
	}
	if err := s.objects(files, built); err != nil {
		return nil, err
	}
	return s, nil
}

// folderHash hashes the names and contents of the files below dir, or
// returns "" when there are none.
func folderHash(files map[string][]byte, dir string) string {
	var names []string
	for name := range files {
		if strings.HasPrefix(name, dir) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	return Hash(h.Sum(nil))
}

func versionOf(v string) (minor, patch int) {
	fmt.Sscanf(strings.TrimPrefix(v, "v"), "1.%d.%d", &minor, &patch)
	return minor, patch
}

// HashPrefix starts every hash the state holds.
const HashPrefix = "h:"

// Hash returns HashPrefix and the first 128 bits of the SHA-256 of data, in
// hex: enough to tell a change, and shaped unlike the CA hashes and
// certificate keys the secret scan looks for (64 hex digits).
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return HashPrefix + hex.EncodeToString(sum[:16])
}

// hashJSON hashes a value's compact JSON (maps in key order).
func hashJSON(v any) string {
	b, _ := json.Marshal(v)
	return Hash(b)
}

// value is a field's value as the state keeps it: compact JSON, or its
// hash when longer than MaxFieldValue.
func value(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > MaxFieldValue {
		return Hash(b)
	}
	return string(b)
}

// kubeadmDocs splits a kubeadm configuration file into its documents by kind.
func kubeadmDocs(data []byte) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	objs, err := parseDocs(data)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		k, _ := o["kind"].(string)
		out[k] = o
	}
	return out, nil
}

// parseDocs decodes a stream of YAML documents, skipping empty ones.
func parseDocs(data []byte) ([]map[string]any, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []map[string]any
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var o map[string]any
		if err := yaml.Unmarshal(doc, &o); err != nil {
			return nil, err
		}
		if len(o) > 0 {
			out = append(out, o)
		}
	}
}

// get follows a dotted path through nested maps.
func get(o map[string]any, dotted string) (any, bool) {
	var cur any = o
	for _, k := range strings.Split(dotted, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func str(o map[string]any, dotted string) string {
	v, _ := get(o, dotted)
	s, _ := v.(string)
	return s
}

// components reads the control-plane components' flags from the
// ClusterConfiguration, in kubeadm's component order.
func components(cc map[string]any, externalEtcd bool) []Component {
	sections := []struct{ name, key string }{
		{"kube-apiserver", "apiServer"}, {"kube-controller-manager", "controllerManager"}, {"kube-scheduler", "scheduler"},
	}
	if !externalEtcd {
		sections = append(sections, struct{ name, key string }{"etcd", "etcd.local"})
	}
	var out []Component
	for _, sec := range sections {
		c := Component{Name: sec.name, Args: []Arg{}}
		if list, ok := get(cc, sec.key+".extraArgs"); ok {
			items, _ := list.([]any)
			for _, it := range items {
				m, _ := it.(map[string]any)
				name, _ := m["name"].(string)
				val, _ := m["value"].(string)
				c.Args = append(c.Args, Arg{Name: name, Value: val})
			}
		}
		if sec.name == "kube-apiserver" && externalEtcd {
			// kubeadm turns etcd.external.endpoints into --etcd-servers.
			if eps, ok := get(cc, "etcd.external.endpoints"); ok {
				var list []string
				for _, e := range eps.([]any) {
					s, _ := e.(string)
					list = append(list, s)
				}
				c.Args = append(c.Args, Arg{Name: "etcd-servers", Value: strings.Join(list, ",")})
			}
		}
		if vols, ok := get(cc, sec.key+".extraVolumes"); ok {
			c.Volumes = hashJSON(vols)
		}
		// The certificate's names are planned on their own: they change no
		// flag.
		section := map[string]any{}
		if whole, ok := get(cc, sec.key); ok {
			for k, v := range whole.(map[string]any) {
				if k != "certSANs" {
					section[k] = v
				}
			}
		}
		c.Hash = hashJSON(map[string]any{"section": section, "args": c.Args, "version": cc["kubernetesVersion"], "images": cc["imageRepository"]})
		out = append(out, c)
	}
	return out
}

// config records a component configuration document.
func config(doc map[string]any) Config {
	if doc == nil {
		return Config{}
	}
	c := Config{Hash: hashJSON(doc), Fields: map[string]string{}}
	for k, v := range doc {
		if k == "apiVersion" || k == "kind" {
			continue
		}
		c.Fields[k] = value(v)
	}
	return c
}

func (s *State) loadBalancer(p *plan.Plan, files map[string][]byte) {
	lb := p.LB
	s.LoadBalancer = LoadBalancer{Mode: lb.Mode, Port: lb.Port}
	if !lb.Managed {
		return
	}
	s.LoadBalancer.VIP, s.LoadBalancer.Interface, s.LoadBalancer.RouterID = lb.VIP, lb.Interface, lb.RouterID
	s.LoadBalancer.HAProxy = Hash(files["loadbalancer/haproxy.cfg"])
	s.LoadBalancer.CheckScript = Hash(files["loadbalancer/check_apiserver.sh"])
	for _, peer := range lb.Peers {
		s.LoadBalancer.Peers = append(s.LoadBalancer.Peers, Peer{
			Name: peer.Name, Address: peer.Address, State: peer.State, Priority: peer.Priority,
			Config: Hash(files["loadbalancer/keepalived/"+peer.Name+".conf"]),
		})
	}
	if lb.Colocated {
		s.LoadBalancer.StaticPods = map[string]string{
			"haproxy":    Hash(files["loadbalancer/static-pods/haproxy.yaml"]),
			"keepalived": Hash(files["loadbalancer/static-pods/keepalived.yaml"]),
		}
	}
}

// machines lists every host with its roles, and what configures each.
func (s *State) machines(p *plan.Plan, files map[string][]byte) error {
	byName := map[string]*Machine{}
	var order []string
	add := func(n plan.Node, role string) *Machine {
		m := byName[n.Name]
		if m == nil {
			m = &Machine{Name: n.Name, Address: n.Address, Zone: n.Zone, Pool: n.Pool, CPU: n.CPU, Memory: n.Memory}
			byName[n.Name] = m
			order = append(order, n.Name)
		}
		m.Roles = append(m.Roles, role)
		return m
	}
	nodeFacts := func(m *Machine, n plan.Node, args string) {
		m.Kubelet = true
		m.Labels = map[string]string{}
		for _, l := range n.Labels {
			m.Labels[l.Key] = l.Value
		}
		for _, t := range n.Taints {
			m.Taints = append(m.Taints, Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
		}
		m.KubeletArgs = args
	}
	comps := map[string]string{}
	for _, c := range s.ControlPlane {
		comps[c.Name] = c.Hash
	}
	for i, n := range p.ControlPlane {
		m := add(n, RoleControlPlane)
		file := "kubeadm/join-control-plane/" + n.Name + ".yaml"
		if i == 0 {
			m.First = true
			file = "kubeadm/init/" + n.Name + ".yaml"
		}
		args, err := kubeletArgsHash(files, file)
		if err != nil {
			return err
		}
		nodeFacts(m, n, args)
		m.StaticPods = map[string]string{}
		for name, h := range comps {
			m.StaticPods[name] = Hash([]byte(h + "\n" + n.Address))
		}
		if !p.Etcd.External {
			m.Roles = append(m.Roles, RoleEtcd)
		}
	}
	if p.Etcd.External {
		for _, n := range p.Etcd.Members {
			m := add(n, RoleEtcd)
			m.StaticPods = map[string]string{"etcd": etcdMemberHash(files["kubeadm/etcd/"+n.Name+".yaml"])}
		}
	}
	if p.LB.Managed {
		for _, peer := range p.LB.Peers {
			m := add(peer.Node, RoleLoadBalancer)
			if m.StaticPods == nil {
				m.StaticPods = map[string]string{}
			}
			if p.LB.Colocated {
				m.StaticPods["haproxy"] = Hash([]byte(s.LoadBalancer.HAProxy + s.LoadBalancer.StaticPods["haproxy"]))
				m.StaticPods["keepalived"] = Hash([]byte(s.LoadBalancer.StaticPods["keepalived"] + s.LoadBalancer.CheckScript +
					Hash(files["loadbalancer/keepalived/"+peer.Name+".conf"])))
			}
		}
	}
	// Each worker's file is parsed on its own, side by side; each pool's
	// kubelet patch is hashed once.
	args, errs := make([]string, len(p.Workers)), make([]error, len(p.Workers))
	parallel.Do(len(p.Workers), func(i int) {
		args[i], errs[i] = kubeletArgsHash(files, "kubeadm/join-worker/"+p.Workers[i].Name+".yaml")
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	patches := map[string]string{}
	for i, n := range p.Workers {
		m := add(n, RoleWorker)
		nodeFacts(m, n, args[i])
		patch, ok := patches[n.Pool]
		if !ok {
			patch = folderHash(files, plan.KubeletPatchTree+n.Pool+"/")
			patches[n.Pool] = patch
		}
		m.KubeletPatch = patch
	}
	for _, name := range order {
		s.Machines = append(s.Machines, *byName[name])
	}
	sort.SliceStable(s.Machines, func(i, j int) bool { return s.Machines[i].Name < s.Machines[j].Name })
	return nil
}

// kubeletArgsHash hashes the nodeRegistration of a node's kubeadm file:
// what its kubelet is started with. The file is blueprint's own rendering,
// whose one nodeRegistration block is parsed alone (a 5,000-node tree
// has as many files); a file where that block cannot be told apart is
// parsed whole, as kubeletArgsHashWhole does.
func kubeletArgsHash(files map[string][]byte, file string) (string, error) {
	if block, ok := nodeRegistrationBlock(files[file]); ok {
		var o map[string]any
		if err := yaml.Unmarshal(block, &o); err == nil {
			if reg, ok := o["nodeRegistration"]; ok && len(o) == 1 {
				return hashJSON(reg), nil
			}
		}
	}
	return kubeletArgsHashWhole(files, file)
}

// kubeletArgsHashWhole hashes the nodeRegistration of the file's
// InitConfiguration or, when it has one, its JoinConfiguration.
func kubeletArgsHashWhole(files map[string][]byte, file string) (string, error) {
	docs, err := kubeadmDocs(files[file])
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	var out string
	for _, kind := range []string{"InitConfiguration", "JoinConfiguration"} {
		if d := docs[kind]; d != nil {
			reg, _ := get(d, "nodeRegistration")
			out = hashJSON(reg)
		}
	}
	return out, nil
}

// nodeRegistrationBlock returns the lines of the file's one top-level
// nodeRegistration key, up to the next top-level line that is not a
// comment; false when the file has none or several, or when the document
// that holds it is not an Init or Join configuration.
func nodeRegistrationBlock(data []byte) ([]byte, bool) {
	const key = "nodeRegistration:"
	start, end, docStart := -1, -1, 0
	for at := 0; at < len(data); {
		line := data[at:]
		if n := bytes.IndexByte(line, '\n'); n >= 0 {
			line = line[:n+1]
		}
		switch top := len(line) > 0 && line[0] != ' ' && line[0] != '\n' && line[0] != '#'; {
		case bytes.HasPrefix(line, []byte(key)) && bytes.Equal(bytes.TrimSpace(line), []byte(key)):
			own := data[docStart:at]
			if start >= 0 || !bytes.Contains(own, []byte("\nkind: InitConfiguration\n")) && !bytes.Contains(own, []byte("\nkind: JoinConfiguration\n")) {
				return nil, false
			}
			start = at
		case top && start >= 0 && end < 0:
			end = at // the next top-level key, or the document's end
		}
		if bytes.HasPrefix(line, []byte("---")) {
			docStart = at
		}
		at += len(line)
	}
	if start < 0 {
		return nil, false
	}
	if end < 0 {
		end = len(data)
	}
	return data[start:end], true
}

// etcdMemberHash hashes what configures an external etcd member, leaving
// out the flags etcd reads only when it first starts (initial-cluster and
// initial-cluster-state): a member joining others changes those in every
// member's file without any member needing a restart.
func etcdMemberHash(file []byte) string {
	docs, err := parseDocs(file)
	if err != nil {
		return Hash(file)
	}
	for _, d := range docs {
		args, ok := get(d, "etcd.local.extraArgs")
		if !ok {
			continue
		}
		items, _ := args.([]any)
		var kept []any
		for _, it := range items {
			m, _ := it.(map[string]any)
			if n, _ := m["name"].(string); strings.HasPrefix(n, "initial-cluster") {
				continue
			}
			kept = append(kept, it)
		}
		local, _ := get(d, "etcd.local")
		local.(map[string]any)["extraArgs"] = kept
	}
	return hashJSON(docs)
}

// objects records every object kustomize built.
func (s *State) objects(files map[string][]byte, built map[string][]byte) error {
	generators := generatorNames(files)
	dirs := make([]string, 0, len(built))
	for d := range built {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	seen := map[string]bool{}
	for _, dir := range dirs {
		objs, err := parseDocs(built[dir])
		if err != nil {
			return fmt.Errorf("objects of %s: %w", dir, err)
		}
		for _, o := range objs {
			obj := object(o, dir, generators[dir])
			if seen[obj.Key()] {
				continue // a component built into another's folder
			}
			seen[obj.Key()] = true
			s.Objects = append(s.Objects, obj)
		}
	}
	sort.Slice(s.Objects, func(i, j int) bool { return s.Objects[i].Key() < s.Objects[j].Key() })
	return nil
}

// object records one built object.
func object(o map[string]any, component string, generators []string) Object {
	obj := Object{
		APIVersion: str(o, "apiVersion"), Kind: str(o, "kind"),
		Namespace: str(o, "metadata.namespace"), Name: str(o, "metadata.name"),
		Component: component, Hash: hashJSON(o),
	}
	gk := obj.GroupKind()
	if obj.Namespace == "" && !ClusterScoped[gk] {
		obj.Namespace = "default"
	}
	if obj.Kind == "ConfigMap" || obj.Kind == "Secret" {
		for _, g := range generators {
			if rest, ok := strings.CutPrefix(obj.Name, g+"-"); ok && len(rest) == 10 && isLowerAlnum(rest) {
				obj.GeneratedFrom = g
			}
		}
	}
	if fields := TrackedFields[gk]; len(fields) > 0 {
		obj.Fields = map[string]string{}
		for _, f := range fields {
			if v, ok := get(o, f); ok {
				obj.Fields[f] = value(v)
			}
		}
	}
	template := "spec.template"
	if gk == "CronJob.batch" {
		template = "spec.jobTemplate.spec.template"
	}
	if t, ok := get(o, template); ok {
		obj.PodTemplate = hashJSON(t)
		if l, ok := get(o, template+".metadata.labels"); ok {
			obj.PodLabels = map[string]string{}
			for k, v := range l.(map[string]any) {
				obj.PodLabels[k], _ = v.(string)
			}
		}
	}
	if gk == "StorageClass.storage.k8s.io" {
		if a, ok := get(o, "metadata.annotations"); ok {
			v, _ := a.(map[string]any)["storageclass.kubernetes.io/is-default-class"].(string)
			obj.DefaultClass = v == "true"
		}
	}
	if gk == "StatefulSet.apps" {
		replicas := 1
		if r, ok := get(o, "spec.replicas"); ok {
			if f, ok := r.(float64); ok {
				replicas = int(f)
			}
		}
		vcts, _ := get(o, "spec.volumeClaimTemplates")
		list, _ := vcts.([]any)
		for _, v := range list {
			m, _ := v.(map[string]any)
			name := str(m, "metadata.name")
			obj.Claims = append(obj.Claims, fmt.Sprintf("%s-%s-{0..%d}", name, obj.Name, replicas-1))
		}
	}
	return obj
}

func isLowerAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// generatorNames finds, for each built folder, the names its kustomization
// files give to ConfigMap and Secret generators (in that folder or below).
func generatorNames(files map[string][]byte) map[string][]string {
	out := map[string][]string{}
	for p, data := range files {
		if path.Base(p) != "kustomization.yaml" {
			continue
		}
		var k struct {
			ConfigMapGenerator []struct{ Name string } `json:"configMapGenerator"`
			SecretGenerator    []struct{ Name string } `json:"secretGenerator"`
		}
		if yaml.Unmarshal(data, &k) != nil {
			continue
		}
		var names []string
		for _, g := range append(k.ConfigMapGenerator, k.SecretGenerator...) {
			names = append(names, g.Name)
		}
		if len(names) == 0 {
			continue
		}
		// Every folder at or above this one builds these objects.
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			out[d] = append(out[d], names...)
		}
	}
	for d := range out {
		slices.Sort(out[d])
		out[d] = slices.Compact(out[d])
	}
	return out
}

// EtcdVersionFor is the etcd image version kubeadm of Kubernetes 1.minor
// deploys for that minor (its constants.SupportedEtcdVersion, falling back
// to DefaultEtcdVersion as kubeadm's EtcdSupportedVersion does).
func EtcdVersionFor(minor int) string {
	if v, ok := etcdVersions[minor]; ok {
		return v
	}
	return "unknown"
}

// etcdVersions, read from cmd/kubeadm/app/constants/constants.go of
// k8s.io/kubernetes at the release named: the version kubeadm of that minor
// deploys for its own minor. 1.33 is from the table of kubeadm v1.34.5,
// which lists 1.33.
var etcdVersions = map[int]string{
	33: "3.5.24-0", // v1.34.5 SupportedEtcdVersion[33]
	34: "3.6.5-0",  // v1.34.5 SupportedEtcdVersion[34], DefaultEtcdVersion
	35: "3.6.6-0",  // v1.35.6 SupportedEtcdVersion[35], DefaultEtcdVersion
	36: "3.6.8-0",  // v1.36.5 SupportedEtcdVersion[36], DefaultEtcdVersion
	37: "3.7.0-0",  // v1.37.2 DefaultEtcdVersion (its table stops at 36; EtcdSupportedVersion falls back to it)
}

// MinExternalEtcd is the oldest external etcd kubeadm 1.34 to 1.37 accept
// (constants.MinExternalEtcdVersion, the same in each).
const MinExternalEtcd = "3.5.24-0"
