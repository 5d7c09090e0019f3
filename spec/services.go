package spec

import "github.com/hashicorp/hcl/v2"

// The blocks of this file describe the cluster services that blueprint
// renders as a kustomize tree under manifests/: namespaces, storage, access
// control, monitoring, logging, autoscaling, exposure and GitOps wiring.

// Images rewrites every image blueprint writes, for air-gapped sites, pins
// them by digest from a lock file, and says which images the cluster's
// admission policy lets pods run (see images.go).
type Images struct {
	Registry       *string           `hcl:"registry,optional"`
	RegistryRange  hcl.Range         `hcl:"registry,attr_value_range"`
	Overrides      map[string]string `hcl:"overrides,optional"`
	OverridesRange hcl.Range         `hcl:"overrides,attr_value_range"`

	LockFile               *string   `hcl:"lock_file,optional"`
	LockFileRange          hcl.Range `hcl:"lock_file,attr_value_range"`
	RequireDigest          *bool     `hcl:"require_digest,optional"`
	RequireDigestRange     hcl.Range `hcl:"require_digest,attr_value_range"`
	Admission              *string   `hcl:"admission,optional"`
	AdmissionRange         hcl.Range `hcl:"admission,attr_value_range"`
	AllowedRegistries      []string  `hcl:"allowed_registries,optional"`
	AllowedRegistriesRange hcl.Range `hcl:"allowed_registries,attr_value_range"`
	ExtraAllowed           []string  `hcl:"extra_allowed,optional"`
	ExtraAllowedRange      hcl.Range `hcl:"extra_allowed,attr_value_range"`
	DeclRange              hcl.Range `hcl:",def_range"`

	// lock is the lock file as the loader read it; nil without lock_file.
	lock *ImageLock
}

// Namespace is a namespace that blueprint creates for the user's workloads.
type Namespace struct {
	Name             string            `hcl:"name,label"`
	NameRange        hcl.Range         `hcl:"name,label_range"`
	PodSecurity      *string           `hcl:"pod_security,optional"`
	PodSecurityRange hcl.Range         `hcl:"pod_security,attr_value_range"`
	Reason           *string           `hcl:"reason,optional" text:"multiline"`
	ReasonRange      hcl.Range         `hcl:"reason,attr_value_range"`
	Labels           map[string]string `hcl:"labels,optional"`
	LabelsRange      hcl.Range         `hcl:"labels,attr_value_range"`
	DeclRange        hcl.Range         `hcl:",def_range"`
}

// StorageClass is a Kubernetes StorageClass.
type StorageClass struct {
	Name               string            `hcl:"name,label"`
	NameRange          hcl.Range         `hcl:"name,label_range"`
	Provisioner        string            `hcl:"provisioner,attr"`
	ProvisionerRange   hcl.Range         `hcl:"provisioner,attr_value_range"`
	Parameters         map[string]string `hcl:"parameters,optional"`
	ParametersRange    hcl.Range         `hcl:"parameters,attr_value_range"`
	ReclaimPolicy      *string           `hcl:"reclaim_policy,optional"`
	ReclaimPolicyRange hcl.Range         `hcl:"reclaim_policy,attr_value_range"`
	BindingMode        *string           `hcl:"volume_binding_mode,optional"`
	BindingModeRange   hcl.Range         `hcl:"volume_binding_mode,attr_value_range"`
	AllowExpansion     *bool             `hcl:"allow_volume_expansion,optional"`
	Zones              []string          `hcl:"zones,optional"`
	ZonesRange         hcl.Range         `hcl:"zones,attr_value_range"`
	Default            *bool             `hcl:"default,optional"`
	DefaultRange       hcl.Range         `hcl:"default,attr_value_range"`
	DeclRange          hcl.Range         `hcl:",def_range"`
}

