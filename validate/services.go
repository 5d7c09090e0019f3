package validate

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/blueprint-dev/blueprint/spec"
)

var (
	podSecurityLevels = []string{"restricted", "baseline", "privileged"}
	builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}
	reclaimPolicies   = []string{"Delete", "Retain"}
	bindingModes      = []string{"WaitForFirstConsumer", "Immediate"}
	accessModes       = []string{"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}
	loggingBackends   = []string{"elasticsearch", "opensearch"}
	gitopsTools       = []string{"argocd", "flux"}
	promDuration      = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	jvmHeap           = regexp.MustCompile(`^[1-9][0-9]*[mg]$`)
	registryHost      = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)
	rwo               = []string{"ReadWriteOnce"}
	imageRef          = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._:/-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$`)
)

// services checks the blocks that render the manifests tree.
func (v *validator) services() {
	v.images()
	v.supplyChain()
	v.imageScanning()
	v.namespaces()
	v.storage()
	v.access()
	v.monitoring()
	v.logging()
	v.autoscaling()
	v.expose()
	v.gitops()
	v.workloads()
	for _, p := range v.s.NodePools {
		if _, ok := p.Labels[spec.PoolLabel]; ok {
			v.errorf(p.LabelsRange, &p.DeclRange, "Reserved label", "blueprint labels every node of a pool with %s=<pool name>, which workloads select. Remove it from labels.", spec.PoolLabel)
		}
	}
}

func (v *validator) images() {
	im := v.s.Images
	if im == nil {
		return
	}
	if im.Registry != nil && !registryHost.MatchString(*im.Registry) {
		v.errorf(im.RegistryRange, &im.DeclRange, "Invalid registry", "registry %q should be a host, optional port and path without a scheme, such as \"mirror.example.com:5000/library\".", *im.Registry)
	}
	known := slices.Sorted(maps.Keys(spec.DefaultImages))
	for _, name := range slices.Sorted(maps.Keys(im.Overrides)) {
		ref := im.Overrides[name]
		if !contains(known, name) {
			detail := fmt.Sprintf("No image is called %q; the names are %s.", name, quoteList(known))
			v.errorf(im.OverridesRange, &im.DeclRange, "Unknown image", "%s", detail+didYouMean(name, known))
		}
		if !imageRef.MatchString(ref) || strings.HasSuffix(ref, ":latest") {
			v.errorf(im.OverridesRange, &im.DeclRange, "Image not pinned", "Image %q for %s must name a version tag or a sha256 digest (not latest), so that every node runs the same bits.", ref, name)
		}
	}
}

// declaredNamespaces are the namespaces a reference may name: the spec's
// own, the services' and Kubernetes' built-in ones.
func (v *validator) declaredNamespaces() []string {
	ns := append([]string{}, builtinNamespaces...)
	for _, n := range v.s.Namespaces {
		ns = append(ns, n.Name)
	}
	if m := v.s.Monitoring; m != nil {
		ns = append(ns, m.NamespaceOrDefault())
	}
	if v.s.Etcd.BackupOrDefault().EnabledOrDefault() {
		ns = append(ns, spec.BackupNamespace)
	}
	if l := v.s.Logging; l != nil {
		ns = append(ns, l.NamespaceOrDefault())
	}
	for _, k := range v.s.Kafka {
		ns = append(ns, k.NamespaceOrDefault())
	}
	for _, h := range v.s.HDFS {
		ns = append(ns, h.NamespaceOrDefault())
	}
	for _, sp := range v.s.Spark {
		ns = append(ns, sp.NamespaceOrDefault())
	}
	if is := v.s.ImageScanning; is != nil {
		ns = append(ns, is.NamespaceOrDefault())
	}
	return ns
}

func (v *validator) namespaceRef(ns string, rng hcl.Range, ctx *hcl.Range) {
	known := v.declaredNamespaces()
	if contains(known, ns) {
		return
	}
	detail := fmt.Sprintf("Namespace %q is not declared. Add namespace %q {} or use one of %s.", ns, ns, quoteList(known))
	v.errorf(rng, ctx, "Unknown namespace", "%s", detail+didYouMean(ns, known))
}

// objectName checks a name that becomes a Kubernetes object name.
func (v *validator) objectName(name string, rng hcl.Range, ctx *hcl.Range, what string) {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		v.errorf(rng, ctx, "Invalid "+what+" name", "%q: %s.", name, strings.Join(errs, "; "))
	}
}

func (v *validator) namespaces() {
	seen := map[string]bool{}
	for _, n := range v.s.Namespaces {
		if errs := validation.IsDNS1123Label(n.Name); len(errs) > 0 {
			v.errorf(n.NameRange, &n.DeclRange, "Invalid namespace name", "%q: %s.", n.Name, strings.Join(errs, "; "))
		}
		if contains(builtinNamespaces, n.Name) {
			v.errorf(n.NameRange, &n.DeclRange, "Built-in namespace", "Namespace %q exists in every cluster and blueprint does not manage it; refer to it without declaring it.", n.Name)
		}
		if seen[n.Name] {
			v.errorf(n.NameRange, &n.DeclRange, "Duplicate namespace", "Namespace %q is declared twice.", n.Name)
		}
		seen[n.Name] = true
		level := n.PodSecurityOrDefault()
		if v.oneOf(level, podSecurityLevels, n.PodSecurityRange, &n.DeclRange, "pod_security level") && level != "restricted" &&
			(n.Reason == nil || strings.TrimSpace(*n.Reason) == "") {
			v.errorf(n.PodSecurityRange, &n.DeclRange, "Relaxed pod security without a reason",
				"Namespace %q is %s instead of restricted. Say why in reason = \"…\"; it is written on the namespace for reviewers.", n.Name, level)
		}
		for _, k := range slices.Sorted(maps.Keys(n.Labels)) {
			v.objectLabel(k, n.Labels[k], n.LabelsRange, &n.DeclRange)
			if strings.HasPrefix(k, "pod-security.kubernetes.io/") || k == "kubernetes.io/metadata.name" {
				v.errorf(n.LabelsRange, &n.DeclRange, "Reserved label", "Label %q is set by blueprint from pod_security; remove it.", k)
			}
		}
	}
}

func (v *validator) objectLabel(k, val string, rng hcl.Range, ctx *hcl.Range) {
	if errs := validation.IsQualifiedName(k); len(errs) > 0 {
		v.errorf(rng, ctx, "Invalid label key", "Label key %q: %s.", k, strings.Join(errs, "; "))
	}
	if errs := validation.IsValidLabelValue(val); len(errs) > 0 {
		v.errorf(rng, ctx, "Invalid label value", "Label %s=%q: %s.", k, val, strings.Join(errs, "; "))
	}
}

// quantity checks a size such as "50Gi": memory (what is "memory") or
// storage (anything else).
func (v *validator) quantity(s string, rng hcl.Range, ctx *hcl.Range, what string) {
	q, err := resource.ParseQuantity(s)
	if err != nil || q.Sign() <= 0 {
		v.errorf(rng, ctx, "Invalid "+what, "%q is not a positive Kubernetes quantity such as \"10Gi\".", s)
		return
	}
	most := maxStorage
	if what == "memory" {
		most = maxMemory
	}
	v.bytesInRange(q, s, most, rng, ctx, what)
}

// The largest sizes blueprint takes. Kubernetes keeps a size in bytes in
// an int64 (at most 8Ei) and a quantity parses far beyond that, so the API
// server accepts a PersistentVolumeClaim of 99999999999999999999Ei; no
// volume, node or container comes near these, so a larger value is a typo.
var (
	maxStorage = resource.MustParse("1Pi")  // one volume
	maxMemory  = resource.MustParse("64Ti") // one node or one container
	maxCPU     = resource.MustParse("1024") // cores of one node or container
)

// bytesInRange checks that a positive quantity of bytes is whole and at
// most most.
func (v *validator) bytesInRange(q resource.Quantity, s string, most resource.Quantity, rng hcl.Range, ctx *hcl.Range, what string) {
	if q.Cmp(most) > 0 {
		v.errorf(rng, ctx, "Invalid "+what, "%s %q is larger than %s, the most blueprint takes for one %s: is a unit wrong?", what, s, most.String(), sizeOf(what))
		return
	}
	if whole := q.DeepCopy(); !whole.RoundUp(0) {
		v.errorf(rng, ctx, "Invalid "+what, "%s %q is not a whole number of bytes (the suffix m means thousandths, not mega: write M or Mi).", what, s)
	}
}

// sizeOf names what a size measures, for messages.
func sizeOf(what string) string {
	if what == "memory" {
		return "node or container"
	}
	return "volume"
}

func (v *validator) storageClassRef(name string, rng hcl.Range, ctx *hcl.Range) {
	var known []string
	for _, c := range v.s.StorageClasses {
		known = append(known, c.Name)
		if c.Name == name {
			return
		}
	}
	detail := fmt.Sprintf("Storage class %q is not declared in this spec.", name)
	switch hint := didYouMean(name, known); {
	case len(known) == 0:
		detail += " Add a storage_class block for it."
	case hint != "":
		detail += hint
	default:
		detail += " Declared: " + quoteList(known) + "."
	}
	v.errorf(rng, ctx, "Unknown storage class", "%s", detail)
}

func (v *validator) accessModes(modes []string, rng hcl.Range, ctx *hcl.Range) {
	for _, m := range modes {
		v.oneOf(m, accessModes, rng, ctx, "access mode")
	}
}

func (v *validator) storage() {
	seen := map[string]bool{}
	defaults := 0
	for _, c := range v.s.StorageClasses {
		v.objectName(c.Name, c.NameRange, &c.DeclRange, "storage class")
		if seen[c.Name] {
			v.errorf(c.NameRange, &c.DeclRange, "Duplicate storage class", "Storage class %q is declared twice.", c.Name)
		}
		seen[c.Name] = true
		if errs := validation.IsQualifiedName(c.Provisioner); len(errs) > 0 {
			v.errorf(c.ProvisionerRange, &c.DeclRange, "Invalid provisioner", "Provisioner %q should be a CSI driver name such as \"ebs.csi.aws.com\" or \"kubernetes.io/no-provisioner\": %s.", c.Provisioner, strings.Join(errs, "; "))
		}
		v.oneOf(c.ReclaimPolicyOrDefault(), reclaimPolicies, c.ReclaimPolicyRange, &c.DeclRange, "reclaim policy")
		if v.oneOf(c.BindingModeOrDefault(), bindingModes, c.BindingModeRange, &c.DeclRange, "volume binding mode") && c.BindingModeOrDefault() == "Immediate" {
			v.warnf(CodeImmediateBinding, c.BindingModeRange, &c.DeclRange, "Volumes bound before scheduling",
				"With Immediate binding a volume is created before its pod is scheduled, possibly in a zone where the pod cannot run. WaitForFirstConsumer creates it where the pod lands.")
		}
		for _, z := range c.Zones {
			if !contains(v.zoneNames(), z) {
				v.errorf(c.ZonesRange, &c.DeclRange, "Unknown zone", "Storage class %q allows zone %q, which no zone block declares.", c.Name, z)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(c.Parameters)) {
			if k == "" {
				v.errorf(c.ParametersRange, &c.DeclRange, "Invalid parameter", "Storage class %q has a parameter without a name.", c.Name)
			}
		}
		if c.Default != nil && *c.Default {
			defaults++
			if defaults > 1 {
				v.errorf(c.DefaultRange, &c.DeclRange, "Two default storage classes", "Only one storage class can be the default; claims without a class would pick one at random.")
			}
		}
	}
	names := map[string]bool{}
	for _, m := range v.all {
		names[m.Name] = true
	}
	seenPV := map[string]bool{}
	for _, pv := range v.s.Volumes {
		v.objectName(pv.Name, pv.NameRange, &pv.DeclRange, "volume")
		if seenPV[pv.Name] {
			v.errorf(pv.NameRange, &pv.DeclRange, "Duplicate volume", "Volume %q is declared twice.", pv.Name)
		}
		seenPV[pv.Name] = true
		v.storageClassRef(pv.StorageClass, pv.StorageClassRange, &pv.DeclRange)
		v.quantity(pv.Capacity, pv.CapacityRange, &pv.DeclRange, "capacity")
		v.accessModes(pv.AccessModes, pv.AccessModesRange, &pv.DeclRange)
		v.oneOf(pv.ReclaimPolicyOrDefault(), reclaimPolicies, pv.ReclaimPolicyRange, &pv.DeclRange, "reclaim policy")
		switch {
		case (pv.Local == nil) == (pv.NFS == nil):
			v.errorf(pv.NameRange, &pv.DeclRange, "Volume source", "Volume %q needs exactly one of a local { path, node } or an nfs { server, path } block.", pv.Name)
		case pv.Local != nil:
			v.absPath(pv.Local.Path, pv.Local.PathRange, &pv.Local.DeclRange)
			if !names[pv.Local.Node] {
				v.errorf(pv.Local.NodeRange, &pv.Local.DeclRange, "Unknown node", "Local volume %q is on node %q, which the spec does not declare.", pv.Name, pv.Local.Node)
			}
		default:
			v.absPath(pv.NFS.Path, pv.NFS.PathRange, &pv.NFS.DeclRange)
			if !validEndpointHost(pv.NFS.Server) {
				v.errorf(pv.NFS.ServerRange, &pv.NFS.DeclRange, "Invalid NFS server", "%q should be an address or a DNS name.", pv.NFS.Server)
			}
		}
	}
	disks := map[string]*spec.PersistentVolume{}
	for _, pv := range v.s.Volumes {
		if pv.Local == nil {
			continue
		}
		key := pv.Local.Node + "\x00" + path.Clean(pv.Local.Path)
		if prev, dup := disks[key]; dup {
			v.errorf(pv.Local.PathRange, &pv.Local.DeclRange, "Two volumes on one disk",
				"Volumes %q and %q (declared at %s) are both %s on node %q: two claims bound to them would share one folder and overwrite each other's data, and each volume's capacity would be a lie. Give each volume its own disk or path.", prev.Name, pv.Name, prev.DeclRange, pv.Local.Path, pv.Local.Node)
			continue
		}
		disks[key] = pv
	}
	seenPVC := map[string]bool{}
	for _, c := range v.s.Claims {
		ns := c.NamespaceOrDefault()
		v.objectName(c.Name, c.NameRange, &c.DeclRange, "claim")
		if seenPVC[ns+"/"+c.Name] {
			v.errorf(c.NameRange, &c.DeclRange, "Duplicate claim", "Claim %q is declared twice in namespace %q.", c.Name, ns)
		}
		seenPVC[ns+"/"+c.Name] = true
		v.namespaceRef(ns, rangeOr(c.NamespaceRange, c.NameRange), &c.DeclRange)
		v.quantity(c.Storage, c.StorageRange, &c.DeclRange, "storage size")
		v.accessModes(c.AccessModes, c.AccessModesRange, &c.DeclRange)
		if c.StorageClass != nil {
			v.storageClassRef(*c.StorageClass, c.StorageClassRange, &c.DeclRange)
		}
		v.claimFits(c.Storage, c.StorageClass, c.AccessModesOrDefault(), c.StorageRange, &c.DeclRange, fmt.Sprintf("Claim %q", c.Name))
	}
}

func (v *validator) absPath(p string, rng hcl.Range, ctx *hcl.Range) {
	if !path.IsAbs(p) || path.Clean(p) != p {
		v.errorf(rng, ctx, "Invalid path", "%q should be a clean absolute path such as \"/mnt/disks/ssd0\".", p)
	}
}

func (v *validator) poolRef(name *string, rng hcl.Range, ctx *hcl.Range) {
	if name == nil {
		return
	}
	var known []string
	for _, p := range v.s.NodePools {
		known = append(known, p.Name)
		if p.Name == *name {
			return
		}
	}
	detail := fmt.Sprintf("Node pool %q is not declared; pools: %s.", *name, quoteList(known))
	v.errorf(rng, ctx, "Unknown node pool", "%s", detail+didYouMean(*name, known))
}

func (v *validator) serviceNamespace(ns *string, rng hcl.Range, ctx *hcl.Range) {
	if ns == nil {
		return
	}
	if errs := validation.IsDNS1123Label(*ns); len(errs) > 0 {
		v.errorf(rng, ctx, "Invalid namespace name", "%q: %s.", *ns, strings.Join(errs, "; "))
	} else if contains(builtinNamespaces, *ns) {
		v.errorf(rng, ctx, "Built-in namespace", "Give the service a namespace of its own instead of %q, so its policies and Pod Security level apply to it alone.", *ns)
	}
}

func (v *validator) monitoring() {
	m := v.s.Monitoring
	if m == nil {
		return
	}
	ctx := &m.DeclRange
	v.serviceNamespace(m.Namespace, m.NamespaceRange, ctx)
	v.monitoringEngine(m, ctx)
	v.storageClassRef(m.StorageClass, m.StorageClassRange, ctx)
	if m.Retention != nil && !promDuration.MatchString(*m.Retention) {
		v.errorf(m.RetentionRange, ctx, "Invalid retention", "retention %q should be a Prometheus duration such as \"15d\" or \"12h\".", *m.Retention)
	}
	if m.VolumeSize != nil {
		v.quantity(*m.VolumeSize, m.VolumeSizeRange, ctx, "volume size")
	}
	if n := m.PrometheusReplicasOrDefault(); n < 2 || n > 10 {
		v.errorf(m.PrometheusReplicasRange, ctx, "Prometheus not highly available", "prometheus_replicas must be 2 to 10; with %d, losing one node loses monitoring.", n)
	}
	if n := m.AlertmanagerReplicasOrDefault(); n < 3 || n > 9 {
		v.errorf(m.AlertmanagerReplicasRange, ctx, "Alertmanager not highly available", "alertmanager_replicas must be 3 to 9, so that the cluster keeps deduplicating alerts with one replica down; got %d.", n)
	}
	v.poolRef(m.NodePool, m.NodePoolRange, ctx)
	if v.serviceFit(fit{what: "Prometheus replicas", replicas: m.PrometheusReplicasOrDefault(), replicasRange: m.PrometheusReplicasRange,
		spread: true, pool: m.NodePool, poolRange: m.NodePoolRange, ctx: ctx}) {
		v.serviceFit(fit{what: "Alertmanager replicas", replicas: m.AlertmanagerReplicasOrDefault(), replicasRange: m.AlertmanagerReplicasRange,
			spread: true, pool: m.NodePool, poolRange: m.NodePoolRange, ctx: ctx})
	}
	v.claimFits(m.VolumeSizeOrDefault(), &m.StorageClass, rwo, rangeOr(m.VolumeSizeRange, m.StorageClassRange), ctx, "Each Prometheus volume")
	seen := map[string]bool{}
	for _, r := range m.Receivers {
		v.receiver(r, seen)
	}
	if g := m.Grafana; g != nil {
		v.objectName(g.AdminSecret, g.AdminSecretRange, &g.DeclRange, "secret")
	}
	if m.WebAuthSecret != nil {
		v.objectName(*m.WebAuthSecret, m.WebAuthSecretRange, ctx, "secret")
	}
}

func (v *validator) receiver(r *spec.Receiver, seen map[string]bool) {
	ctx := &r.DeclRange
	if seen[r.Name] {
		v.errorf(r.NameRange, ctx, "Duplicate receiver", "Receiver %q is declared twice.", r.Name)
	}
	seen[r.Name] = true
	if r.Name == "" || strings.Contains(r.Name, `"`) {
		v.errorf(r.NameRange, ctx, "Invalid receiver name", "Receiver names may not be empty or hold a double quote.")
	}
	if (r.WebhookURL == nil) == (r.EmailTo == nil) {
		v.errorf(r.NameRange, ctx, "Receiver target", "Receiver %q needs exactly one of webhook_url or email_to.", r.Name)
		return
	}
	if r.WebhookURL != nil {
		u, err := url.Parse(*r.WebhookURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			v.errorf(r.WebhookURLRange, ctx, "Invalid webhook URL", "%q should be an http or https URL.", *r.WebhookURL)
		case u.User != nil || u.RawQuery != "":
			v.errorf(r.WebhookURLRange, ctx, "Credentials in a webhook URL",
				"The webhook URL carries a user, password or query string, which would be committed with the output. Put such URLs in a Secret and point Alertmanager at it; keep the spec secret-free.")
		}
		return
	}
	if _, err := mail.ParseAddress(*r.EmailTo); err != nil {
		v.errorf(r.EmailToRange, ctx, "Invalid e-mail address", "%q: %v.", *r.EmailTo, err)
	}
	if r.Smarthost == nil || !validSmarthost(*r.Smarthost) {
		v.errorf(rangeOr(r.SmarthostRange, r.NameRange), ctx, "Missing smarthost", "E-mail receivers need smarthost = \"host:port\" of the SMTP relay.")
	}
	if r.EmailFrom == nil {
		v.errorf(r.NameRange, ctx, "Missing sender", "E-mail receivers need email_from = \"alertmanager@example.com\".")
	} else if _, err := mail.ParseAddress(*r.EmailFrom); err != nil {
		v.errorf(r.EmailFromRange, ctx, "Invalid e-mail address", "%q: %v.", *r.EmailFrom, err)
	}
}

