package spec

import "strconv"

// docs documents every block and attribute the model decodes, by path
// (see Entry.Path). TestReferenceDocs fails, naming the entry to add or
// remove, when this table and the model's struct tags disagree; validate's
// TestReferenceAllowedValues feeds each Allowed value (and one that is not)
// through the validator. `go test ./cli -run TestReadmeReference -update`
// then rewrites the README's reference from it.
var docs = map[string]Doc{
	"cluster": {Required: true,
		Text: "Names the cluster (the label) and the Kubernetes release it runs.",
		Example: `cluster "dataplat" {
  kubernetes_version = "1.37.2"
  dns_domain         = "cluster.local"
}
`},
	"cluster.kubernetes_version": {
		Text:    "A release, `1.33.0` to `1.37.x`, all on `kubeadm.k8s.io/v1beta4` (a patch release blueprint does not know, such as `1.37.99`, warns, naming the newest it knows of that minor); or a minor, `\"1.37\"`, `\"v1.37\"` or kubeadm's `\"stable-1.37\"`, which is the newest patch of it that blueprint knows; or `\"stable\"`, `\"stable-1\"` or `\"\"`, the newest minor blueprint supports at its newest known patch. `\"latest\"` (a channel with pre-releases) is refused. blueprint says which release it chose.",
		Default: `"stable"`,
		Example: `"1.37.2"`},
	"cluster.dns_domain": {
		Text:    "Cluster DNS domain.",
		Default: q(DefaultDNSDomain)},
	"cluster.image_repository": {
		Text:    "Registry or mirror the control-plane images come from.",
		Default: q(DefaultImageRepository)},
	"cluster.cri_socket": {
		Text:    "Container runtime endpoint, a `unix://` socket URL.",
		Default: q(DefaultCRISocket)},

	"network": {Required: true,
		Text: "The address plan. Node, pod and service ranges must not overlap, nor lie in loopback, link-local, multicast or reserved space (nor IPv6's discard-only, documentation or site-local ranges); the pod range must hold a /24 (IPv6: /64) per machine and be at most 16 bits larger than that; service ranges hold at least 16 addresses and at most a /12 (IPv6: /108).",
		Example: `network {
  node_subnets  = ["10.20.0.0/16"]
  cni           = "calico"
  pod_cidrs     = ["192.168.0.0/16"]
  service_cidrs = ["10.96.0.0/12"]
}
`},
	"network.node_subnets": {
		Text: "Subnets that hold every machine address."},
	"network.pod_cidrs": {
		Text:    "Pod ranges: one, or one IPv4 and one IPv6 for dual-stack.",
		Default: "the CNI's: `192.168.0.0/16` for calico, `10.244.0.0/16` for cilium (whose own default overlaps the default service range) and flannel; required with `cni = \"none\"`"},
	"network.service_cidrs": {
		Text:    "Service ranges, of the same families as `pod_cidrs`.",
		Default: `["` + DefaultServiceCIDR + `"]`},
	"network.cni": {
		Text:    "The CNI plugin. `flannel` warns that it enforces no NetworkPolicy; `none` leaves the CNI to the operator (`pod_cidrs` required).",
		Default: q(DefaultCNI),
		Allowed: []string{"calico", "cilium", "flannel", CNINone}},
	"network.proxy_mode": {
		Text:    "kube-proxy's mode: `nftables` is generally available from Kubernetes 1.33 (needs Linux 5.13 or newer), `ipvs` deprecated from 1.35 (a warning).",
		Default: q(DefaultProxyMode),
		Allowed: []string{"iptables", "nftables", "ipvs"}},

	"zone": {Required: true,
		Text: "An availability zone: a failure domain that can be lost as a whole. Becomes the nodes' `topology.kubernetes.io/zone` label.",
		Example: `zone "az1" {}
zone "az2" {}
zone "az3" {}
`},
	"class": {
		Text: "A fleet's cluster design (`blueprint` reads a spec that has a `class` or `member` block as a fleet): any block a cluster spec has, and `variable` blocks of its own, typed, that members set. `cluster` takes no label in a class (each cluster is named after its member). In its blocks, `var.NAME` is a class or fleet variable, and `member.name`, `member.region` and `member.network` the member's own. A class's own mistakes are reported once, used or not.",
		Example: `class "streaming" {
  variable "node_subnet" {
    type = string
  }
  cluster {
    kubernetes_version = "1.37.2"
  }
  network {
    node_subnets = [var.node_subnet]
  }
}`},
	"member": {
		Text: "One cluster of a fleet: its class's blocks, merged with the member's own. A member's top-level block replaces the class's block of the same type and labels as a whole (nested blocks are not merged); a block the class lacks is added; `cluster`'s attributes merge one by one, the member's winning; `dynamic` blocks are always added. Render writes each member's tree under `clusters/NAME/`, as a spec of its own would render it.",
		Example: `member "west" {
  class     = "streaming"
  region    = "eu-west"
  variables = { node_subnet = "10.60.0.0/16" }
  cluster {
    kubernetes_version = "1.36.4"
  }
}`},
	"member.class": {
		Text:    "The class the member instantiates; an unknown name is an error with the nearest one.",
		Example: `"streaming"`},
	"member.region": {
		Text:    "The region the member's machines are in (a metro area or cloud region): the default of its zones' `region`, and what FLEET.md's region-loss table groups by. etcd must stay in it.",
		Example: `"eu-west"`},
	"member.network": {
		Text:    "The routed network the member is on: members on the same network must not overlap in node, pod or service ranges, and their keepalived virtual router IDs must differ (a shared segment).",
		Default: "none: routed with no other member unless a `peering` names it",
		Example: `"backbone"`},
	"member.variables": {
		Text:    "Values of the class's variables, each of the type the class declares; a required variable left out, or one the class does not declare, is an error.",
		Default: "none: each variable's default",
		Example: `{ node_subnet = "10.60.0.0/16" }`},
	"peering": {
		Text: "Members routed together (a VPN or cloud peering), whose node, pod and service ranges must not overlap; each must be a known member, named once, at least two.",
		Example: `peering "west-east" {
  members = ["west", "east"]
}`},
	"peering.members": {
		Text:    "The members the peering routes together.",
		Example: `["west", "east"]`},

	"zone.region": {
		Text:    "The region (a metro area or cloud region) the zone is in. Within one spec, etcd must not span regions: every zone that holds an etcd member (the control plane's zones, with stacked etcd) has the same region. In a fleet, a zone outside its member's region may not hold etcd.",
		Default: "none; in a fleet, the member's `region`",
		Example: `"eu-west"`},

	"control_plane": {Required: true,
		Text: "The nodes that run the API server, scheduler and controller-manager (and etcd, when it is stacked): at least 3, an odd number with stacked etcd (more than 7 members warns, and co-located load balancing takes at most 9 masters).",
		Example: `control_plane {
  node "kmaster1" {
    address = "10.20.0.11"
    zone    = "az1"
  }
  node "kmaster2" {
    address = "10.20.0.12"
    zone    = "az2"
  }
  node "kmaster3" {
    address = "10.20.0.13"
    zone    = "az3"
  }
}
`},
	"control_plane.node": {Required: true,
		Text: "One control-plane node. Its name is a DNS-1123 subdomain of at most 63 characters (`kmaster1.example.com` is fine)."},
	"control_plane.node.address": {
		Text: "The node's IPv4 or IPv6 address (of the first service range's family, in a node subnet) or DNS name (a DNS-1123 subdomain; a last label of digits only is refused as a mistyped address); `\"\"` is refused."},
	"control_plane.node.zone": {
		Text: "The zone the node is in; a `zone` block must declare it."},

	"control_plane.node.ssh_address": {
		Text:    "Where an operator reaches the machine when that differs from `address` (a public address, a bastion's forward): an address or DNS name, listed in ARCHITECTURE.md's Nodes table and used by the steps that copy files between hosts.",
		Example: `"203.0.113.11"`},
	"control_plane.schedulable": {
		Text:    "`true` leaves off kubeadm's `node-role.kubernetes.io/control-plane:NoSchedule` taint: any pod may run on these nodes, and the checks that place services without a `node_pool` count them (their size unchecked).",
		Default: "false"},
	"control_plane.extra_sans": {
		Text:    "More names and addresses for the API server's certificate (IP addresses, DNS names, `*.` wildcards), besides the endpoint, every control-plane node's name and address, `127.0.0.1` and `localhost`.",
		Default: "[]",
		Example: `["api.example.com"]`},
	"control_plane.max_pods": {
		Text:    "The cluster-wide KubeletConfiguration's `maxPods`, 1 to 110 (the most Kubernetes is tested with, and at most the 254 addresses of the /24 each node gets from the pod range).",
		Default: "110"},
	"control_plane.cpu": {
		Text:    "Cores of each control-plane machine, for its kubelet's reservations (kubeadm's preflight wants at least 2).",
		Default: strconv.Itoa(DefaultControlPlaneCPU)},
	"control_plane.memory": {
		Text:    "Memory of each control-plane machine, a quantity (kubeadm's preflight wants at least 1700 MB).",
		Default: q(DefaultControlPlaneMemory)},
	"control_plane.system_reserved": {
		Text:    "Overrides, key by key (`cpu`, `memory`, `ephemeral-storage`, `pid`), the kubelet's reservation for the operating system, as for a pool.",
		Default: "100m CPU and 256Mi memory",
		Example: `{ memory = "512Mi" }`},
	"control_plane.kube_reserved": {
		Text:    "Overrides, key by key (`cpu`, `memory`, `ephemeral-storage`, `pid`), the kubelet's reservation for itself and the container runtime.",
		Default: "sized from the machine (GKE's tiers)",
		Example: `{ cpu = "200m" }`},
	"control_plane.eviction_hard": {
		Text:    "Overrides, key by key, the hard eviction thresholds (`memory.available`, `nodefs.available`, `nodefs.inodesFree`, `imagefs.available`, `imagefs.inodesFree`, `pid.available`): a quantity or a percentage.",
		Default: "1% of memory (at least 100Mi), 10% nodefs, 15% imagefs, 5% inodes",
		Example: `{ "memory.available" = "500Mi" }`},
	"etcd": {
		Text: "Where etcd runs, and how it is backed up. Without the block etcd is stacked and backed up with the defaults.",
		Example: `etcd {
  topology = "stacked"
  backup {
    schedule = "17 */6 * * *"
    retain   = 8
    destination {
      nfs {
        server = "filer.example.com"
        path   = "/exports/etcd-backups"
      }
    }
  }
}
`},
	"etcd.topology": {
		Text:    "`stacked` (one member per control-plane node) or `external` (the `member` blocks).",
		Default: q(EtcdStacked),
		Allowed: []string{EtcdStacked, EtcdExternal}},
	"etcd.member": {
		Text: "An external etcd member (external topology only): an odd number, at least 3.",
		Example: `etcd {
  topology = "external"
  member "etcd1" {
    address = "10.20.0.21"
    zone    = "az1"
  }
}
`},
	"etcd.member.address": {
		Text: "The member's address; `\"\"` is refused."},
	"etcd.member.zone": {
		Text: "The zone the member is in."},
	"etcd.member.ssh_address": {
		Text:    "Where an operator reaches the machine when that differs from `address`.",
		Example: `"203.0.113.21"`},
	"etcd.backup": {
		Text: "Periodic etcd snapshots (`manifests/etcd-backup/`): on for every spec, with or without this block; a block without a destination warns."},
	"etcd.backup.enabled": {
		Text:    "`false` turns snapshots off, and warns.",
		Default: "true"},
	"etcd.backup.schedule": {
		Text:    "Cron schedule (UTC) as a CronJob takes it (no `TZ=`); more than a day between snapshots warns.",
		Default: q(DefaultBackupSchedule)},
	"etcd.backup.retain": {
		Text:    "Snapshots each control-plane node keeps, 1 to 1000.",
		Default: strconv.Itoa(DefaultBackupRetain)},
	"etcd.backup.destination": {
		Text: "Where snapshots are copied off the nodes: exactly one of an `nfs` block or `claim`."},
	"etcd.backup.destination.claim": {
		Text:    "A `persistent_volume_claim` of the spec in namespace `etcd-backup`, ReadWriteMany.",
		Example: `"etcd-backups"`},
	"etcd.backup.destination.nfs": {
		Text: "An NFS export."},
	"etcd.backup.destination.nfs.server": {
		Text: "The NFS server's name or address."},
	"etcd.backup.destination.nfs.path": {
		Text: "The exported path."},

	"load_balancer": {Required: true,
		Text: "How clients reach the API servers. The VIP and an external `endpoint` may not lie in the pod or service range, and the endpoint may not be a loopback address.",
		Example: `load_balancer {
  mode              = "colocated"
  vip               = "10.20.0.10"
  port              = 8443
  interface         = "eth0"
  virtual_router_id = 51
}
`},
	"load_balancer.mode": {
		Text:    "`colocated`: HAProxy and keepalived as static pods on the masters; `dedicated`: on the `host` blocks (one host without `vip`: HAProxy alone); `kube-vip`: kube-vip static pods on the masters; `local-proxy`: HAProxy on every worker, no VIP; `external`: an existing load balancer at `endpoint`.",
		Allowed: []string{LBDedicated, LBColocated, LBExternal, LBKubeVIP, LBLocalProxy}},
	"load_balancer.vip": {
		Text:    "The virtual IP keepalived or kube-vip holds, in the subnet of every host that may hold it.",
		Default: "required for colocated, kube-vip and dedicated with 2 or more hosts",
		Example: `"10.20.0.10"`},
	"load_balancer.port": {
		Text:    "HAProxy's frontend port; colocated cannot use 6443 (the API server's), kube-vip and local-proxy only 6443.",
		Default: strconv.Itoa(DefaultColocatedPort) + " colocated, " + strconv.Itoa(DefaultDedicatedPort) + " otherwise"},
	"load_balancer.interface": {
		Text:    "The network interface that carries the VIP (keepalived, kube-vip).",
		Default: q(DefaultInterface)},
	"load_balancer.virtual_router_id": {
		Text:    "VRRP router id, 1 to 255, unique on the network (keepalived only).",
		Default: strconv.Itoa(DefaultVirtualRouterID)},
	"load_balancer.endpoint": {
		Text:    "External mode only: `host:port` of the existing load balancer.",
		Example: `"api.example.com:6443"`},
	"load_balancer.host": {
		Text: "A dedicated load-balancer host (dedicated mode only): 1 to 9 hosts; one warns (`lb-single-host`).",
		Example: `load_balancer {
  mode = "dedicated"
  vip  = "10.20.0.10"
  host "lb1" {
    address = "10.20.0.31"
    zone    = "az1"
  }
  host "lb2" {
    address = "10.20.0.32"
    zone    = "az2"
  }
}
`},
	"load_balancer.host.address": {
		Text: "The host's address; `\"\"` is refused."},
	"load_balancer.host.zone": {
		Text: "The zone the host is in."},

	"load_balancer.host.ssh_address": {
		Text:    "Where an operator reaches the machine when that differs from `address`.",
		Example: `"203.0.113.31"`},
	"node_pool": {
		Text: "A group of worker nodes that share capacity, labels and taints: nodes counted per zone (`count_per_zone`) or listed (`node` blocks, which `dynamic` blocks can generate). Every worker carries the label `blueprint.dev/pool=POOL`, which the services use to select a pool.",
		Example: `node_pool "kafka" {
  zones          = ["az1", "az2", "az3"]
  count_per_zone = 1
  cpu            = 16
  memory         = "64Gi"
  labels = {
    "example.com/pool" = "kafka"
  }
  taint {
    key    = "example.com/dedicated"
    value  = "kafka"
    effect = "NoSchedule"
  }
}
`},
	"node_pool.zones": {
		Text:    "Zones the pool spans.",
		Example: `["az1", "az2", "az3"]`},
	"node_pool.count_per_zone": {
		Text:    "That many nodes per zone, named `POOL-ZONE-N`.",
		Example: "2"},
	"node_pool.cpu": {
		Text:    "Cores of each node; without `cpu` and `memory` the pool's capacity is unknown (a warning, `pool-capacity-unknown`) and its kubelets keep the control plane's reservations.",
		Example: "16"},
	"node_pool.memory": {
		Text:    "Memory of each node, a quantity such as `64Gi` (at most `64Ti`); optional, as `cpu`.",
		Example: `"64Gi"`},
	"node_pool.labels": {
		Text: "Node labels; `kubernetes.io` and `k8s.io` keys a kubelet may not set are refused."},
	"node_pool.max_pods": {
		Text:    "Each node's kubelet `maxPods` (in its pool's kubelet patch): 1 to 110, no more than the node's /24 of the pod range holds.",
		Default: "110"},
	"node_pool.system_reserved": {
		Text:    "Overrides, key by key (`cpu`, `memory`, `ephemeral-storage`, `pid`), the kubelet's reservation for the operating system; validate refuses overrides that leave nothing allocatable.",
		Default: "100m CPU and 256Mi memory",
		Example: `{ memory = "512Mi" }`},
	"node_pool.kube_reserved": {
		Text:    "Overrides, key by key (`cpu`, `memory`, `ephemeral-storage`, `pid`), the kubelet's reservation for itself and the container runtime.",
		Default: "sized from the machine (GKE's tiers)",
		Example: `{ cpu = "200m" }`},
	"node_pool.eviction_hard": {
		Text:    "Overrides, key by key, the hard eviction thresholds (`memory.available`, `nodefs.available`, `nodefs.inodesFree`, `imagefs.available`, `imagefs.inodesFree`, `pid.available`): a quantity or a percentage.",
		Default: "1% of memory (at least 100Mi), 10% nodefs, 15% imagefs, 5% inodes",
		Example: `{ "memory.available" = "500Mi" }`},
	"node_pool.taint": {
		Text: "A node taint; pods that do not tolerate it stay off the pool."},
	"node_pool.taint.key": {
		Text:    "The taint's key.",
		Example: `"example.com/dedicated"`},
	"node_pool.taint.value": {
		Text:    "The taint's value.",
		Example: `"kafka"`},
	"node_pool.taint.effect": {
		Text:    "The taint's effect.",
		Allowed: []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}},
	"node_pool.autoscale": {
		Text: "Refused, like `autoscaling.cluster_autoscaler`: blueprint renders fixed kubeadm nodes, which a cloud node group cannot grow."},
	"node_pool.autoscale.min": {
		Text:    "Would be the pool's smallest size.",
		Example: "1"},
	"node_pool.autoscale.max": {
		Text:    "Would be the pool's largest size.",
		Example: "5"},
	"node_pool.autoscale.node_group": {
		Text:    "Would be the cloud node group.",
		Example: `"workers"`},
	"node_pool.node": {
		Text: "One explicitly listed worker node."},
	"node_pool.node.address": {
		Text:    "The node's address; without one, the kubelet's own.",
		Example: `"10.20.0.101"`},
	"node_pool.node.zone": {
		Text:    "The zone the node is in.",
		Example: `"az1"`},

	"node_pool.node.ssh_address": {
		Text:    "Where an operator reaches the machine when that differs from `address`.",
		Example: `"203.0.113.101"`},

	"tuning": {
		Text: "Overrides the settings blueprint sizes from the number of nodes (machines that run a kubelet), following Kubernetes' large-cluster guidance; ARCHITECTURE.md, \"Large clusters\", explains each and marks a value the spec sets \"(spec)\".",
		Example: `tuning {
  max_requests_inflight          = 800
  max_mutating_requests_inflight = 400
  etcd_quota                     = "4Gi"
  coredns_replicas               = 4
}
`},
	"tuning.max_requests_inflight": {
		Text:    "kube-apiserver's `--max-requests-inflight` (with API Priority and Fairness, on by default, it and the mutating limit add up to the server's concurrency).",
		Default: "400 up to 500 nodes, 800 above, 1,600 above 1,000, 3,000 above 3,000"},
	"tuning.max_mutating_requests_inflight": {
		Text:    "kube-apiserver's `--max-mutating-requests-inflight`.",
		Default: "200 up to 500 nodes, 400 above, 800 above 1,000, 1,000 above 3,000"},
	"tuning.etcd_quota": {
		Text:    "etcd's `--quota-backend-bytes`; above 8Gi is refused.",
		Default: "2Gi, doubled until it holds twice the pod objects (8 KiB each, nodes × max pods), at most 8Gi",
		Example: `"4Gi"`},
	"tuning.events_etcd_servers": {
		Text:    "Client URLs (`https://host:port`) of an etcd of your own for Events (`--etcd-servers-overrides=/events#…`); from 1,000 nodes ARCHITECTURE.md says to run one.",
		Default: "none",
		Example: `["https://10.20.0.41:2379"]`},
	"tuning.controller_manager_qps": {
		Text:    "kube-controller-manager's `--kube-api-qps`.",
		Default: "20 up to 500 nodes, then one per 10 nodes (at most 500)",
		Example: "50"},
	"tuning.controller_manager_burst": {
		Text:    "kube-controller-manager's `--kube-api-burst`.",
		Default: "30 up to 500 nodes, then twice the QPS",
		Example: "100"},
	"tuning.scheduler_qps": {
		Text:    "kube-scheduler's client QPS.",
		Default: "50 up to 500 nodes, then one per 10 nodes (at most 500)",
		Example: "100"},
	"tuning.scheduler_burst": {
		Text:    "kube-scheduler's client burst.",
		Default: "100 up to 500 nodes, then twice the QPS",
		Example: "200"},
	"tuning.coredns_replicas": {
		Text:    "CoreDNS replicas (kubeadm deploys 2: ARCHITECTURE.md gives the `kubectl scale` to run after `kubeadm init`).",
		Default: "one per 16 nodes, at least 2"},
	"tuning.prometheus_cpu": {
		Text:    "Prometheus' CPU request (limit twice that).",
		Default: "a core per 400,000 series (about 1,500 series per node plus 50,000), at least 500m",
		Example: `"2"`},
	"tuning.prometheus_memory": {
		Text:    "Prometheus' memory request (limit four times that).",
		Default: "4 KiB a series, at least 2Gi",
		Example: `"8Gi"`},
	"authentication": {
		Text: "Who the API server believes, besides client certificates, bootstrap tokens and ServiceAccount tokens. render always writes `kubeadm/authentication-config.yaml`, which also limits anonymous requests to the health endpoints and kubeadm's `cluster-info`.",
		Example: `authentication {
  oidc {
    issuer          = "https://sso.example.com/realms/platform"
    client_id       = "kubernetes"
    username_claim  = "preferred_username"
    username_prefix = ""
    groups_claim    = "groups"
    groups_prefix   = ""
  }
}
`},
	"authentication.oidc": {
		Text: "An OpenID Connect issuer, rendered as a JWT authenticator. Tokens claiming a user or group that starts with `system:` are refused."},
	"authentication.oidc.issuer": {
		Text: "The issuer URL: `https`, without credentials, query or fragment; not the cluster's ServiceAccount issuer nor another block's."},
	"authentication.oidc.client_id": {
		Text: "The client ID, the tokens' `aud` claim."},
	"authentication.oidc.audiences": {
		Text:    "Audiences a token must be issued to (any one matches).",
		Default: "`[client_id]`",
		Example: `["kubernetes"]`},
	"authentication.oidc.username_claim": {
		Text:    "The claim that names the user.",
		Default: q(DefaultUsernameClaim)},
	"authentication.oidc.username_prefix": {
		Text: "Put in front of every user name, as the API server requires; may be `\"\"`, may not start with `system:`."},
	"authentication.oidc.groups_claim": {
		Text:    "The claim that lists the groups; no groups without it.",
		Example: `"groups"`},
	"authentication.oidc.groups_prefix": {
		Text:    "Put in front of every group name; required with `groups_claim`, may be `\"\"`.",
		Example: `""`},
	"authentication.oidc.certificate_authority": {
		Text:    "PEM of the issuer's CA (certificates only, never a key).",
		Example: "<<-EOT\n  -----BEGIN CERTIFICATE-----\n  EOT"},

	"image_scanning": {
		Text: "Scans the image of every container the cluster runs for known vulnerabilities, in the cluster, with the Trivy Operator (see Scanning images in the cluster).",
		Example: `image_scanning {
  engine        = "trivy-operator"
  db_repository = "harbor.example.com/aquasec/trivy-db"
}
`},
	"image_scanning.engine": {
		Text:    "The scanner that runs in the cluster.",
		Allowed: []string{ScanEngineTrivyOperator},
		Example: q(ScanEngineTrivyOperator)},
	"image_scanning.namespace": {
		Text:    "The operator's and its scan jobs' namespace (restricted Pod Security level); not shared with another service.",
		Default: q(DefaultScanningNamespace),
		Example: q(DefaultScanningNamespace)},
	"image_scanning.node_pool": {
		Text:    "The pool the operator and the scan jobs run on (node selector and tolerations).",
		Default: "any node",
		Example: `"services"`},
	"image_scanning.db_repository": {
		Text:    "OCI repository of Trivy's vulnerability database; an air-gapped cluster copies it there (`oras copy`).",
		Default: "the images mirror's copy of `" + DefaultTrivyDBRepository + "`, else that",
		Example: `"harbor.example.com/aquasec/trivy-db"`},
	"image_scanning.java_db_repository": {
		Text:    "OCI repository of Trivy's Java index database.",
		Default: "the images mirror's copy of `" + DefaultTrivyJavaDBRepository + "`, else that",
		Example: `"harbor.example.com/aquasec/trivy-java-db"`},
	"image_scanning.pull_secret": {
		Text:    "A `kubernetes.io/dockerconfigjson` Secret in the namespace with credentials for the registries the scan jobs pull from; the only Secret the operator may read besides its own. blueprint never writes it.",
		Default: "none",
		Example: `"registry-credentials"`},
	"image_scanning.concurrent_scans": {
		Text:    "Scan jobs at once, 1 to 20.",
		Default: strconv.Itoa(DefaultConcurrentScans),
		Example: "5"},
	"image_scanning.rescan_interval": {
		Text:    "How long a report lives before the workload is scanned again with the newest database, `1h` to `720h`.",
		Default: q(DefaultRescanInterval),
		Example: `"12h"`},
	"images": {
		Text: "Rewrites every image for air-gapped sites, pins them by digest from a lock file, and renders the images admission policy. render writes the full list to `images.txt`.",
		Example: `images {
  registry           = "mirror.example.com:5000"
  overrides          = { grafana = "mirror.example.com:5000/grafana:12.1.0" }
  lock_file          = "images.lock"
  admission          = "enforce"
  allowed_registries = ["harbor.example.com/apps"]
  extra_allowed      = ["quay.io/cilium/"]
}
`},
	"images.registry": {
		Text:    "A mirror (host, optional port and path) that replaces every image's registry.",
		Example: `"mirror.example.com:5000"`},
	"images.overrides": {
		Text: "An image by name (`grafana`, `kafka`, …) replaced outright; each must be pinned (a tag other than `latest`, or a digest)."},
	"images.lock_file": {
		Text:    "A lock file, relative to the spec file: render writes every image as `name:tag@sha256:…`; an image the cluster runs that it lacks is an error.",
		Example: `"images.lock"`},
	"images.require_digest": {
		Text:    "The admission policy refuses images without a digest; needs `lock_file`.",
		Default: "`false`; `true` with `lock_file`",
		Example: "true"},
	"images.admission": {
		Text:    "`enforce`: render the images admission policy and refuse what it does not allow; `audit`: admit with a warning (`validationActions: [Audit, Warn]`), for a first rollout; `off`: no policy.",
		Default: q(DefaultAdmission),
		Allowed: []string{AdmissionEnforce, AdmissionAudit, AdmissionOff}},
	"images.allowed_registries": {
		Text: "More registry prefixes (host, port, path; no trailing `/`) pods in the managed namespaces may pull from."},
	"images.extra_allowed": {
		Text: "Images kube-system may run besides blueprint's: full references (`quay.io/cilium/cilium:v1.18.2`) or repository prefixes ending in `/`."},

	"namespace": {
		Text: "A namespace blueprint creates, with a default-deny NetworkPolicy plus allows for DNS and Prometheus scraping. Roles, bindings and claims may also name the built-in namespaces without declaring them.",
		Example: `namespace "analytics" {
  pod_security = "baseline"
  reason       = "The notebook image runs as root."
  labels = {
    "example.com/cost-center" = "data"
  }
}
`},
	"namespace.pod_security": {
		Text:    "Pod Security Admission level.",
		Default: q(DefaultPodSecurity),
		Allowed: []string{"restricted", "baseline", "privileged"}},
	"namespace.reason": {
		Text:    "Why the namespace needs less than `restricted`: required then, and written on the namespace. May span lines.",
		Example: `"The notebook image runs as root."`},
	"namespace.labels": {
		Text: "Extra namespace labels."},

	"storage_class": {
		Text: "A StorageClass. A class with `provisioner = \"kubernetes.io/no-provisioner\"` makes no volumes: every claim of it must fit one of the spec's `persistent_volume`s of that class, when the spec declares some.",
		Example: `storage_class "local-ssd" {
  provisioner         = "kubernetes.io/no-provisioner"
  reclaim_policy      = "Retain"
  volume_binding_mode = "WaitForFirstConsumer"
  zones               = ["az1", "az2", "az3"]
}
`},
	"storage_class.provisioner": {
		Text: "The provisioner (a CSI driver's name, or `kubernetes.io/no-provisioner`)."},
	"storage_class.parameters": {
		Text:    "Passed to the provisioner.",
		Example: `{ "csi.storage.k8s.io/fstype" = "ext4" }`},
	"storage_class.reclaim_policy": {
		Text:    "What happens to a volume when its claim goes. `Delete` under Kafka or HDFS warns.",
		Default: q(DefaultReclaimPolicy),
		Allowed: []string{"Delete", "Retain"}},
	"storage_class.volume_binding_mode": {
		Text:    "When volumes are bound: `WaitForFirstConsumer` puts the volume in the pod's zone; `Immediate` warns.",
		Default: q(DefaultBindingMode),
		Allowed: []string{"WaitForFirstConsumer", "Immediate"}},
	"storage_class.allow_volume_expansion": {
		Text:    "Claims of the class may grow.",
		Default: "false"},
	"storage_class.zones": {
		Text: "Zones the class's volumes may be in (`allowedTopologies`)."},
	"storage_class.default": {
		Text:    "The cluster's default class; at most one.",
		Default: "false"},

	"persistent_volume": {
		Text: "A statically provisioned volume: a local disk on one node or an NFS export. Two local volumes on the same node and path are refused.",
		Example: `persistent_volume "kafka-0" {
  storage_class = "local-ssd"
  capacity      = "500Gi"
  local {
    path = "/mnt/disks/ssd0"
    node = "kafka-az1-1"
  }
}
`},
	"persistent_volume.storage_class": {
		Text: "The volume's class."},
	"persistent_volume.capacity": {
		Text: "Its size, a quantity of at most `1Pi`."},
	"persistent_volume.access_modes": {
		Text:    "Access modes.",
		Default: `["ReadWriteOnce"]`,
		Allowed: []string{"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}},
	"persistent_volume.reclaim_policy": {
		Text:    "What happens to the volume when its claim goes: static volumes hold data someone placed there, so they are kept.",
		Default: `"Retain"`,
		Allowed: []string{"Delete", "Retain"}},
	"persistent_volume.local": {
		Text: "A disk path on one node."},
	"persistent_volume.local.path": {
		Text: "The path on the node."},
	"persistent_volume.local.node": {
		Text: "The node's name."},
	"persistent_volume.nfs": {
		Text: "An NFS export."},
	"persistent_volume.nfs.server": {
		Text:    "The NFS server's name or address.",
		Example: `"filer.example.com"`},
	"persistent_volume.nfs.path": {
		Text:    "The exported path.",
		Example: `"/exports/shared"`},

	"persistent_volume_claim": {
		Text: "A claim the spec asks for.",
		Example: `persistent_volume_claim "my-pvc" {
  namespace = "default"
  storage   = "10Gi"
}
`},
	"persistent_volume_claim.namespace": {
		Text:    "The claim's namespace.",
		Default: q(DefaultClaimNamespace)},
	"persistent_volume_claim.storage": {
		Text: "The size asked for, a quantity of at most `1Pi`."},
	"persistent_volume_claim.access_modes": {
		Text:    "Access modes.",
		Default: `["ReadWriteOnce"]`,
		Allowed: []string{"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}},
	"persistent_volume_claim.storage_class": {
		Text:    "The claim's class.",
		Default: "the default class",
		Example: `"standard"`},

	"role": {
		Text: "A namespaced RBAC role. Least privilege is enforced: no `*` in verbs, resources or API groups, no `escalate`, `bind` or `impersonate`, no `nodes/proxy`, no `secrets` in a read-only role; a role in `kube-system`, `kube-public` or `kube-node-lease` may only read.",
		Example: `role "pod-reader" {
  namespace = "default"
  rule {
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["get", "watch", "list"]
  }
}
`},
	"role.namespace": {
		Text: "The role's namespace."},
	"role.rule": {
		Text: "One policy rule."},
	"role.rule.api_groups": {
		Text:    "API groups: `\"\"` (the core group) or lower-case DNS names.",
		Default: `[""]`},
	"role.rule.resources": {
		Text: "Lower-case resource names with an optional subresource (`pods/log`)."},
	"role.rule.verbs": {
		Text:    "Verbs.",
		Allowed: []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}},

	"role_binding": {
		Text: "Grants a role of the spec, or a built-in one (`view`, `edit`, `admin`), to subjects in one namespace; `cluster-admin` only through `break_glass`. No `system:` user or group, no name with white space at either end, no service account of the system namespaces; in those namespaces only `view` or a read-only role.",
		Example: `role_binding "read-pods" {
  namespace        = "default"
  role             = "pod-reader"
  users            = ["alice"]
  service_accounts = ["analytics/reporter"]
}
`},
	"role_binding.namespace": {
		Text: "The binding's namespace."},
	"role_binding.role": {
		Text: "A role of the spec in that namespace, or `view`, `edit` or `admin`."},
	"role_binding.users": {
		Text: "Users, as the authenticator names them (with an OIDC issuer's prefix)."},
	"role_binding.groups": {
		Text:    "Groups, as the authenticator names them.",
		Example: `["data-eng"]`},
	"role_binding.service_accounts": {
		Text: "Service accounts, `NAMESPACE/NAME` or `NAME` in the binding's namespace."},

	"team": {
		Text: "Binds people to namespaces with built-in roles: one RoleBinding per namespace.",
		Example: `team "data-eng" {
  groups     = ["data-eng"]
  namespaces = { kafka = "edit", analytics = "view" }
}
`},
	"team.namespaces": {
		Text:    "Namespace to built-in role; the system namespaces only `view`.",
		Allowed: []string{"view", "edit", "admin"}},
	"team.users": {
		Text:    "Users in the team.",
		Example: `["alice"]`},
	"team.groups": {
		Text: "Groups in the team."},
	"team.service_accounts": {
		Text:    "Service accounts in the team, `NAMESPACE/NAME`.",
		Example: `["analytics/reporter"]`},

	"break_glass": {
		Text: "The one declared exception to least privilege: a cluster-admin binding for emergencies, with its reason on record.",
		Example: `break_glass "platform-oncall" {
  groups = ["platform-oncall"]
  reason = "Incident response when GitOps is broken"
}
`},
	"break_glass.reason": {
		Text: "Why; written on the binding. May span lines."},
	"break_glass.users": {
		Text:    "Users who may act as cluster-admin.",
		Example: `["alice"]`},
	"break_glass.groups": {
		Text: "Groups who may act as cluster-admin."},
	"break_glass.service_accounts": {
		Text:    "Service accounts who may act as cluster-admin, `NAMESPACE/NAME`.",
		Example: `["ops/recovery"]`},

	"monitoring": {
		Text: "Prometheus, Alertmanager, Grafana and the exporters. Prometheus and Alertmanager replicas run one per node, spread evenly over zones; validate refuses more than their pool (or the untainted workers) can place.",
		Example: `monitoring {
  storage_class         = "standard"
  retention             = "15d"
  volume_size           = "50Gi"
  prometheus_replicas   = 2
  alertmanager_replicas = 3
  receiver "oncall" {
    webhook_url = "https://alerts.example.com/hook"
  }
  grafana {
    admin_secret = "grafana-admin"
  }
}
`},
	"monitoring.namespace": {
		Text:    "The namespace of the stack.",
		Default: q(DefaultMonitoringNamespace)},
	"monitoring.storage_class": {
		Text: "Class of the Prometheus volumes."},
	"monitoring.retention": {
		Text:    "How long Prometheus keeps samples.",
		Default: q(DefaultRetention)},
	"monitoring.volume_size": {
		Text:    "Size of each Prometheus volume.",
		Default: q(DefaultPrometheusVolume)},
	"monitoring.prometheus_replicas": {
		Text:    "Prometheus servers, 2 to 10.",
		Default: strconv.Itoa(DefaultPrometheusReplicas)},
	"monitoring.alertmanager_replicas": {
		Text:    "Alertmanager cluster size, 3 to 9.",
		Default: strconv.Itoa(DefaultAlertmanagerReplicas)},
	"monitoring.node_pool": {
		Text:    "The pool the stack runs on (its taints are tolerated); without it any untainted worker.",
		Example: `"general"`},
	"monitoring.web_auth_secret": {
		Text:    "A Secret you create (keys `web-config.yml`, `username`, `password`) with Prometheus' and Alertmanager's basic authentication and the account their clients use; never rendered.",
		Default: q(DefaultWebAuthSecret)},
	"monitoring.engine": {
		Text: "`statefulset`: blueprint's own Prometheus and Alertmanager StatefulSets, no CRDs or controllers. `operator`: prometheus-operator " + PrometheusOperatorVersion +
			" (installed from `manifests/prometheus-operator/`) runs them from a `Prometheus` and an `Alertmanager` with the same replicas, retention, volumes and placement, the same rule groups as `PrometheusRule`s and the same scrape jobs as `ScrapeConfig`s; the operator makes their pods. The operator cannot ask clients for a password, so `web_auth_secret` does not apply (NetworkPolicies admit only Grafana and the monitoring stack) and Prometheus and Alertmanager cannot be exposed.",
		Default: q(DefaultEngine),
		Allowed: Engines},
	"monitoring.receiver": {
		Text: "Where Alertmanager sends alerts: a webhook, or e-mail through a smarthost. The first receiver gets every alert; without one alerts go nowhere. URLs with credentials are refused."},
	"monitoring.receiver.webhook_url": {
		Text: "A webhook URL."},
	"monitoring.receiver.email_to": {
		Text:    "Address to mail alerts to.",
		Example: `"oncall@example.com"`},
	"monitoring.receiver.smarthost": {
		Text:    "The mail relay, `host:port`.",
		Example: `"smtp.example.com:587"`},
	"monitoring.receiver.email_from": {
		Text:    "The sender address.",
		Example: `"alertmanager@example.com"`},
	"monitoring.grafana": {
		Text: "The Grafana dashboards."},
	"monitoring.grafana.admin_secret": {
		Text:    "A Secret you create (keys `admin-user`, `admin-password`); never rendered. Without the `grafana` block, `grafana-admin`.",
		Example: `"grafana-admin"`},

	"logging": {
		Text: "Logging: a search cluster, a log shipper on every node and a dashboard. The search cluster is placed and checked as monitoring's replicas are, and each search node's memory (twice `heap`) must fit its machines.",
		Example: `logging {
  storage_class  = "standard"
  backend        = "opensearch"
  replicas       = 3
  retention_days = 14
}
`},
	"logging.namespace": {
		Text:    "The namespace of the stack.",
		Default: q(DefaultLoggingNamespace)},
	"logging.backend": {
		Text:    "`elasticsearch` with Kibana, or `opensearch` (Apache-2.0) with OpenSearch Dashboards.",
		Default: q(DefaultLoggingBackend),
		Allowed: []string{"elasticsearch", "opensearch"}},
	"logging.replicas": {
		Text:    "Search nodes, 3 to 15.",
		Default: strconv.Itoa(DefaultLoggingReplicas)},
	"logging.storage_class": {
		Text: "Class of the search nodes' volumes."},
	"logging.volume_size": {
		Text:    "Size of each search node's volume.",
		Default: q(DefaultLoggingVolume)},
	"logging.heap": {
		Text:    "JVM heap of each search node.",
		Default: q(DefaultLoggingHeap)},
	"logging.node_pool": {
		Text:    "The pool the search cluster runs on; without it any untainted worker.",
		Example: `"general"`},
	"logging.retention_days": {
		Text:    "1 to 3650: the nightly CronJob `log-retention` deletes the daily `logs-YYYY.MM.DD` indices older than this; other indices are never touched.",
		Default: strconv.Itoa(DefaultLoggingRetentionDays)},
	"logging.engine": {
		Text: "`statefulset`: blueprint's own StatefulSet and Deployment, no CRDs or controllers, everything checkable offline. `operator`: ECK " + ECKVersion +
			" (Elastic Cloud on Kubernetes, installed from `manifests/eck/`) runs the search cluster from an `Elasticsearch` resource and the dashboard from a `Kibana` resource with the same counts, volumes, heap, resources, placement and zone awareness; its pods are made by the operator, which also makes the certificates and the elastic user's password. Needs `backend = \"elasticsearch\"` (ECK runs no OpenSearch), a namespace other than `elastic-system`, and a version tag on any `images` override of `elasticsearch` or `kibana` (the resources name the version).",
		Default: q(DefaultEngine),
		Allowed: Engines},

	"autoscaling": {
		Text: "Installs metrics-server (HPAs, `kubectl top`); with `vertical_pod_autoscaler`, resource recommendations for blueprint's workloads.",
		Example: `autoscaling {
  vertical_pod_autoscaler {
    mode = "Off"
  }
}
`},
	"autoscaling.cluster_autoscaler": {
		Text: "Refused, with the reason: the Cluster Autoscaler resizes cloud node groups, and blueprint renders fixed kubeadm nodes that such a group could not launch."},
	"autoscaling.cluster_autoscaler.provider": {
		Text:    "Would name the cloud provider.",
		Example: `"aws"`},
	"autoscaling.vertical_pod_autoscaler": {
		Text: "The VPA recommender and one VerticalPodAutoscaler per workload (`manifests/autoscaling/vpa/`); it only recommends. Without monitoring, logging, Kafka or HDFS it warns."},
	"autoscaling.vertical_pod_autoscaler.mode": {
		Text:    "The update mode: only `Off` (recommendations in the objects' status). `Initial`, `Recreate`, `Auto`, `InPlaceOrRecreate` and `InPlace` are refused with the reason.",
		Default: q(DefaultVPAMode),
		Allowed: []string{DefaultVPAMode}},

	"expose": {
		Text: "Makes the dashboards reachable from outside the cluster with TLS; set exactly one of `gateway_class` and `ingress_class`. Without it the dashboards stay ClusterIP services.",
		Example: `expose {
  gateway_class        = "envoy"
  controller_namespace = "envoy-gateway-system"
  tls_secret           = "wildcard-tls"
  grafana              = "grafana.example.com"
  alertmanager         = "alerts.example.com"
  prometheus           = "prometheus.example.com"
  kibana               = "logs.example.com"
}
`},
	"expose.ingress_class": {
		Text:    "An Ingress per dashboard, of this IngressClass, with the TLS Secret in each dashboard's namespace.",
		Example: `"nginx"`},
	"expose.gateway_class": {
		Text: "The GatewayClass of the cluster's Gateway API implementation: one Gateway in namespace `gateway` (`manifests/gateway/`) and an HTTPRoute per dashboard. `cilium` on a Cilium cluster warns."},
	"expose.tls_secret": {
		Text: "A TLS Secret you create (in namespace `gateway`, or in each dashboard's namespace with `ingress_class`)."},
	"expose.grafana": {
		Text: "Host name for Grafana."},
	"expose.kibana": {
		Text: "Host name for the logging dashboard (Kibana or OpenSearch Dashboards)."},
	"expose.alertmanager": {
		Text: "Host name for Alertmanager."},

	"expose.prometheus": {
		Text: "Host name for Prometheus."},
	"expose.controller_namespace": {
		Text:    "Where the ingress controller's pods (or a Gateway implementation's proxies, such as Envoy Gateway's `envoy-gateway-system`) run: besides the Gateway's namespace, the only namespace that may reach an exposed dashboard. Required with `ingress_class`.",
		Example: `"envoy-gateway-system"`},
	"gitops": {
		Text: "Wires the output into Argo CD (Applications with sync waves) or Flux (a GitRepository and Kustomizations), under `gitops/`.",
		Example: `gitops {
  tool     = "argocd"
  repo_url = "https://git.example.com/platform/clusters.git"
  path     = "clusters/dataplat"
  revision = "main"
}
`},
	"gitops.tool": {
		Text:    "The GitOps tool.",
		Allowed: []string{"argocd", "flux"}},
	"gitops.repo_url": {
		Text: "An `https://`, `http://` or `ssh://` URL or `git@host:path`, committed with the output, so without any credential (user, token, password, credential-like query parameter, forge token, fragment)."},
	"gitops.path": {
		Text: "Where this output is committed in the repository."},
	"gitops.revision": {
		Text:    "The branch or tag the tool follows.",
		Default: q(DefaultGitOpsRevision)},

	"kafka": {Single: true,
		Text: "A Kafka cluster in KRaft mode (`manifests/kafka/`), one broker per node spread evenly over the pool's zones; each broker's `broker.rack` is its zone.",
		Example: `kafka "events" {
  node_pool          = "kafka"
  storage_class      = "local-ssd"
  brokers            = 3
  replication_factor = 3
  volume_size        = "100Gi"
}
`},
	"kafka.namespace": {
		Text:    "The namespace.",
		Default: "the block's name",
		Example: `"kafka"`},
	"kafka.node_pool": {
		Text: "Pool of the brokers."},
	"kafka.brokers": {
		Text:    "Brokers.",
		Default: strconv.Itoa(DefaultKafkaBrokers)},
	"kafka.controllers": {
		Text:    "Dedicated KRaft controllers, 3 or 5 (no ZooKeeper).",
		Default: strconv.Itoa(DefaultKafkaControllers)},
	"kafka.controller_node_pool": {
		Text:    "Pool of the controllers.",
		Default: "`node_pool`",
		Example: `"general"`},
	"kafka.replication_factor": {
		Text:    "Replication of default and internal topics, at most `brokers`; a warning says when one zone's loss would stop `acks=all` writes.",
		Default: strconv.Itoa(DefaultReplicationFactor)},
	"kafka.min_insync_replicas": {
		Text:    "Below `replication_factor`.",
		Default: strconv.Itoa(DefaultMinInsyncReplicas)},
	"kafka.default_partitions": {
		Text:    "Partitions of a new topic.",
		Default: strconv.Itoa(DefaultKafkaPartitions)},
	"kafka.storage_class": {
		Text: "Class of the brokers' volumes (use `WaitForFirstConsumer`)."},
	"kafka.volume_size": {
		Text:    "Each broker's volume.",
		Default: q(DefaultKafkaVolume)},
	"kafka.heap": {
		Text:    "Each broker's JVM heap, below `memory`.",
		Default: q(DefaultKafkaHeap)},
	"kafka.cpu": {
		Text:    "Each broker's CPU.",
		Default: q(DefaultKafkaCPU)},
	"kafka.memory": {
		Text:    "Each broker's memory, within the pool's machines.",
		Default: q(DefaultKafkaMemory)},
	"kafka.engine": {
		Text: "`statefulset`: blueprint's own StatefulSets, no CRDs or controllers, everything checkable offline. `operator`: the Strimzi operator " + StrimziVersion +
			" (installed from `manifests/strimzi/`) runs the cluster from a `Kafka` and two `KafkaNodePool`s (controllers, brokers) with the same counts, placement, rack awareness and replication settings; its pods are made by the operator. An `images` override of `kafka` or `kafka-exporter` does not apply to it (override `strimzi-kafka`).",
		Default: q(DefaultEngine),
		Allowed: Engines},

	"hdfs": {Single: true,
		Text: "An HDFS cluster (`manifests/hdfs/`): block copies placed with the rack-fault-tolerant policy, one rack per zone.",
		Example: `hdfs "lake" {
  node_pool     = "hdfs"
  storage_class = "local-ssd"
  namenode_ha   = true
  datanodes     = 6
}
`},
	"hdfs.namespace": {
		Text:    "The namespace.",
		Default: "the block's name",
		Example: `"hdfs"`},
	"hdfs.node_pool": {
		Text: "Pool of the NameNodes, JournalNodes and DataNodes."},
	"hdfs.namenode_ha": {
		Text:    "Two NameNodes with three JournalNodes.",
		Default: "false"},
	"hdfs.datanodes": {
		Text:    "DataNodes.",
		Default: strconv.Itoa(DefaultHDFSDataNodes)},
	"hdfs.replication": {
		Text:    "Block replication, at most `datanodes`.",
		Default: strconv.Itoa(DefaultHDFSReplication)},
	"hdfs.block_size": {
		Text:    "Block size.",
		Default: q(DefaultHDFSBlockSize)},
	"hdfs.storage_class": {
		Text: "Class of the NameNodes' and DataNodes' volumes."},
	"hdfs.datanode_volume_size": {
		Text:    "Each DataNode's volume.",
		Default: q(DefaultHDFSDataVolume)},
	"hdfs.namenode_volume_size": {
		Text:    "Each NameNode's volume.",
		Default: q(DefaultHDFSNameVolume)},
	"hdfs.expose_node_port": {
		Text:    "Also publish the NameNode's RPC and HTTP ports on a NodePort.",
		Default: "false"},

	"spark": {Single: true,
		Text: "Spark on Kubernetes (`manifests/spark/`): the driver ServiceAccount, its Role and `spark-defaults` for jobs submitted in cluster mode, with dynamic allocation and shuffle tracking.",
		Example: `spark "jobs" {
  node_pool       = "spark"
  max_executors   = 20
  executor_memory = "8g"
}
`},
	"spark.namespace": {
		Text:    "The namespace.",
		Default: "the block's name",
		Example: `"spark"`},
	"spark.node_pool": {
		Text: "Pool of drivers and executors."},
	"spark.min_executors": {
		Text:    "Dynamic allocation's lower bound.",
		Default: strconv.Itoa(DefaultSparkMinExecutors)},
	"spark.max_executors": {
		Text:    "Dynamic allocation's upper bound.",
		Default: strconv.Itoa(DefaultSparkMaxExecutors)},
	"spark.executor_cpu": {
		Text:    "Cores of each executor.",
		Default: strconv.Itoa(DefaultSparkExecutorCPU)},
	"spark.executor_memory": {
		Text:    "Memory of each executor, a Spark size; pods get Spark's overhead on top.",
		Default: q(DefaultSparkExecutorMem)},
	"spark.driver_cpu": {
		Text:    "Cores of the driver.",
		Default: strconv.Itoa(DefaultSparkDriverCPU)},
	"spark.driver_memory": {
		Text:    "Memory of the driver, a Spark size.",
		Default: q(DefaultSparkDriverMem)},
	"spark.local_dir": {
		Text:    "A host path for shuffle and spill on fast local disks.",
		Default: "an emptyDir",
		Example: `"/mnt/fast-disk/spark"`},
	"spark.engine": {
		Text: "`statefulset` (the shared default value; Spark's own engine here is spark-submit): `spark-defaults` and pod templates for jobs submitted in cluster mode, no CRDs or controllers. `operator`: the Spark operator " + SparkOperatorVersion +
			" (installed from `manifests/spark-operator/`, watching only the Spark namespace) submits jobs from `SparkApplication` and `ScheduledSparkApplication` resources; blueprint writes templates of both with the same dynamic allocation, resources, local dir, placement and service account into ConfigMap `spark-application-templates` (and as files in `manifests/spark/`), and applies none, since a `SparkApplication` runs its job when applied. The operator submits with Spark " + SparkOperatorSparkVersion + ", so an `images` override of `spark` must be Spark 4.",
		Default: q(DefaultEngine),
		Allowed: Engines},

	"accept": {
		Text: "Acknowledges a warning, by its code (the label), as a risk the design takes knowingly: it is no longer reported, and ARCHITECTURE.md lists it under \"Risks accepted\". Without a scope attribute it covers every warning of its code.",
		Example: `accept "etcd-zone-quorum" {
  reason = "One-rack lab cluster; it is rebuilt from Git if the rack fails."
  zone   = "rack1"
}
`},
	"accept.reason": {
		Text: "Why the risk is taken. May span lines."},
	"accept.zone": {
		Text: "Only the warning about this zone."},
	"accept.node": {
		Text:    "Only the warning about this node (a machine name).",
		Example: `"kmaster1"`},
	"accept.pool": {
		Text:    "Only the warning about this node pool.",
		Example: `"kafka"`},
	"accept.workload": {
		Text:    "Only the warning about this workload: a `kafka`, `hdfs` or `spark` block's name, or `monitoring`, `logging`.",
		Example: `"events"`},
}

// q writes a string as an HCL literal.
func q(s string) string { return strconv.Quote(s) }
