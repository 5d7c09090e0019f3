package spec

import "github.com/hashicorp/hcl/v2"

// Tuning overrides the settings blueprint derives from the number of
// machines (package plan, Scale): API server concurrency, etcd's quota and
// a separate etcd for Events, the controller-manager's
// and scheduler's request rates, CoreDNS replicas and Prometheus' size.
type Tuning struct {
	MaxRequestsInflight              *int      `hcl:"max_requests_inflight,optional"`
	MaxRequestsInflightRange         hcl.Range `hcl:"max_requests_inflight,attr_value_range"`
	MaxMutatingRequestsInflight      *int      `hcl:"max_mutating_requests_inflight,optional"`
	MaxMutatingRequestsInflightRange hcl.Range `hcl:"max_mutating_requests_inflight,attr_value_range"`
	EtcdQuota                        *string   `hcl:"etcd_quota,optional"`
	EtcdQuotaRange                   hcl.Range `hcl:"etcd_quota,attr_value_range"`
	EventsEtcdServers                []string  `hcl:"events_etcd_servers,optional"`
	EventsEtcdServersRange           hcl.Range `hcl:"events_etcd_servers,attr_value_range"`
	ControllerManagerQPS             *int      `hcl:"controller_manager_qps,optional"`
	ControllerManagerQPSRange        hcl.Range `hcl:"controller_manager_qps,attr_value_range"`
	ControllerManagerBurst           *int      `hcl:"controller_manager_burst,optional"`
	ControllerManagerBurstRange      hcl.Range `hcl:"controller_manager_burst,attr_value_range"`
	SchedulerQPS                     *int      `hcl:"scheduler_qps,optional"`
	SchedulerQPSRange                hcl.Range `hcl:"scheduler_qps,attr_value_range"`
	SchedulerBurst                   *int      `hcl:"scheduler_burst,optional"`
	SchedulerBurstRange              hcl.Range `hcl:"scheduler_burst,attr_value_range"`
	CoreDNSReplicas                  *int      `hcl:"coredns_replicas,optional"`
	CoreDNSReplicasRange             hcl.Range `hcl:"coredns_replicas,attr_value_range"`
	PrometheusCPU                    *string   `hcl:"prometheus_cpu,optional"`
	PrometheusCPURange               hcl.Range `hcl:"prometheus_cpu,attr_value_range"`
	PrometheusMemory                 *string   `hcl:"prometheus_memory,optional"`
	PrometheusMemoryRange            hcl.Range `hcl:"prometheus_memory,attr_value_range"`
	DeclRange                        hcl.Range `hcl:",def_range"`
}