func validSmarthost(s string) bool {
	i := strings.LastIndex(s, ":")
	return i > 0 && validEndpointHost(strings.Trim(s[:i], "[]")) && validPort(s[i+1:])
}

func (v *validator) logging() {
	l := v.s.Logging
	if l == nil {
		return
	}
	ctx := &l.DeclRange
	v.serviceNamespace(l.Namespace, l.NamespaceRange, ctx)
	v.oneOf(l.BackendOrDefault(), loggingBackends, l.BackendRange, ctx, "logging backend")
	v.loggingEngine(l, ctx)
	if n := l.ReplicasOrDefault(); n < 3 || n > 15 {
		v.errorf(l.ReplicasRange, ctx, "Search cluster too small", "replicas must be 3 to 15: a search cluster needs three master-eligible nodes to elect a leader with one down; got %d.", n)
	}
	v.storageClassRef(l.StorageClass, l.StorageClassRange, ctx)
	if l.VolumeSize != nil {
		v.quantity(*l.VolumeSize, l.VolumeSizeRange, ctx, "volume size")
	}
	if l.Heap != nil && !jvmHeap.MatchString(*l.Heap) {
		v.errorf(l.HeapRange, ctx, "Invalid heap size", "heap %q should be a JVM size such as \"2g\" or \"1536m\".", *l.Heap)
	}
	v.poolRef(l.NodePool, l.NodePoolRange, ctx)
	// Each search node's container gets twice its heap (plan.Logging's
	// SearchMemory): the heap, and as much for Lucene's file cache.
	v.serviceFit(fit{what: "search nodes", replicas: l.ReplicasOrDefault(), replicasRange: l.ReplicasRange,
		memory: 2 * heapBytes(l.HeapOrDefault()), memoryRange: l.HeapRange, spread: true, pool: l.NodePool, poolRange: l.NodePoolRange, ctx: ctx})
	v.claimFits(l.VolumeSizeOrDefault(), &l.StorageClass, rwo, rangeOr(l.VolumeSizeRange, l.StorageClassRange), ctx, "Each search node's volume")
	if n := l.RetentionDaysOrDefault(); n < 1 || n > 3650 {
		v.errorf(l.RetentionDaysRange, ctx, "Invalid retention", "retention_days must be 1 to 3650: the retention job deletes each daily logs-YYYY.MM.DD index once it is that many days old; got %d. Size it to what the volumes hold, such as 14.", n)
	}
	if l.Namespace != nil && v.s.Monitoring != nil && *l.Namespace == v.s.Monitoring.NamespaceOrDefault() {
		v.errorf(l.NamespaceRange, ctx, "Shared namespace", "Logging and monitoring share namespace %q; give each its own so their policies stay apart.", *l.Namespace)
	}
}

