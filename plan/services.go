package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/blueprint-dev/blueprint/internal/escape"
	"github.com/blueprint-dev/blueprint/spec"
)

// Services is the data of the manifests/ kustomize tree.
type Services struct {
	Namespaces     []Namespace // every namespace blueprint creates, sorted
	StorageClasses []StorageClass
	Volumes        []Volume
	Claims         []Claim
	Roles          []Role
	Bindings       []Binding
	Monitoring     *Monitoring
	Logging        *Logging
	Autoscaling    *Autoscaling
	Expose         *Expose
	GitOps         *GitOps
	Images         []Image // every image the tree runs
	// Backup is the plan's Etcd.Backup, for the manifests it renders.
	Backup *EtcdBackup
	// CSRApprover approves the kubelets' serving certificates.
	CSRApprover *CSRApprover
	// ImageAdmission is the images admission policy (the plan's
	// ImageSupply.Admission); nil when off.
	ImageAdmission *Admission
	// ImageScanning is the Trivy Operator; nil without image_scanning.
	ImageScanning *ImageScanning

	workloads *Workloads // the plan's, for Components
}

// Enabled reports whether the spec asks for any cluster service, and so
// whether render writes a manifests/ tree.
func (s *Services) Enabled() bool {
	return len(s.Namespaces)+len(s.StorageClasses)+len(s.Volumes)+len(s.Claims)+len(s.Roles)+len(s.Bindings) > 0 ||
		s.Monitoring != nil || s.Logging != nil || s.Autoscaling != nil || s.Backup != nil || s.CSRApprover != nil
}

// Namespace is a namespace blueprint creates, with its Pod Security level.
type Namespace struct {
	Name        string
	PodSecurity string // restricted, baseline or privileged
	Reason      string // why a namespace is not restricted
	Labels      []Label
	// Scraped is true when Prometheus scrapes pods in this namespace, so its
	// default-deny policy lets the monitoring namespace in.
	Scraped bool
}

// StorageClass is a StorageClass of the spec.
type StorageClass struct {
	Name           string
	Provisioner    string
	Parameters     []Label // sorted by key
	ReclaimPolicy  string
	BindingMode    string
	AllowExpansion bool
	Zones          []string
	Default        bool
}

// Volume is a static PersistentVolume.
type Volume struct {
	Name          string
	StorageClass  string
	Capacity      string
	AccessModes   []string
	ReclaimPolicy string
	LocalPath     string // set for a local volume …
	Node          string // … on this node
	NFSServer     string // set for an NFS volume
	NFSPath       string
}

// Claim is a PersistentVolumeClaim of the spec.
type Claim struct {
	Name         string
	Namespace    string
	Storage      string
	AccessModes  []string
	StorageClass string // empty: the cluster's default class
}

// Role is a namespaced role of the spec.
type Role struct {
	Name      string
	Namespace string
	Rules     []Rule
}

// Rule is one RBAC policy rule.
type Rule struct {
	APIGroups []string
	Resources []string
	Verbs     []string
}

// Binding grants a role to subjects: a RoleBinding when Namespace is set,
// otherwise a ClusterRoleBinding (break-glass only).
type Binding struct {
	Name      string
	Namespace string
	RoleKind  string // Role or ClusterRole
	RoleName  string
	Subjects  []Subject
	Source    string // what in the spec asked for it: role_binding, team or break_glass
	Reason    string // break-glass only
}

// Subject is a user, group or service account.
type Subject struct {
	Kind      string // User, Group or ServiceAccount
	Name      string
	Namespace string // service accounts only
}

// String names the subject the way kubectl auth can-i --as does.
func (s Subject) String() string {
	switch s.Kind {
	case "ServiceAccount":
		return "system:serviceaccount:" + s.Namespace + ":" + s.Name
	case "Group":
		return "group " + s.Name
	}
	return s.Name
}

// Placement pins a component's pods to a node pool.
type Placement struct {
	Pool         string
	NodeSelector []Label
	Tolerations  []Taint
}

// Monitoring is Prometheus, Alertmanager, Grafana and the exporters.
type Monitoring struct {
	Namespace            string
	StorageClass         string
	Retention            string
	VolumeSize           string
	PrometheusReplicas   int
	AlertmanagerReplicas int
	Placement            Placement
	Receivers            []Receiver
	DefaultReceiver      string
	GrafanaAdminSecret   string
	// WebAuthSecret holds the basic-auth web configuration Prometheus and
	// Alertmanager serve with (web-config.yml) and the account Prometheus,
	// Grafana and the readiness probes log in with (username, password).
	WebAuthSecret string
	// EtcdTargets are the etcd members' metrics endpoints (host:2381).
	EtcdTargets []string
	// ControlPlaneAddresses are the masters, where kube-scheduler and
	// kube-controller-manager serve metrics.
	ControlPlaneAddresses []string
	// RetentionSize caps the TSDB below its volume (see derive).
	RetentionSize string
	// NullReceiver is one of Receivers, with no target: the always-firing
	// Watchdog alert is routed there.
	NullReceiver string
	// ReceiverPorts are the TCP ports Alertmanager sends notifications to.
	ReceiverPorts []int
	// APIServerPorts are where pods reach the API: kube-apiserver itself
	// and, if it differs, the load balancer's port.
	APIServerPorts []int
	// AlertmanagerPeers are the cluster addresses (host:port) of every
	// Alertmanager replica, through its headless service.
	AlertmanagerPeers []string
	// MeshListenAddress is where Alertmanager's cluster port listens: every
	// address of the pod network's primary family.
	MeshListenAddress string
	// RuleFiles are the rule files' names (NAME.rules.yml), see ruleFiles.
	RuleFiles []string
	// Engine is spec.EngineStatefulSet (the StatefulSets of
	// manifests/monitoring/) or spec.EngineOperator, with Operator set.
	Engine   string
	Operator *PrometheusOperator
}