// PersistentVolume is a statically provisioned volume: a local disk on one
// node, or an NFS export.
type PersistentVolume struct {
	Name               string       `hcl:"name,label"`
	NameRange          hcl.Range    `hcl:"name,label_range"`
	StorageClass       string       `hcl:"storage_class,attr"`
	StorageClassRange  hcl.Range    `hcl:"storage_class,attr_value_range"`
	Capacity           string       `hcl:"capacity,attr"`
	CapacityRange      hcl.Range    `hcl:"capacity,attr_value_range"`
	AccessModes        []string     `hcl:"access_modes,optional"`
	AccessModesRange   hcl.Range    `hcl:"access_modes,attr_value_range"`
	ReclaimPolicy      *string      `hcl:"reclaim_policy,optional"`
	ReclaimPolicyRange hcl.Range    `hcl:"reclaim_policy,attr_value_range"`
	Local              *LocalVolume `hcl:"local,block"`
	NFS                *NFSVolume   `hcl:"nfs,block"`
	DeclRange          hcl.Range    `hcl:",def_range"`
}

// LocalVolume is a disk path on one node.
type LocalVolume struct {
	Path      string    `hcl:"path,attr"`
	PathRange hcl.Range `hcl:"path,attr_value_range"`
	Node      string    `hcl:"node,attr"`
	NodeRange hcl.Range `hcl:"node,attr_value_range"`
	DeclRange hcl.Range `hcl:",def_range"`
}

// NFSVolume is an NFS export.
type NFSVolume struct {
	Server      string    `hcl:"server,attr"`
	ServerRange hcl.Range `hcl:"server,attr_value_range"`
	Path        string    `hcl:"path,attr"`
	PathRange   hcl.Range `hcl:"path,attr_value_range"`
	DeclRange   hcl.Range `hcl:",def_range"`
}

// PersistentVolumeClaim is a claim the spec asks for, such as
// persistent_volume_claim "my-pvc" { storage = "10Gi" }.
type PersistentVolumeClaim struct {
	Name              string    `hcl:"name,label"`
	NameRange         hcl.Range `hcl:"name,label_range"`
	Namespace         *string   `hcl:"namespace,optional"`
	NamespaceRange    hcl.Range `hcl:"namespace,attr_value_range"`
	Storage           string    `hcl:"storage,attr"`
	StorageRange      hcl.Range `hcl:"storage,attr_value_range"`
	AccessModes       []string  `hcl:"access_modes,optional"`
	AccessModesRange  hcl.Range `hcl:"access_modes,attr_value_range"`
	StorageClass      *string   `hcl:"storage_class,optional"`
	StorageClassRange hcl.Range `hcl:"storage_class,attr_value_range"`
	DeclRange         hcl.Range `hcl:",def_range"`
}

// RBACRole is a namespaced RBAC role written in the spec.
type RBACRole struct {
	Name           string      `hcl:"name,label"`
	NameRange      hcl.Range   `hcl:"name,label_range"`
	Namespace      string      `hcl:"namespace,attr"`
	NamespaceRange hcl.Range   `hcl:"namespace,attr_value_range"`
	Rules          []*RoleRule `hcl:"rule,block"`
	DeclRange      hcl.Range   `hcl:",def_range"`
}

// RoleRule is one policy rule of a role.
type RoleRule struct {
	APIGroups      []string  `hcl:"api_groups,optional"`
	APIGroupsRange hcl.Range `hcl:"api_groups,attr_value_range"`
	Resources      []string  `hcl:"resources,attr"`
	ResourcesRange hcl.Range `hcl:"resources,attr_value_range"`
	Verbs          []string  `hcl:"verbs,attr"`
	VerbsRange     hcl.Range `hcl:"verbs,attr_value_range"`
	DeclRange      hcl.Range `hcl:",def_range"`
}

// Subjects are who a binding grants a role to, with where each list was
// written. gohcl cannot decode embedded structs, so the bindings below repeat
// the three attributes and hand them out through Subjects methods.
type Subjects struct {
	Users, Groups, ServiceAccounts                []string
	UsersRange, GroupsRange, ServiceAccountsRange hcl.Range
}

// Empty reports whether no subject is named.
func (s Subjects) Empty() bool {
	return len(s.Users)+len(s.Groups)+len(s.ServiceAccounts) == 0
}

// RoleBinding grants a role of the spec, or a built-in one (view, edit,
// admin), to subjects in one namespace.
type RoleBinding struct {
	Name                 string    `hcl:"name,label"`
	NameRange            hcl.Range `hcl:"name,label_range"`
	Namespace            string    `hcl:"namespace,attr"`
	NamespaceRange       hcl.Range `hcl:"namespace,attr_value_range"`
	Role                 string    `hcl:"role,attr"`
	RoleRange            hcl.Range `hcl:"role,attr_value_range"`
	Users                []string  `hcl:"users,optional"`
	UsersRange           hcl.Range `hcl:"users,attr_value_range"`
	Groups               []string  `hcl:"groups,optional"`
	GroupsRange          hcl.Range `hcl:"groups,attr_value_range"`
	ServiceAccounts      []string  `hcl:"service_accounts,optional"`
	ServiceAccountsRange hcl.Range `hcl:"service_accounts,attr_value_range"`
	DeclRange            hcl.Range `hcl:",def_range"`
}