// autoscaling refuses the Cluster Autoscaler. It resizes a cloud node
// group, whose new instances must join with a provider ID, a cloud
// controller manager to set it, and a name and join credential of their
// own: blueprint renders none of that (fixed node names, no cloud provider
// on the kubelets, a bootstrap token valid for hours), so a scaled-up
// instance could never become a Node the autoscaler recognises.
func (v *validator) autoscaling() {
	const why = "blueprint renders kubeadm nodes with fixed names, no provider ID and no cloud controller manager, and joins them with a bootstrap token that expires within hours; instances a cloud node group launches could not join as Nodes the Cluster Autoscaler recognises, so it would only ever fail. Size pools with count_per_zone or node blocks; metrics-server, HPAs and the VPA still work."
	if a := v.s.Autoscaling; a != nil {
		if ca := a.ClusterAutoscaler; ca != nil {
			v.errorf(ca.DeclRange, &a.DeclRange, "Cluster Autoscaler not supported",
				"Remove the cluster_autoscaler block: %s", why)
		}
		if a.VerticalPodAutoscaler != nil {
			v.verticalPodAutoscaler(a.VerticalPodAutoscaler)
		}
	}
	for _, p := range v.s.NodePools {
		if as := p.Autoscale; as != nil {
			v.errorf(as.DeclRange, &p.DeclRange, "Pool autoscaling not supported",
				"Remove the autoscale block of pool %q: %s", p.Name, why)
		}
	}
}