// Receiver is an Alertmanager receiver.
type Receiver struct {
	Name       string
	WebhookURL string
	EmailTo    string
	Smarthost  string
	EmailFrom  string
}

// Logging is the search cluster, the log shipper and the dashboard.
type Logging struct {
	Namespace    string
	OpenSearch   bool // OpenSearch and OpenSearch Dashboards instead of Elasticsearch and Kibana
	Replicas     int
	StorageClass string
	VolumeSize   string
	Heap         string
	Placement    Placement
	// RetentionDays is how many days of daily logs-YYYY.MM.DD indices the
	// log-retention CronJob keeps; it deletes the older ones.
	RetentionDays int
	// Secrets are the Secrets the logging stack refers to (certificates,
	// built-in user passwords), listed in ARCHITECTURE.md.
	Secrets []SecretRef
	// Search and Dashboards name the search cluster's and the dashboard's
	// objects and pods: elasticsearch and kibana, or opensearch and
	// opensearch-dashboards.
	Search, Dashboards string
	// SearchPods are the StatefulSet's pod names, which bootstrap the
	// cluster (cluster.initial_master_nodes); SeedHosts are their DNS names
	// through the headless Service, where each node looks for the others.
	SearchPods, SeedHosts []string
	// SearchMemory is each search node's memory request and limit: twice
	// the heap, the other half for Lucene's file cache and direct buffers.
	SearchMemory string
	// ZoneAware is true from Kubernetes 1.35, whose PodTopologyLabels
	// admission plugin (beta, on by default) copies the node's
	// topology.kubernetes.io/zone label onto each pod at binding: a search
	// node then reads its zone through the downward API, and shard
	// allocation awareness keeps a shard's copies in different zones.
	ZoneAware bool
	// APIServerPorts are the ports the shipper reaches the API server on:
	// 6443 and, if it differs, the load balancer's port.
	APIServerPorts []int
	// Exporter names the search cluster's metrics exporter, which runs
	// when monitoring does (elasticsearch-exporter or opensearch-exporter),
	// and search.rules.yml alerts on; empty without monitoring. It serves
	// on ExporterPort and logs in as ExporterUser.
	Exporter     string
	ExporterPort int
	ExporterUser string
	// SearchHost is the name the shipper, the retention job and the
	// exporter reach the search cluster's HTTPS port by, CASecret the
	// Secret whose ca.crt they trust, and AdminSecret (key AdminKey) the
	// superuser's password the retention job logs in with.
	SearchHost, CASecret, AdminSecret, AdminKey string
	// ECK is set with engine = "operator": the search cluster and the
	// dashboard run on the ECK operator.
	ECK *ECK
}

// SearchExporterPort is where the search cluster's exporter serves metrics.
const SearchExporterPort = 9114

// SearchExporterUser is the search cluster user the exporter logs in as,
// with the metrics_exporter role of roles.yml.
const SearchExporterUser = "search-exporter"

// Autoscaling is metrics-server and, if asked, the VPA recommender. (The
// Cluster Autoscaler is refused by validate: see its autoscaling rule.)
type Autoscaling struct {
	VPA *VerticalPodAutoscaler // nil: no vertical_pod_autoscaler block
}

// GatewayNamespace holds the dashboards' Gateway and the certificate its
// listeners serve: a namespace of their own, so that who may read that
// Secret or change the Gateway is granted nothing else.
const GatewayNamespace = "gateway"

// Ports of the dashboards' Services, which the Service templates write too;
// gateway_test.go holds the routes to the rendered Services.
const (
	GrafanaPort      = 3000
	PrometheusPort   = 9090
	AlertmanagerPort = 9093
	DashboardsPort   = 5601
)

// Expose publishes the dashboards through a Gateway or through Ingress.
type Expose struct {
	IngressClass string // set for Ingress objects …
	GatewayClass string // … or for a Gateway and HTTPRoutes
	// Gateway and GatewayNamespace name the one Gateway blueprint renders
	// when GatewayClass is set and a dashboard is exposed; the TLS Secret
	// must be in GatewayNamespace.
	Gateway, GatewayNamespace string
	TLSSecret                 string
	Grafana                   string // host names; empty ones stay ClusterIP only
	Kibana                    string
	Alertmanager              string
	Prometheus                string
	// ControllerNamespace is where the ingress controller, or a Gateway
	// implementation's proxies, run (expose { controller_namespace });
	// may be empty with a Gateway.
	ControllerNamespace string
	// Routes are the exposed dashboards: Grafana, Alertmanager, Prometheus,
	// then the logging dashboard.
	Routes []Route
}