// Team binds people to namespaces with built-in roles:
// namespaces = { kafka = "edit", spark = "view" }.
type Team struct {
	Name                 string            `hcl:"name,label"`
	NameRange            hcl.Range         `hcl:"name,label_range"`
	Namespaces           map[string]string `hcl:"namespaces,attr"`
	NamespacesRange      hcl.Range         `hcl:"namespaces,attr_value_range"`
	Users                []string          `hcl:"users,optional"`
	UsersRange           hcl.Range         `hcl:"users,attr_value_range"`
	Groups               []string          `hcl:"groups,optional"`
	GroupsRange          hcl.Range         `hcl:"groups,attr_value_range"`
	ServiceAccounts      []string          `hcl:"service_accounts,optional"`
	ServiceAccountsRange hcl.Range         `hcl:"service_accounts,attr_value_range"`
	DeclRange            hcl.Range         `hcl:",def_range"`
}

// BreakGlass is the one declared exception to least privilege: a
// cluster-admin binding for emergencies, with its reason on record.
type BreakGlass struct {
	Name                 string    `hcl:"name,label"`
	NameRange            hcl.Range `hcl:"name,label_range"`
	Reason               string    `hcl:"reason,attr" text:"multiline"`
	ReasonRange          hcl.Range `hcl:"reason,attr_value_range"`
	Users                []string  `hcl:"users,optional"`
	UsersRange           hcl.Range `hcl:"users,attr_value_range"`
	Groups               []string  `hcl:"groups,optional"`
	GroupsRange          hcl.Range `hcl:"groups,attr_value_range"`
	ServiceAccounts      []string  `hcl:"service_accounts,optional"`
	ServiceAccountsRange hcl.Range `hcl:"service_accounts,attr_value_range"`
	DeclRange            hcl.Range `hcl:",def_range"`
}

// Monitoring turns on Prometheus, Alertmanager, Grafana and the exporters.
type Monitoring struct {
	Namespace                 *string     `hcl:"namespace,optional"`
	NamespaceRange            hcl.Range   `hcl:"namespace,attr_value_range"`
	StorageClass              string      `hcl:"storage_class,attr"`
	StorageClassRange         hcl.Range   `hcl:"storage_class,attr_value_range"`
	Retention                 *string     `hcl:"retention,optional"`
	RetentionRange            hcl.Range   `hcl:"retention,attr_value_range"`
	VolumeSize                *string     `hcl:"volume_size,optional"`
	VolumeSizeRange           hcl.Range   `hcl:"volume_size,attr_value_range"`
	PrometheusReplicas        *int        `hcl:"prometheus_replicas,optional"`
	PrometheusReplicasRange   hcl.Range   `hcl:"prometheus_replicas,attr_value_range"`
	AlertmanagerReplicas      *int        `hcl:"alertmanager_replicas,optional"`
	AlertmanagerReplicasRange hcl.Range   `hcl:"alertmanager_replicas,attr_value_range"`
	NodePool                  *string     `hcl:"node_pool,optional"`
	NodePoolRange             hcl.Range   `hcl:"node_pool,attr_value_range"`
	Receivers                 []*Receiver `hcl:"receiver,block"`
	Grafana                   *Grafana    `hcl:"grafana,block"`
	// WebAuthSecret names the Secret with Prometheus' and Alertmanager's
	// basic-auth web configuration and the account their clients use.
	WebAuthSecret      *string   `hcl:"web_auth_secret,optional"`
	WebAuthSecretRange hcl.Range `hcl:"web_auth_secret,attr_value_range"`
	// Engine is statefulset (blueprint's own Prometheus and Alertmanager
	// StatefulSets) or operator (prometheus-operator, spec/promop.go).
	Engine      *string   `hcl:"engine,optional"`
	EngineRange hcl.Range `hcl:"engine,attr_value_range"`
	DeclRange   hcl.Range `hcl:",def_range"`
}