// verticalPodAutoscaler allows recommendations only. The modes that act
// on pods need components blueprint does not render: "Initial" the VPA
// admission controller, a mutating webhook on every pod creation whose TLS
// key pair blueprint would have to write (it writes no secret), and
// "Recreate", "Auto", "InPlaceOrRecreate" and "InPlace" the updater, which
// evicts or resizes running pods of the data services.
func (v *validator) verticalPodAutoscaler(vpa *spec.VerticalPodAutoscaler) {
	ctx := &vpa.DeclRange
	switch mode := vpa.ModeOrDefault(); mode {
	case "Off":
	case "Initial":
		v.errorf(vpa.ModeRange, ctx, "VPA mode not supported",
			"mode \"Initial\" needs the VPA admission controller: a mutating webhook on every pod creation, served with a TLS key pair that blueprint would have to write, and blueprint writes no secret. Use mode = \"Off\": read the recommendations (kubectl describe vpa -A) and size the workloads in this spec, the JVM heap with the memory.")
	case "Recreate", "Auto", "InPlaceOrRecreate", "InPlace":
		v.errorf(vpa.ModeRange, ctx, "VPA would resize running data services",
			"mode %q lets the VPA updater evict or resize running pods. Evicting a Kafka broker, an HDFS NameNode or DataNode or a search node to resize it costs a rebalance, a failover or a shard recovery, and a new memory size without a matching heap is wasted or OOM-killed. Use mode = \"Off\" and apply the recommendations to this spec deliberately, one zone at a time.", mode)
	default:
		v.oneOf(mode, []string{"Off"}, vpa.ModeRange, ctx, "VPA update mode")
	}
	if v.s.Monitoring == nil && v.s.Logging == nil && len(v.s.Kafka)+len(v.s.HDFS) == 0 {
		v.warnf(CodeVPANothing, vpa.DeclRange, ctx, "Nothing for the VPA to size",
			"The VPA recommends requests for blueprint's monitoring, logging, Kafka and HDFS workloads, and this spec has none of them: the recommender would run for nothing. Remove the vertical_pod_autoscaler block, or turn on one of those services.")
	}
}