// Route is an exposed dashboard. Name is its Service's name, its Ingress's
// or HTTPRoute's, and its HTTPS listener's on the Gateway.
type Route struct {
	Name      string // grafana, alertmanager, prometheus, kibana or opensearch-dashboards
	Title     string // Grafana, Alertmanager, Prometheus, Kibana or OpenSearch Dashboards
	Host      string
	Namespace string
	Port      int // the Service's port
	// Gateway and GatewayNamespace are Expose's, for the HTTPRoute's
	// parent; empty with Ingress.
	Gateway, GatewayNamespace string
}

// ProxyNamespaces are the namespaces whose pods may open the exposed
// dashboards: the Gateway's, where some implementations run its proxies,
// and the ingress controller's or the implementation's own. Nothing else
// in the cluster reaches a dashboard's port.
func (e *Expose) ProxyNamespaces() []string {
	var out []string
	if e.GatewayNamespace != "" {
		out = append(out, e.GatewayNamespace)
	}
	if e.ControllerNamespace != "" && !slices.Contains(out, e.ControllerNamespace) {
		out = append(out, e.ControllerNamespace)
	}
	sort.Strings(out)
	return out
}

// ProxyRule is a NetworkPolicy ingress rule that admits the proxies in
// front of an exposed dashboard, and nothing else, on its port.
type ProxyRule struct {
	Namespaces []string
	Port       int
	Via        string // who, in words
}

// ProxyRule returns the rule that admits the proxies to a dashboard's port.
func (e *Expose) ProxyRule(port int) ProxyRule {
	via := "the ingress controller (namespace " + e.ControllerNamespace + ")"
	if e.Gateway != "" {
		via = "the Gateway's proxies (namespace " + strings.Join(e.ProxyNamespaces(), " or ") + ")"
	}
	return ProxyRule{Namespaces: e.ProxyNamespaces(), Port: port, Via: via}
}

// Route returns the exposed dashboard called name, or nil.
func (e *Expose) Route(name string) *Route {
	for i := range e.Routes {
		if e.Routes[i].Name == name {
			return &e.Routes[i]
		}
	}
	return nil
}

// GitOps wires the tree into Argo CD or Flux.
type GitOps struct {
	Tool     string // argocd or flux
	RepoURL  string
	Path     string // the rendered folder inside the repository
	Revision string
	// SSH is true for ssh:// and git@host: URLs: the controller needs a
	// deploy key (GitSecret) to fetch.
	SSH bool
	// Secret is GitSecret when SSH is set.
	Secret string
}

// Versions of the GitOps controllers ARCHITECTURE.md installs.
const (
	ArgoCDVersion = "v3.6.1"
	FluxVersion   = "v2.9.5"
)

// ToolTitle names the GitOps tool for people.
func (g *GitOps) ToolTitle() string {
	if g.Tool == "argocd" {
		return "Argo CD"
	}
	return "Flux"
}

// ToolVersion is the pinned release of the GitOps tool.
func (g *GitOps) ToolVersion() string {
	if g.Tool == "argocd" {
		return ArgoCDVersion
	}
	return FluxVersion
}

// InstallCommand installs the pinned release of the GitOps tool from its
// project's release manifests: Argo CD's highly available variant into
// namespace argocd, where the Applications live, or Flux's controllers into
// flux-system.
func (g *GitOps) InstallCommand() string {
	if g.Tool == "argocd" {
		return "kubectl create namespace argocd && kubectl apply -n argocd --server-side --force-conflicts -f https://raw.githubusercontent.com/argoproj/argo-cd/" + ArgoCDVersion + "/manifests/ha/install.yaml"
	}
	return "kubectl apply -f https://github.com/fluxcd/flux2/releases/download/" + FluxVersion + "/install.yaml"
}

// KeepAnnotations are what the GitOps tool reads as "never prune this
// object": Namespaces and PersistentVolumeClaims carry them, so that
// removing a namespace or claim from the spec does not delete its volumes
// (deleting a Namespace deletes every claim in it). Empty without GitOps.
func (s Services) KeepAnnotations() []Label {
	if s.GitOps == nil {
		return nil
	}
	switch s.GitOps.Tool {
	case "argocd":
		return []Label{{Key: "argocd.argoproj.io/sync-options", Value: "Prune=false"}}
	case "flux":
		return []Label{{Key: "kustomize.toolkit.fluxcd.io/prune", Value: "disabled"}}
	}
	return nil
}

// GitSecret names the Secret that holds Flux's SSH deploy key, the name
// flux bootstrap gives it.
const GitSecret = "flux-system"