// Receiver is where Alertmanager sends alerts: a webhook, or e-mail through
// a smarthost.
type Receiver struct {
	Name            string    `hcl:"name,label"`
	NameRange       hcl.Range `hcl:"name,label_range"`
	WebhookURL      *string   `hcl:"webhook_url,optional"`
	WebhookURLRange hcl.Range `hcl:"webhook_url,attr_value_range"`
	EmailTo         *string   `hcl:"email_to,optional"`
	EmailToRange    hcl.Range `hcl:"email_to,attr_value_range"`
	Smarthost       *string   `hcl:"smarthost,optional"`
	SmarthostRange  hcl.Range `hcl:"smarthost,attr_value_range"`
	EmailFrom       *string   `hcl:"email_from,optional"`
	EmailFromRange  hcl.Range `hcl:"email_from,attr_value_range"`
	DeclRange       hcl.Range `hcl:",def_range"`
}

// Grafana configures the dashboards service.
type Grafana struct {
	AdminSecret      string    `hcl:"admin_secret,attr"`
	AdminSecretRange hcl.Range `hcl:"admin_secret,attr_value_range"`
	DeclRange        hcl.Range `hcl:",def_range"`
}

// Logging turns on the EFK stack: a search cluster, a log shipper on every
// node and a dashboard.
type Logging struct {
	Namespace          *string   `hcl:"namespace,optional"`
	NamespaceRange     hcl.Range `hcl:"namespace,attr_value_range"`
	Backend            *string   `hcl:"backend,optional"`
	BackendRange       hcl.Range `hcl:"backend,attr_value_range"`
	Replicas           *int      `hcl:"replicas,optional"`
	ReplicasRange      hcl.Range `hcl:"replicas,attr_value_range"`
	StorageClass       string    `hcl:"storage_class,attr"`
	StorageClassRange  hcl.Range `hcl:"storage_class,attr_value_range"`
	VolumeSize         *string   `hcl:"volume_size,optional"`
	VolumeSizeRange    hcl.Range `hcl:"volume_size,attr_value_range"`
	Heap               *string   `hcl:"heap,optional"`
	HeapRange          hcl.Range `hcl:"heap,attr_value_range"`
	NodePool           *string   `hcl:"node_pool,optional"`
	NodePoolRange      hcl.Range `hcl:"node_pool,attr_value_range"`
	RetentionDays      *int      `hcl:"retention_days,optional"`
	RetentionDaysRange hcl.Range `hcl:"retention_days,attr_value_range"`
	Engine             *string   `hcl:"engine,optional"`
	EngineRange        hcl.Range `hcl:"engine,attr_value_range"`
	DeclRange          hcl.Range `hcl:",def_range"`
}

// Autoscaling turns on metrics-server; with vertical_pod_autoscaler,
// resource recommendations for blueprint's workloads. cluster_autoscaler is
// decoded only so that validate can refuse it where it is written.
type Autoscaling struct {
	ClusterAutoscaler     *ClusterAutoscaler     `hcl:"cluster_autoscaler,block"`
	VerticalPodAutoscaler *VerticalPodAutoscaler `hcl:"vertical_pod_autoscaler,block"`
	DeclRange             hcl.Range              `hcl:",def_range"`
}

// VerticalPodAutoscaler turns on the VPA recommender and one
// VerticalPodAutoscaler object per workload blueprint renders.
type VerticalPodAutoscaler struct {
	Mode      *string   `hcl:"mode,optional"`
	ModeRange hcl.Range `hcl:"mode,attr_value_range"`
	DeclRange hcl.Range `hcl:",def_range"`
}

// ClusterAutoscaler would name the cloud provider whose node groups the
// Cluster Autoscaler resizes; validate refuses it (see README).
type ClusterAutoscaler struct {
	Provider      string    `hcl:"provider,attr"`
	ProviderRange hcl.Range `hcl:"provider,attr_value_range"`
	DeclRange     hcl.Range `hcl:",def_range"`
}