func (v *validator) expose() {
	e := v.s.Expose
	if e == nil {
		return
	}
	ctx := &e.DeclRange
	switch {
	case e.IngressClass != nil && e.GatewayClass != nil:
		v.errorf(e.GatewayClassRange, ctx, "Both gateway_class and ingress_class",
			"The dashboards are published one way: through a Gateway of the class gateway_class names, or through Ingress objects of ingress_class. Keep gateway_class if the cluster has a Gateway API implementation, and remove ingress_class.")
	case e.IngressClass == nil && e.GatewayClass == nil:
		v.errorf(e.DeclRange, ctx, "Neither gateway_class nor ingress_class",
			"Say how the dashboards are published: gateway_class = \"<GatewayClass>\" for a Gateway of the cluster's Gateway API implementation, or ingress_class = \"<IngressClass>\" for Ingress objects.")
	}
	if e.IngressClass != nil {
		v.objectName(*e.IngressClass, e.IngressClassRange, ctx, "ingress class")
	}
	if e.GatewayClass != nil {
		v.objectName(*e.GatewayClass, e.GatewayClassRange, ctx, "gateway class")
	}
	v.objectName(e.TLSSecret, e.TLSSecretRange, ctx, "secret")
	if e.ControllerNamespace != nil {
		if errs := validation.IsDNS1123Label(*e.ControllerNamespace); len(errs) > 0 {
			v.errorf(e.ControllerNamespaceRange, ctx, "Invalid namespace", "controller_namespace %q is not a namespace name: %s.", *e.ControllerNamespace, strings.Join(errs, "; "))
		}
	} else if e.IngressClass != nil && e.GatewayClass == nil {
		v.errorf(e.IngressClassRange, ctx, "Missing controller_namespace",
			"The dashboards admit connections only from the ingress controller, so name the namespace its pods run in: controller_namespace = \"ingress-nginx\" for ingress-nginx's own install, for example. A controller on the nodes' host network is not admitted.")
	}
	class, rng := e.IngressClass, e.IngressClassRange
	if e.GatewayClass != nil {
		class, rng = e.GatewayClass, e.GatewayClassRange
	}
	if class != nil && *class == "cilium" && v.s.Network != nil && v.s.Network.CNIOrDefault() == "cilium" {
		v.warnf(CodeCiliumIngress, rng, ctx, "NetworkPolicies block Cilium's proxy",
			"Cilium serves its Gateway and Ingress classes from the Envoy on each node, and that traffic reaches the dashboards with Cilium's reserved ingress identity, which no Kubernetes NetworkPolicy can allow: the dashboards' policies would drop it. Add a CiliumNetworkPolicy that lets fromEntities [ingress] reach them, or use an implementation that proxies from pods (such as Envoy Gateway or ingress-nginx).")
	}
	hosts := map[string]string{}
	host := func(h *string, rng hcl.Range, needs bool, what string) {
		if h == nil {
			return
		}
		if errs := validation.IsDNS1123Subdomain(*h); len(errs) > 0 || !strings.Contains(*h, ".") {
			v.errorf(rng, ctx, "Invalid host name", "%q should be a fully qualified DNS name such as \"grafana.example.com\".", *h)
		}
		if !needs {
			v.errorf(rng, ctx, "Nothing to expose", "%s is exposed, but the spec does not turn it on.", what)
		}
		if other, ok := hosts[*h]; ok {
			v.errorf(rng, ctx, "Host exposed twice", "%s and %s are both at %q; give each dashboard a host of its own.", other, what, *h)
		}
		hosts[*h] = what
	}
	host(e.Grafana, e.GrafanaRange, v.s.Monitoring != nil, "Grafana (monitoring block)")
	host(e.Alertmanager, e.AlertmanagerRange, v.s.Monitoring != nil, "Alertmanager (monitoring block)")
	host(e.Kibana, e.KibanaRange, v.s.Logging != nil, "Kibana (logging block)")
	host(e.Prometheus, e.PrometheusRange, v.s.Monitoring != nil, "Prometheus (monitoring block)")
}