func buildServices(p *Plan, s *spec.Spec) {
	p.imageRefs = resolveImages(s.Images)
	p.HAProxyImage = p.imageRefs["haproxy"]
	p.KeepalivedImage = p.imageRefs["keepalived"]
	p.LB.KubeVIPImage = p.imageRefs["kube-vip"]
	sv := &p.Services
	pools := map[string]*spec.NodePool{}
	for _, np := range s.NodePools {
		pools[np.Name] = np
	}
	placement := func(pool *string) Placement {
		if pool == nil || pools[*pool] == nil {
			return Placement{}
		}
		np := pools[*pool]
		return Placement{Pool: np.Name, NodeSelector: []Label{{spec.PoolLabel, np.Name}}, Tolerations: poolTaints(np)}
	}
	for _, n := range s.Namespaces {
		ns := Namespace{Name: n.Name, PodSecurity: n.PodSecurityOrDefault(), Labels: sortedLabels(n.Labels)}
		if n.Reason != nil {
			ns.Reason = *n.Reason
		}
		sv.Namespaces = append(sv.Namespaces, ns)
	}
	for _, c := range s.StorageClasses {
		sv.StorageClasses = append(sv.StorageClasses, StorageClass{
			Name: c.Name, Provisioner: c.Provisioner, Parameters: sortedLabels(c.Parameters),
			ReclaimPolicy: c.ReclaimPolicyOrDefault(), BindingMode: c.BindingModeOrDefault(),
			AllowExpansion: c.AllowExpansion != nil && *c.AllowExpansion, Zones: c.Zones,
			Default: c.Default != nil && *c.Default,
		})
	}
	for _, v := range s.Volumes {
		vol := Volume{Name: v.Name, StorageClass: v.StorageClass, Capacity: v.Capacity,
			AccessModes: v.AccessModesOrDefault(), ReclaimPolicy: v.ReclaimPolicyOrDefault()}
		if v.Local != nil {
			vol.LocalPath, vol.Node = v.Local.Path, v.Local.Node
		}
		if v.NFS != nil {
			vol.NFSServer, vol.NFSPath = v.NFS.Server, v.NFS.Path
		}
		sv.Volumes = append(sv.Volumes, vol)
	}
	for _, c := range s.Claims {
		cl := Claim{Name: c.Name, Namespace: c.NamespaceOrDefault(), Storage: c.Storage, AccessModes: c.AccessModesOrDefault()}
		if c.StorageClass != nil {
			cl.StorageClass = *c.StorageClass
		}
		sv.Claims = append(sv.Claims, cl)
	}
	buildAccess(sv, s)
	sv.CSRApprover = buildCSRApprover(p)
	if b := buildEtcdBackup(p, s); b != nil {
		p.Etcd.Backup, sv.Backup = b, b
		sv.addNamespace(Namespace{Name: b.Namespace, PodSecurity: "privileged",
			Reason: "the etcd backup jobs run on the control-plane nodes with the host network and read etcd's client certificate from the host"})
	}

	if m := s.Monitoring; m != nil {
		mon := &Monitoring{
			Namespace: m.NamespaceOrDefault(), StorageClass: m.StorageClass, Retention: m.RetentionOrDefault(),
			VolumeSize: m.VolumeSizeOrDefault(), PrometheusReplicas: m.PrometheusReplicasOrDefault(),
			AlertmanagerReplicas: m.AlertmanagerReplicasOrDefault(), Placement: placement(m.NodePool),
		}
		for _, r := range m.Receivers {
			mon.Receivers = append(mon.Receivers, Receiver{Name: r.Name, WebhookURL: deref(r.WebhookURL),
				EmailTo: deref(r.EmailTo), Smarthost: deref(r.Smarthost), EmailFrom: deref(r.EmailFrom)})
		}
		if len(mon.Receivers) > 0 {
			mon.DefaultReceiver = mon.Receivers[0].Name
		} else {
			// Alertmanager needs a root receiver; without one alerts are
			// visible in its UI and go nowhere else.
			mon.DefaultReceiver = "null"
			mon.Receivers = []Receiver{{Name: "null"}}
		}
		if m.Grafana != nil {
			mon.GrafanaAdminSecret = m.Grafana.AdminSecret
		} else {
			mon.GrafanaAdminSecret = "grafana-admin"
		}
		mon.WebAuthSecret = m.WebAuthSecretOrDefault()
		for _, e := range p.Etcd.Members {
			mon.EtcdTargets = append(mon.EtcdTargets, HostPort(e.Address, EtcdMetricsPort))
		}
		for _, n := range p.ControlPlane {
			mon.ControlPlaneAddresses = append(mon.ControlPlaneAddresses, n.Address)
		}
		mon.derive(p)
		mon.Engine = m.EngineOrDefault()
		if mon.Engine == spec.EngineOperator {
			mon.Operator = buildPrometheusOperator(p, mon, placement(nil))
			sv.addNamespace(Namespace{Name: PrometheusOperatorNamespace, PodSecurity: "restricted"})
		}
		sv.Monitoring = mon
		sv.addNamespace(Namespace{Name: mon.Namespace, PodSecurity: "privileged",
			Reason: "node-exporter reads the host's /proc, /sys and root filesystem with hostNetwork and hostPID"})
	}
	if l := s.Logging; l != nil {
		lg := &Logging{
			Namespace: l.NamespaceOrDefault(), OpenSearch: l.BackendOrDefault() == "opensearch",
			Replicas: l.ReplicasOrDefault(), StorageClass: l.StorageClass, VolumeSize: l.VolumeSizeOrDefault(),
			Heap: l.HeapOrDefault(), Placement: placement(l.NodePool), RetentionDays: l.RetentionDaysOrDefault(),
			Search: "elasticsearch", Dashboards: "kibana", APIServerPorts: []int{APIServerPort},
		}
		if lg.OpenSearch {
			lg.Search, lg.Dashboards = "opensearch", "opensearch-dashboards"
		}
		lg.SearchHost = lg.Search + "." + lg.Namespace + ".svc"
		lg.CASecret, lg.AdminSecret, lg.AdminKey = "logging-search-certs", "logging-search-credentials", "password"
		for i := 0; i < lg.Replicas; i++ {
			pod := fmt.Sprintf("%s-%d", lg.Search, i)
			lg.SearchPods = append(lg.SearchPods, pod)
			lg.SeedHosts = append(lg.SeedHosts, fmt.Sprintf("%s.%s-headless.%s.svc.%s", pod, lg.Search, lg.Namespace, p.DNSDomain))
		}
		var heap, minor int
		fmt.Sscanf(lg.Heap, "%d", &heap) // validate allows only digits and m or g
		lg.SearchMemory = fmt.Sprintf("%dMi", 2*heap)
		if strings.HasSuffix(lg.Heap, "g") {
			lg.SearchMemory = fmt.Sprintf("%dGi", 2*heap)
		}
		fmt.Sscanf(p.KubernetesVersion, "v1.%d.", &minor)
		lg.ZoneAware = minor >= 35
		if p.Endpoint.Port > 0 && p.Endpoint.Port != APIServerPort {
			lg.APIServerPorts = append(lg.APIServerPorts, p.Endpoint.Port)
		}
		// The stack keeps its security on and blueprint writes no secret:
		// the operator creates these, in the order the logging
		// kustomization.yaml describes.
		ns, search := lg.Namespace, lg.Search
		certs := fmt.Sprintf("node certificate for HTTPS and for transport TLS, where nodes also present it as a client certificate; valid for %s and %s; fluent-bit and the dashboard trust `ca.crt`",
			escape.MarkdownCode(search+"."+ns+".svc"), escape.MarkdownCode("*."+search+"-headless."+ns+".svc"))
		if lg.OpenSearch {
			lg.Secrets = []SecretRef{
				{ns, "logging-search-certs", "`tls.crt`, `tls.key` (PKCS#8), `ca.crt`", certs + "; subject " + escape.MarkdownCode("CN="+search+"."+ns+".svc") + " (plugins.security.nodes_dn)"},
				{ns, "logging-search-credentials", "`password`, `internal_users.yml`", "the admin user's password (readiness probes, log-retention job) and the security plugin's users admin, kibanaserver and fluent-bit (and " + SearchExporterUser + " with monitoring on) with bcrypt hashes (plugins/opensearch-security/tools/hash.sh)"},
				{ns, "logging-shipper-credentials", "`username`, `password`", "the OpenSearch user fluent-bit writes as (fluent-bit in internal_users.yml)"},
				{ns, "logging-dashboards-credentials", "`username`, `password`", "kibanaserver, OpenSearch Dashboards' own user"},
				{ns, "logging-dashboards-keys", "`cookie-password`", "32 or more characters; encrypts the session cookies both dashboard replicas accept"},
			}
		} else {
			lg.Secrets = []SecretRef{
				{ns, "logging-search-certs", "`tls.crt`, `tls.key`, `ca.crt`", certs},
				{ns, "logging-search-credentials", "`password`", "the built-in elastic superuser's password; readiness probes and the log-retention job use it"},
				{ns, "logging-shipper-credentials", "`username`, `password`", "the user fluent-bit writes as, with role log_shipper; create it once the cluster is up (manifests/logging/kustomization.yaml)"},
				{ns, "logging-dashboards-credentials", "`token`", "a service account token of elastic/kibana; create it once the cluster is up"},
				{ns, "logging-dashboards-keys", "`encryption-key`, `saved-objects-key`, `reporting-key`", "32 or more characters each; the Kibana replicas share them"},
			}
		}
		if sv.Monitoring != nil {
			lg.Exporter, lg.ExporterPort, lg.ExporterUser = lg.Search+"-exporter", SearchExporterPort, SearchExporterUser
			purpose := "the user the metrics exporter reads cluster health and node statistics as, with role metrics_exporter (search/roles.yml); create it once the cluster is up (manifests/logging/kustomization.yaml)"
			if lg.OpenSearch {
				purpose = "the user the metrics exporter reads cluster health and node statistics as (" + SearchExporterUser + " in internal_users.yml, role metrics_exporter)"
			}
			lg.Secrets = append(lg.Secrets, SecretRef{ns, "logging-exporter-credentials", "`username`, `password`", purpose})
		}
		if l.EngineOrDefault() == spec.EngineOperator {
			lg.ECK = buildECK(p, s, lg)
			lg.Secrets = eckSecrets(lg)
			sv.addNamespace(Namespace{Name: ECKNamespace, PodSecurity: "restricted"})
		}
		sv.Logging = lg
		sv.addNamespace(Namespace{Name: lg.Namespace, PodSecurity: "privileged",
			Reason: "fluent-bit reads container logs from the host's /var/log on every node"})
	}
	if a := s.Autoscaling; a != nil {
		sv.Autoscaling = &Autoscaling{}
	}
	if e := s.Expose; e != nil {
		sv.Expose = buildExpose(p.Name, sv, e)
	}
	if g := s.GitOps; g != nil {
		sv.GitOps = &GitOps{Tool: g.Tool, RepoURL: g.RepoURL, Path: strings.Trim(g.Path, "/"), Revision: g.RevisionOrDefault(),
			SSH: strings.HasPrefix(g.RepoURL, "ssh://") || !strings.Contains(g.RepoURL, "://")}
		if sv.GitOps.SSH {
			sv.GitOps.Secret = GitSecret
		}
	}
	buildWorkloads(p, s, placement, pools)
	sv.workloads = &p.Workloads
	// After the workloads: the VPA objects name theirs.
	// Before the VPA, which sizes the operator.
	if is := s.ImageScanning; is != nil {
		sv.ImageScanning = buildImageScanning(p, s, placement(is.NodePool))
		// The operator and its scan jobs meet the restricted level: scan
		// jobs in Trivy's image mode pull what they scan from the registry
		// and need no host access or privilege.
		sv.addNamespace(Namespace{Name: sv.ImageScanning.Namespace, PodSecurity: "restricted"})
	}
	if a := s.Autoscaling; a != nil && a.VerticalPodAutoscaler != nil {
		sv.Autoscaling.VPA = buildVPA(p, a.VerticalPodAutoscaler)
	}
	if sv.Monitoring != nil {
		for i := range sv.Namespaces {
			sv.Namespaces[i].Scraped = true
		}
		sv.Monitoring.RuleFiles = ruleFiles(p, sv)
	}
	sort.Slice(sv.Namespaces, func(i, j int) bool { return sv.Namespaces[i].Name < sv.Namespaces[j].Name })
	sv.Images = imageList(p.imageRefs, s.ImageNames())
}