// PoolAutoscale would be a node pool's size range for the Cluster
// Autoscaler; validate refuses it with cluster_autoscaler.
type PoolAutoscale struct {
	Min            int       `hcl:"min,attr"`
	MinRange       hcl.Range `hcl:"min,attr_value_range"`
	Max            int       `hcl:"max,attr"`
	MaxRange       hcl.Range `hcl:"max,attr_value_range"`
	NodeGroup      *string   `hcl:"node_group,optional"`
	NodeGroupRange hcl.Range `hcl:"node_group,attr_value_range"`
	DeclRange      hcl.Range `hcl:",def_range"`
}

// Expose makes the dashboards reachable from outside the cluster with TLS:
// through a Gateway of the cluster's Gateway API implementation
// (gateway_class), or through Ingress objects (ingress_class). Exactly one
// of the two is set.
type Expose struct {
	IngressClass      *string   `hcl:"ingress_class,optional"`
	IngressClassRange hcl.Range `hcl:"ingress_class,attr_value_range"`
	GatewayClass      *string   `hcl:"gateway_class,optional"`
	GatewayClassRange hcl.Range `hcl:"gateway_class,attr_value_range"`
	TLSSecret         string    `hcl:"tls_secret,attr"`
	TLSSecretRange    hcl.Range `hcl:"tls_secret,attr_value_range"`
	Grafana           *string   `hcl:"grafana,optional"`
	GrafanaRange      hcl.Range `hcl:"grafana,attr_value_range"`
	Kibana            *string   `hcl:"kibana,optional"`
	KibanaRange       hcl.Range `hcl:"kibana,attr_value_range"`
	Alertmanager      *string   `hcl:"alertmanager,optional"`
	AlertmanagerRange hcl.Range `hcl:"alertmanager,attr_value_range"`
	Prometheus        *string   `hcl:"prometheus,optional"`
	PrometheusRange   hcl.Range `hcl:"prometheus,attr_value_range"`
	// ControllerNamespace is where the ingress controller's pods (or, for
	// implementations that run them there, the Gateway's proxies) run: the
	// only namespace besides the Gateway's that may reach the dashboards.
	ControllerNamespace      *string   `hcl:"controller_namespace,optional"`
	ControllerNamespaceRange hcl.Range `hcl:"controller_namespace,attr_value_range"`
	DeclRange                hcl.Range `hcl:",def_range"`
}

// GitOps wires the manifests tree into Argo CD or Flux.
type GitOps struct {
	Tool          string    `hcl:"tool,attr"`
	ToolRange     hcl.Range `hcl:"tool,attr_value_range"`
	RepoURL       string    `hcl:"repo_url,attr"`
	RepoURLRange  hcl.Range `hcl:"repo_url,attr_value_range"`
	Path          string    `hcl:"path,attr"`
	PathRange     hcl.Range `hcl:"path,attr_value_range"`
	Revision      *string   `hcl:"revision,optional"`
	RevisionRange hcl.Range `hcl:"revision,attr_value_range"`
	DeclRange     hcl.Range `hcl:",def_range"`
}

// Subjects returns who the binding names.
func (b *RoleBinding) Subjects() Subjects {
	return Subjects{b.Users, b.Groups, b.ServiceAccounts, b.UsersRange, b.GroupsRange, b.ServiceAccountsRange}
}

// Subjects returns the team's members.
func (t *Team) Subjects() Subjects {
	return Subjects{t.Users, t.Groups, t.ServiceAccounts, t.UsersRange, t.GroupsRange, t.ServiceAccountsRange}
}

// Subjects returns who may act as cluster-admin.
func (b *BreakGlass) Subjects() Subjects {
	return Subjects{b.Users, b.Groups, b.ServiceAccounts, b.UsersRange, b.GroupsRange, b.ServiceAccountsRange}
}

// Defaults of the service blocks.
const (
	DefaultMonitoringNamespace  = "monitoring"
	DefaultLoggingNamespace     = "logging"
	DefaultRetention            = "15d"
	DefaultPrometheusVolume     = "50Gi"
	DefaultPrometheusReplicas   = 2
	DefaultAlertmanagerReplicas = 3
	DefaultLoggingBackend       = "elasticsearch"
	DefaultLoggingReplicas      = 3
	DefaultLoggingVolume        = "100Gi"
	DefaultLoggingHeap          = "2g"
	DefaultLoggingRetentionDays = 14
	DefaultWebAuthSecret        = "monitoring-web-auth"
	DefaultPodSecurity          = "restricted"
	DefaultReclaimPolicy        = "Delete"
	DefaultBindingMode          = "WaitForFirstConsumer"
	DefaultClaimNamespace       = "default"
	DefaultGitOpsRevision       = "main"
	// DefaultVPAMode only records recommendations: nothing is evicted or
	// resized.
	DefaultVPAMode = "Off"
)