func (v *validator) gitops() {
	g := v.s.GitOps
	if g == nil {
		return
	}
	ctx := &g.DeclRange
	v.oneOf(g.Tool, gitopsTools, g.ToolRange, ctx, "GitOps tool")
	switch summary, detail := repoURLProblem(g.RepoURL); summary {
	case "":
	case "Credentials in a repository URL":
		v.errorf(g.RepoURLRange, ctx, summary, "%s It would be committed with the output. Leave the URL without credentials and give %s a repository Secret instead (Argo CD: a Secret labelled argocd.argoproj.io/secret-type: repository; Flux: the GitRepository's secretRef).", detail, g.Tool)
	default:
		v.errorf(g.RepoURLRange, ctx, summary, "%s", detail)
	}
	p := strings.Trim(g.Path, "/")
	if g.Path == "" || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, `"`) {
		v.errorf(g.PathRange, ctx, "Invalid repository path", "path %q should be the folder of the repository where this rendered output is committed, such as \"clusters/dataplat\".", g.Path)
	}
	if g.Revision != nil && (strings.TrimSpace(*g.Revision) == "" || strings.ContainsAny(*g.Revision, " \"~^:")) {
		v.errorf(g.RevisionRange, ctx, "Invalid revision", "revision %q should be a branch name such as \"main\".", *g.Revision)
	}
}