// buildExpose lists the exposed dashboards and, for Gateway API, names the
// Gateway and adds its namespace.
func buildExpose(cluster string, sv *Services, e *spec.Expose) *Expose {
	ex := &Expose{IngressClass: deref(e.IngressClass), GatewayClass: deref(e.GatewayClass), TLSSecret: e.TLSSecret,
		Grafana: deref(e.Grafana), Kibana: deref(e.Kibana), Alertmanager: deref(e.Alertmanager), Prometheus: deref(e.Prometheus),
		ControllerNamespace: deref(e.ControllerNamespace)}
	if m := sv.Monitoring; m != nil {
		if ex.Grafana != "" {
			ex.Routes = append(ex.Routes, Route{Name: "grafana", Title: "Grafana", Host: ex.Grafana, Namespace: m.Namespace, Port: GrafanaPort})
		}
		if ex.Alertmanager != "" {
			ex.Routes = append(ex.Routes, Route{Name: "alertmanager", Title: "Alertmanager", Host: ex.Alertmanager, Namespace: m.Namespace, Port: AlertmanagerPort})
		}
		if ex.Prometheus != "" {
			ex.Routes = append(ex.Routes, Route{Name: "prometheus", Title: "Prometheus", Host: ex.Prometheus, Namespace: m.Namespace, Port: PrometheusPort})
		}
	}
	if l := sv.Logging; l != nil && ex.Kibana != "" {
		title := "Kibana"
		if l.OpenSearch {
			title = "OpenSearch Dashboards"
		}
		ex.Routes = append(ex.Routes, Route{Name: l.Dashboards, Title: title, Host: ex.Kibana, Namespace: l.Namespace, Port: DashboardsPort})
	}
	if ex.GatewayClass != "" && len(ex.Routes) > 0 {
		ex.Gateway, ex.GatewayNamespace = LabelSafe(cluster)+"-dashboards", GatewayNamespace
		for i := range ex.Routes {
			ex.Routes[i].Gateway, ex.Routes[i].GatewayNamespace = ex.Gateway, ex.GatewayNamespace
		}
		// It holds the Gateway and its certificate; implementations that
		// run a proxy per Gateway in its namespace must meet restricted.
		sv.addNamespace(Namespace{Name: GatewayNamespace, PodSecurity: "restricted"})
	}
	return ex
}