// PodSecurityOrDefault returns the Pod Security Admission level.
func (n *Namespace) PodSecurityOrDefault() string { return or(n.PodSecurity, DefaultPodSecurity) }

// ReclaimPolicyOrDefault returns what happens to a volume when its claim goes.
func (c *StorageClass) ReclaimPolicyOrDefault() string {
	return or(c.ReclaimPolicy, DefaultReclaimPolicy)
}

// BindingModeOrDefault returns when volumes are bound: by default once a pod
// is scheduled, so the volume lands in the pod's zone.
func (c *StorageClass) BindingModeOrDefault() string { return or(c.BindingMode, DefaultBindingMode) }

// AccessModesOrDefault returns the volume's access modes.
func (v *PersistentVolume) AccessModesOrDefault() []string {
	if len(v.AccessModes) == 0 {
		return []string{"ReadWriteOnce"}
	}
	return v.AccessModes
}

// ReclaimPolicyOrDefault returns what happens to the volume when its claim
// goes: static volumes hold data someone placed there, so they are kept.
func (v *PersistentVolume) ReclaimPolicyOrDefault() string { return or(v.ReclaimPolicy, "Retain") }

// NamespaceOrDefault returns the claim's namespace.
func (c *PersistentVolumeClaim) NamespaceOrDefault() string {
	return or(c.Namespace, DefaultClaimNamespace)
}

// AccessModesOrDefault returns the claim's access modes.
func (c *PersistentVolumeClaim) AccessModesOrDefault() []string {
	if len(c.AccessModes) == 0 {
		return []string{"ReadWriteOnce"}
	}
	return c.AccessModes
}

// NamespaceOrDefault returns the monitoring namespace.
func (m *Monitoring) NamespaceOrDefault() string {
	return or(m.Namespace, DefaultMonitoringNamespace)
}

// RetentionOrDefault returns how long Prometheus keeps samples.
func (m *Monitoring) RetentionOrDefault() string { return or(m.Retention, DefaultRetention) }

// VolumeSizeOrDefault returns the size of each Prometheus volume.
func (m *Monitoring) VolumeSizeOrDefault() string { return or(m.VolumeSize, DefaultPrometheusVolume) }

// PrometheusReplicasOrDefault returns how many Prometheus servers scrape.
func (m *Monitoring) PrometheusReplicasOrDefault() int {
	return or(m.PrometheusReplicas, DefaultPrometheusReplicas)
}

// AlertmanagerReplicasOrDefault returns the Alertmanager cluster size.
func (m *Monitoring) AlertmanagerReplicasOrDefault() int {
	return or(m.AlertmanagerReplicas, DefaultAlertmanagerReplicas)
}

// WebAuthSecretOrDefault returns the Secret of Prometheus' and
// Alertmanager's basic authentication.
func (m *Monitoring) WebAuthSecretOrDefault() string {
	return or(m.WebAuthSecret, DefaultWebAuthSecret)
}

// EngineOrDefault returns the engine the search cluster runs on:
// statefulset or operator (ECK, the Elastic Cloud on Kubernetes operator).
func (l *Logging) EngineOrDefault() string { return or(l.Engine, DefaultEngine) }

// NamespaceOrDefault returns the logging namespace.
func (l *Logging) NamespaceOrDefault() string { return or(l.Namespace, DefaultLoggingNamespace) }

// BackendOrDefault returns elasticsearch or opensearch.
func (l *Logging) BackendOrDefault() string { return or(l.Backend, DefaultLoggingBackend) }

// ReplicasOrDefault returns the search cluster size.
func (l *Logging) ReplicasOrDefault() int { return or(l.Replicas, DefaultLoggingReplicas) }

// VolumeSizeOrDefault returns the size of each search node's volume.
func (l *Logging) VolumeSizeOrDefault() string { return or(l.VolumeSize, DefaultLoggingVolume) }

// HeapOrDefault returns the JVM heap of each search node.
func (l *Logging) HeapOrDefault() string { return or(l.Heap, DefaultLoggingHeap) }