var (
	// scpRepo is git's scp-like form, user@host:path.
	scpRepo = regexp.MustCompile(`^[a-z0-9_]+@[a-zA-Z0-9.-]+:[A-Za-z0-9._/~-]+$`)
	// scpCredentials is the scp-like form with a password: user:pass@host:path.
	scpCredentials = regexp.MustCompile(`^[^/@]*:[^/@]*@[^/:]+:`)
	// credentialParam is a query parameter whose name says it carries a
	// credential: private_token, access_token, api-key, password, X-Amz-
	// Signature, sig, auth, …
	credentialParam = regexp.MustCompile(`(?i)(token|key|pass|pwd|secret|auth|sig|cred|session|jwt|bearer)`)
	// knownToken is the shape of the access tokens the common forges issue,
	// wherever in the URL it stands.
	knownToken = regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})`)
)

// repoURLProblem says what is wrong with a GitOps repository URL, or ""
// when nothing is. Credentials are looked for in every place a URL can
// carry them (user information, query parameters, the fragment) and in
// every spelling: percent-encoding is undone first, twice over, so
// "%70rivate_token" is private_token.
func repoURLProblem(raw string) (summary, detail string) {
	decoded := raw
	for range 3 {
		d, err := url.PathUnescape(decoded)
		if err != nil || d == decoded {
			break
		}
		decoded = d
	}
	scheme, rest, hasScheme := strings.Cut(decoded, "://")
	if !hasScheme && scpCredentials.MatchString(decoded) {
		return "Credentials in a repository URL", fmt.Sprintf("%q carries a password before the @.", raw)
	}
	if hasScheme {
		authority, _, _ := strings.Cut(rest, "/")
		if user, _, ok := strings.Cut(authority, "@"); ok && (scheme != "ssh" || strings.Contains(user, ":")) {
			return "Credentials in a repository URL", fmt.Sprintf("%q carries a user name or token and password before the @ (only ssh:// may name a user, without a password).", raw)
		}
	}
	if m := knownToken.FindString(decoded); m != "" {
		return "Credentials in a repository URL", fmt.Sprintf("%q holds an access token (%s…).", raw, m[:min(len(m), 8)])
	}
	if i := strings.IndexAny(decoded, "?#;"); i >= 0 {
		params := strings.FieldsFunc(decoded[i:], func(r rune) bool { return strings.ContainsRune("?#&;", r) })
		for _, kv := range params {
			if name, _, _ := strings.Cut(kv, "="); credentialParam.MatchString(name) {
				return "Credentials in a repository URL", fmt.Sprintf("%q passes parameter %q, which carries a credential.", raw, name)
			}
		}
	}
	if strings.Contains(decoded, "#") {
		return "Fragment in a repository URL", fmt.Sprintf("%q has a fragment (#…): git never sends one to the server, and tokens are sometimes passed there. Write the URL without it; a branch or tag goes in revision.", raw)
	}
	if scpRepo.MatchString(raw) {
		return "", ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "ssh" && u.Scheme != "http") {
		return "Invalid repository URL", fmt.Sprintf("%q should be an https:// or ssh:// URL, or git@host:path.", raw)
	}
	return "", ""
}