// addNamespace adds a namespace a component needs unless the spec declares
// it; a declared one keeps the spec's settings but is raised to the level
// the component needs.
func (s *Services) addNamespace(ns Namespace) {
	for i := range s.Namespaces {
		if s.Namespaces[i].Name == ns.Name {
			if s.Namespaces[i].PodSecurity != ns.PodSecurity && ns.PodSecurity == "privileged" {
				s.Namespaces[i].PodSecurity, s.Namespaces[i].Reason = ns.PodSecurity, ns.Reason
			}
			return
		}
	}
	s.Namespaces = append(s.Namespaces, ns)
}

// buildAccess turns roles, role bindings, teams and break-glass blocks into
// RBAC objects.
func buildAccess(sv *Services, s *spec.Spec) {
	custom := map[string]bool{}
	for _, r := range s.Roles {
		role := Role{Name: r.Name, Namespace: r.Namespace}
		for _, rule := range r.Rules {
			groups := rule.APIGroups
			if len(groups) == 0 {
				groups = []string{""}
			}
			role.Rules = append(role.Rules, Rule{APIGroups: groups, Resources: rule.Resources, Verbs: rule.Verbs})
		}
		sv.Roles = append(sv.Roles, role)
		custom[r.Namespace+"/"+r.Name] = true
	}
	for _, b := range s.RoleBindings {
		kind := "ClusterRole"
		if custom[b.Namespace+"/"+b.Role] {
			kind = "Role"
		}
		sv.Bindings = append(sv.Bindings, Binding{Name: b.Name, Namespace: b.Namespace, RoleKind: kind,
			RoleName: b.Role, Subjects: subjects(b.Subjects(), b.Namespace), Source: "role_binding"})
	}
	for _, t := range s.Teams {
		for _, ns := range slices.Sorted(maps.Keys(t.Namespaces)) {
			role := t.Namespaces[ns]
			sv.Bindings = append(sv.Bindings, Binding{Name: "team-" + t.Name + "-" + role, Namespace: ns,
				RoleKind: "ClusterRole", RoleName: role, Subjects: subjects(t.Subjects(), ns), Source: "team " + t.Name})
		}
	}
	for _, b := range s.BreakGlass {
		sv.Bindings = append(sv.Bindings, Binding{Name: "break-glass-" + b.Name, RoleKind: "ClusterRole",
			RoleName: "cluster-admin", Subjects: subjects(b.Subjects(), "default"), Source: "break_glass " + b.Name, Reason: b.Reason})
	}
}