// RetentionDaysOrDefault returns how many days of daily log indices the
// retention job keeps.
func (l *Logging) RetentionDaysOrDefault() int {
	return or(l.RetentionDays, DefaultLoggingRetentionDays)
}

// ModeOrDefault returns the VPA update mode.
func (v *VerticalPodAutoscaler) ModeOrDefault() string { return or(v.Mode, DefaultVPAMode) }

// RevisionOrDefault returns the branch or tag GitOps follows.
func (g *GitOps) RevisionOrDefault() string { return or(g.Revision, DefaultGitOpsRevision) }

// DefaultImages are the pinned images of the cluster services, by the name
// an images { overrides = { NAME = "…" } } entry uses.
var DefaultImages = map[string]string{
	"alertmanager":  "quay.io/prometheus/alertmanager:v0.35.0",
	"busybox":       "docker.io/library/busybox:1.37.0",
	"etcd":          "registry.k8s.io/etcd:3.7.0-0",
	"elasticsearch": "docker.elastic.co/elasticsearch/elasticsearch:8.19.7",
	// elasticsearch-exporter reads cluster health and node statistics from
	// Elasticsearch and OpenSearch alike.
	"elasticsearch-exporter": "quay.io/prometheuscommunity/elasticsearch-exporter:v1.10.0",
	"fluent-bit":             "cr.fluentbit.io/fluent/fluent-bit:4.2.0",
	"grafana":                "docker.io/grafana/grafana:12.2.1",
	"hadoop":                 "docker.io/apache/hadoop:3.4.1",
	"kafka":                  "docker.io/apache/kafka:4.1.1",
	"kafka-exporter":         "docker.io/danielqsj/kafka-exporter:v1.9.0",
	"haproxy":                "docker.io/library/haproxy:2.8.16-alpine",
	"keepalived":             "docker.io/osixia/keepalived:2.0.20",
	"kibana":                 "docker.elastic.co/kibana/kibana:8.19.7",
	"kube-vip":               "ghcr.io/kube-vip/kube-vip:v1.2.3",
	"kube-state-metrics":     "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.18.0",
	"kubelet-csr-approver":   "ghcr.io/postfinance/kubelet-csr-approver:v1.2.14",
	"metrics-server":         "registry.k8s.io/metrics-server/metrics-server:v0.8.0",
	"node-exporter":          "quay.io/prometheus/node-exporter:v1.12.1",
	"opensearch":             "docker.io/opensearchproject/opensearch:3.1.0",
	"opensearch-dashboards":  "docker.io/opensearchproject/opensearch-dashboards:3.1.0",
	"prometheus":             "quay.io/prometheus/prometheus:v3.16.0",
	"spark":                  "docker.io/apache/spark:4.0.0",
	// The Spark operator's controller at SparkOperatorVersion, as its
	// chart names it (image.registry/repository, tag appVersion); it also
	// runs spark-submit.
	"spark-operator": "ghcr.io/kubeflow/spark-operator/controller:2.5.2",
	// The Strimzi operator's images at StrimziVersion, as its
	// install/cluster-operator Deployment names them: the operator (also
	// the brokers' init container) and Kafka StrimziKafkaVersion.
	"strimzi-operator": "quay.io/strimzi/operator:1.2.0",
	// The ECK operator at ECKVersion, as its release's operator StatefulSet
	// names it (deploy/eck-operator: image.repository and the chart's
	// appVersion).
	"eck-operator":    "docker.elastic.co/eck/eck-operator:3.5.0",
	"strimzi-kafka":   "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1",
	"trivy":           "docker.io/aquasec/trivy:0.72.0", // the scan jobs' Trivy: trivy.tag of the operator's chart at v0.32.0
	"trivy-operator":  "docker.io/aquasec/trivy-operator:0.32.0",
	"vpa-recommender": "registry.k8s.io/autoscaling/vpa-recommender:1.8.1",

	// prometheus-operator PrometheusOperatorVersion and the config reloader
	// it adds to the pods it makes (its release's Deployment names both).
	"prometheus-operator":        "quay.io/prometheus-operator/prometheus-operator:v0.85.0",
	"prometheus-config-reloader": "quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0",
}

// PoolLabel is the node label every worker carries with its pool's name;
// workloads placed on a pool select it.
const PoolLabel = "blueprint.dev/pool"