// subjects lists users, then groups, then service accounts ("name" in the
// binding's namespace, or "namespace/name").
func subjects(s spec.Subjects, ns string) []Subject {
	var out []Subject
	for _, u := range s.Users {
		out = append(out, Subject{Kind: "User", Name: u})
	}
	for _, g := range s.Groups {
		out = append(out, Subject{Kind: "Group", Name: g})
	}
	for _, sa := range s.ServiceAccounts {
		sns, name, ok := strings.Cut(sa, "/")
		if !ok {
			sns, name = ns, sa
		}
		out = append(out, Subject{Kind: "ServiceAccount", Name: name, Namespace: sns})
	}
	return out
}

func sortedLabels(m map[string]string) []Label {
	out := make([]Label, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Label{k, m[k]})
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// AccessRow is one line of ARCHITECTURE.md's "who can do what, where" table.
type AccessRow struct {
	Subject, Namespace, Role, What, Source string
}

// Access lists every grant, sorted by subject, then namespace.
func (s *Services) Access() []AccessRow {
	roles := map[string]Role{}
	for _, r := range s.Roles {
		roles[r.Namespace+"/"+r.Name] = r
	}
	var rows []AccessRow
	for _, b := range s.Bindings {
		what := builtinRoles[b.RoleName]
		if b.RoleKind == "Role" {
			var parts []string
			for _, r := range roles[b.Namespace+"/"+b.RoleName].Rules {
				parts = append(parts, fmt.Sprintf("%s %s", strings.Join(r.Verbs, ", "), strings.Join(r.Resources, ", ")))
			}
			what = strings.Join(parts, "; ")
		}
		ns := b.Namespace
		if ns == "" {
			ns = "all (cluster-wide)"
		}
		for _, sub := range b.Subjects {
			rows = append(rows, AccessRow{Subject: sub.String(), Namespace: ns, Role: b.RoleName, What: what, Source: b.Source})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Subject != rows[j].Subject {
			return rows[i].Subject < rows[j].Subject
		}
		return rows[i].Namespace < rows[j].Namespace
	})
	return rows
}

var builtinRoles = map[string]string{
	"view":          "read most objects; not secrets, roles or bindings",
	"edit":          "read and write most objects, including secrets; not roles or bindings",
	"admin":         "everything in the namespace, including roles and bindings; not quotas or the namespace itself",
	"cluster-admin": "everything, everywhere (break-glass)",
}

// Component is a top-level folder of the manifests tree.
type Component struct {
	Dir string
	// Wave orders installation: namespaces first (0), then what only needs
	// namespaces (1), then the workloads (2).
	Wave int
}

// Components lists the manifests tree's folders this design has, in install
// order.
func (s *Services) Components() []Component {
	w := s.workloads
	all := []struct {
		c  Component
		on bool
	}{
		{Component{"namespaces", 0}, len(s.Namespaces) > 0},
		{Component{"storage", 1}, len(s.StorageClasses)+len(s.Volumes)+len(s.Claims) > 0},
		{Component{"rbac", 1}, len(s.Roles)+len(s.Bindings) > 0},
		{Component{"policies", 1}, len(s.Namespaces) > 0},
		{Component{"admission", 1}, s.ImageAdmission != nil},
		{Component{"gateway", 1}, s.Expose != nil && s.Expose.Gateway != ""},
		{Component{"etcd-backup", 1}, s.Backup != nil},
		{Component{"csr-approver", 1}, s.CSRApprover != nil},
		{Component{"image-scanning", 1}, s.ImageScanning != nil},
		{Component{"strimzi", 1}, w != nil && w.Kafka != nil && w.Kafka.Strimzi != nil},
		{Component{"prometheus-operator", 1}, s.Monitoring != nil && s.Monitoring.Operator != nil},
		{Component{"eck", 1}, s.Logging != nil && s.Logging.ECK != nil},
		{Component{"spark-operator", 1}, w != nil && w.Spark != nil && w.Spark.Operator != nil},
		{Component{"monitoring", 2}, s.Monitoring != nil},
		{Component{"logging", 2}, s.Logging != nil},
		{Component{"autoscaling", 2}, s.Autoscaling != nil},
		{Component{"kafka", 2}, w != nil && w.Kafka != nil},
		{Component{"hdfs", 2}, w != nil && w.HDFS != nil},
		{Component{"spark", 2}, w != nil && w.Spark != nil},
	}
	var out []Component
	for _, c := range all {
		if c.on {
			out = append(out, c.c)
		}
	}
	return out
}

// InstallSteps are the steps of the install order that bring the cluster
// services up, one numbered step each, in words (Text) and as data: the
// GitOps tool, then the namespaces, then the Secrets that live in them,
// then everything else, so that no step needs what a later one creates.
func (s *Services) InstallSteps() []InstallStep {
	if !s.Enabled() {
		return nil
	}
	var out []InstallStep
	add := func(text string, step Step) {
		out = append(out, InstallStep{Phase: PhaseServices, Text: text, Steps: []Step{step}})
	}
	g := s.GitOps
	if g != nil {
		add(fmt.Sprintf("Install %s %s: `%s`.", g.ToolTitle(), g.ToolVersion(), g.InstallCommand()),
			Step{Kind: StepManual, Purpose: "install " + g.ToolTitle() + " " + g.ToolVersion()})
	}
	if len(s.Namespaces) > 0 {
		t := "Create the namespaces first, so that the Secrets have somewhere to go:\n   `kubectl apply -k manifests/namespaces/`"
		if g != nil {
			t += " (" + g.ToolTitle() + " adopts them when it syncs)"
		}
		add(t+".", Step{Kind: StepManual, Purpose: "create the namespaces", Apply: "manifests/namespaces"})
	}
	if len(s.Secrets()) > 0 {
		add("Create the Secrets the services refer to (table below) in their namespaces.",
			Step{Kind: StepManual, Purpose: "create the Secrets the services refer to"})
	}
	apply := Step{Kind: StepManual, Purpose: "apply manifests/", Apply: "manifests"}
	switch {
	case g != nil && g.Tool == "argocd":
		add("Apply `gitops/` once (`kubectl apply -k gitops/`) and let Argo CD apply `manifests/`: its Applications sync at once, and one that finds its namespace or CRDs missing retries until they exist.", apply)
	case g != nil:
		add("Apply `gitops/` once (`kubectl apply -k gitops/`) and let Flux apply `manifests/` in order.", apply)
	default:
		t := "Apply the services:"
		if a := s.Autoscaling; a != nil && a.VPA != nil {
			t += " first the VPA CRDs, `kubectl apply -f manifests/autoscaling/vpa/crds.yaml`\n   and `kubectl wait --for condition=Established -f manifests/autoscaling/vpa/crds.yaml`, then"
		}
		add(t+" `kubectl apply -k manifests/` (or `kubectl apply -f flat/` after `blueprint render --flatten`).", apply)
	}
	return out
}

// SecretRef is a Secret the manifests refer to and the operator creates:
// blueprint's output never holds secret material.
type SecretRef struct {
	Namespace, Name string
	// Keys and Purpose are Markdown that blueprint writes; a name of the
	// spec in them is written with package escape.
	Keys    string `markdown:"blueprint"`
	Purpose string `markdown:"blueprint"`
}

// Secrets lists the Secrets the manifests expect, sorted by namespace and name.
func (s *Services) Secrets() []SecretRef {
	var out []SecretRef
	if m := s.Monitoring; m != nil {
		out = append(out, SecretRef{m.Namespace, m.GrafanaAdminSecret, "`admin-user`, `admin-password`", "Grafana's first administrator"})
		if m.Operator == nil { // the operator engine's pods ask no password
			out = append(out, SecretRef{m.Namespace, m.WebAuthSecret, "`web-config.yml`, `username`, `password`",
				"basic authentication of Prometheus and Alertmanager: `web-config.yml` maps each user to a bcrypt hash (`basic_auth_users`), among them `username` with the hash of `password`, the account Prometheus, Grafana and the readiness probes use (see below)"})
		}
		if e := s.Expose; e != nil && e.IngressClass != "" && (e.Grafana != "" || e.Alertmanager != "" || e.Prometheus != "") {
			out = append(out, SecretRef{m.Namespace, e.TLSSecret, "`tls.crt`, `tls.key`", "TLS for the monitoring dashboards' ingresses"})
		}
	}
	if l := s.Logging; l != nil {
		out = append(out, l.Secrets...)
		if e := s.Expose; e != nil && e.IngressClass != "" && e.Kibana != "" {
			out = append(out, SecretRef{l.Namespace, e.TLSSecret, "`tls.crt`, `tls.key`", "TLS for the logging dashboard's ingress"})
		}
	}
	if e := s.Expose; e != nil && e.Gateway != "" {
		hosts := make([]string, len(e.Routes))
		for i, r := range e.Routes {
			hosts[i] = escape.MarkdownCode(r.Host)
		}
		out = append(out, SecretRef{e.GatewayNamespace, e.TLSSecret, "`tls.crt`, `tls.key`",
			"TLS for the HTTPS listeners of Gateway " + escape.Markdown(e.Gateway) + ": a certificate valid for " + strings.Join(hosts, ", ")})
	}
	if g := s.GitOps; g != nil && g.Tool == "flux" && g.SSH {
		out = append(out, SecretRef{"flux-system", GitSecret, "`identity`, `identity.pub`, `known_hosts`",
			"Flux's read-only deploy key for the repository (`flux create secret git` makes it)"})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}
