package pipeline_test

// What the pinned exporters expose, and a case per alerting rule, for
// TestPrometheusRulesAndDashboards (promtest_test.go).
//
// metricCatalog gives, per metric, the series a healthy cluster has: which
// scrape job's targets expose it, with the labels the exporter itself puts
// on it (the scrape adds the target's). The label names are those of the
// exporter's source at the pinned version: node-exporter v1.12.1
// (collector/*.go), kube-state-metrics v2.18.0 (internal/store/*.go, each
// family's LabelKeys plus the object's default labels), Prometheus 3.16
// (notifier/metric.go, rules/group.go), Alertmanager 0.35 (notify/metrics.go,
// cluster/delegate.go), etcd 3.7, Kubernetes 1.37 (apiserver, kubelet,
// cAdvisor), kafka-exporter v1.9.0, elasticsearch-exporter v1.10.0,
// Hadoop 3.4's Prometheus sink and the Trivy Operator v0.32.0
// (pkg/metrics/collector.go).
//
// alertCases gives, per alerting rule (its name, or name/severity when
// several rules share a name), the input that must make it fire; the
// healthy catalog is the input on which it must stay silent. A case's Bad
// series replace the healthy series of the same metrics.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// alertCase is how to make one alerting rule fire.
type alertCase struct {
	// Bad returns series that make the alert fire; they replace the
	// healthy series of the metrics they name.
	Bad func(e *promEnv) []promSeries
	// AlwaysFires is for the Watchdog, which fires whatever the input.
	AlwaysFires bool
	// EvalTime, if set, is when to look; by default the rule's for plus
	// its longest window plus 5 minutes.
	EvalTime time.Duration
}

// down returns an up value function with the first n targets down.
func down(n int) func(int) string {
	return func(i int) string {
		if i < n {
			return gauge(0)
		}
		return gauge(1)
	}
}

func all(v float64) func(int) string { return func(int) string { return gauge(v) } }

// quorum is etcd's majority of n members.
func quorum(n int) int { return n/2 + 1 }

// ksm builds the series kube-state-metrics exposes (one target; its labels
// name the objects it describes, and honor_labels keeps them).
func ksm(e *promEnv, metric string, samples []sample) []promSeries {
	tg := e.Targets("kube-state-metrics")[0]
	var out []promSeries
	for _, s := range samples {
		out = append(out, scraped(tg, metric, s))
	}
	return out
}

// podDefaults are kube-state-metrics' labels of every pod series.
func podDefaults(p simPod) map[string]string {
	return map[string]string{"namespace": p.Namespace, "pod": p.Name, "uid": "uid-" + p.Name}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// workloads lists the simulated workloads of a kind with their replicas.
func workloads(e *promEnv, kind string) []struct {
	Namespace, Name string
	Replicas        int
} {
	seen := map[string]int{}
	var order []string
	for _, p := range e.pods {
		if p.OwnerKind == kind {
			key := p.Namespace + "/" + p.OwnerName
			if _, ok := seen[key]; !ok {
				order = append(order, key)
			}
			seen[key]++
		}
	}
	var out []struct {
		Namespace, Name string
		Replicas        int
	}
	for _, k := range order {
		ns, name, _ := strings.Cut(k, "/")
		out = append(out, struct {
			Namespace, Name string
			Replicas        int
		}{ns, name, seen[k]})
	}
	return out
}

// nodeOf returns the node name of a target on a node (kubelet, cAdvisor,
// node-exporter, kube-proxy): relabeling sets the node label.
func nodeOf(tg promTarget) string { return tg.Labels["node"] }

// histogram writes a classic histogram's buckets: observations per second
// all at or below the bucket le=at.
func histogram(bounds []float64, at, perSecond float64) []sample {
	var out []sample
	for _, b := range append(bounds, -1) {
		le := strconv.FormatFloat(b, 'g', -1, 64)
		v := perSecond
		if b >= 0 && b < at {
			v = 0
		}
		if b < 0 {
			le = "+Inf"
		}
		out = append(out, sample{Labels: map[string]string{"le": le}, Values: counter(0, v)})
	}
	return out
}

var etcdBuckets = []float64{0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192}

// apiserverRequests are requests of a healthy API server, by verb,
// resource and code.
var apiserverRequests = []struct{ verb, resource, scope, code string }{
	{"GET", "pods", "namespace", "200"}, {"LIST", "pods", "cluster", "200"}, {"WATCH", "pods", "cluster", "200"},
	{"POST", "pods", "namespace", "201"}, {"PATCH", "nodes", "resource", "200"}, {"GET", "namespaces", "resource", "404"},
}

func apiserverLabels(verb, resource, scope string) map[string]string {
	return map[string]string{"component": "apiserver", "dry_run": "", "group": "", "resource": resource, "scope": scope,
		"subresource": "", "verb": verb, "version": "v1"}
}

// metricCatalog is what a healthy cluster's exporters expose, by metric.
var metricCatalog = map[string]func(e *promEnv) []promSeries{
	// The API servers (job apiserver).
	"apiserver_request_total": func(e *promEnv) []promSeries {
		return e.Series("apiserver", nil, "apiserver_request_total", func(int, promTarget) []sample {
			var out []sample
			for _, r := range apiserverRequests {
				out = append(out, sample{Labels: with(apiserverLabels(r.verb, r.resource, r.scope), "code", r.code), Values: counter(0, 5)})
			}
			return out
		})
	},
	"apiserver_request_duration_seconds_bucket": func(e *promEnv) []promSeries {
		return e.Series("apiserver", nil, "apiserver_request_duration_seconds_bucket", func(int, promTarget) []sample {
			var out []sample
			for _, r := range apiserverRequests {
				for _, h := range histogram([]float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60}, 0.025, 5) {
					for k, v := range apiserverLabels(r.verb, r.resource, r.scope) {
						h.Labels[k] = v
					}
					out = append(out, h)
				}
			}
			return out
		})
	},

	// etcd (job etcd), per member.
	"etcd_server_has_leader": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_server_has_leader", func(int, promTarget) []sample { return []sample{{Values: gauge(1)}} })
	},
	"etcd_server_leader_changes_seen_total": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_server_leader_changes_seen_total", func(int, promTarget) []sample { return []sample{{Values: gauge(1)}} })
	},
	"etcd_disk_wal_fsync_duration_seconds_bucket": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_disk_wal_fsync_duration_seconds_bucket", func(int, promTarget) []sample { return histogram(etcdBuckets, 0.004, 20) })
	},
	"etcd_disk_backend_commit_duration_seconds_bucket": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_disk_backend_commit_duration_seconds_bucket", func(int, promTarget) []sample { return histogram(etcdBuckets, 0.008, 5) })
	},
	"etcd_mvcc_db_total_size_in_bytes": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_mvcc_db_total_size_in_bytes", func(int, promTarget) []sample { return []sample{{Values: gauge(120 << 20)}} })
	},
	"etcd_server_quota_backend_bytes": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_server_quota_backend_bytes", func(int, promTarget) []sample { return []sample{{Values: gauge(2 << 30)}} })
	},
	"etcd_network_peer_round_trip_time_seconds_bucket": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_network_peer_round_trip_time_seconds_bucket", func(i int, _ promTarget) []sample {
			var out []sample
			for _, h := range histogram([]float64{0.0001, 0.0002, 0.0004, 0.0008, 0.0016, 0.0032, 0.0064, 0.0128, 0.0256, 0.0512, 0.1024, 0.2048, 0.4096, 0.8192}, 0.0016, 1) {
				h.Labels["To"] = fmt.Sprintf("%016x", i+1)
				out = append(out, h)
			}
			return out
		})
	},
	"etcd_server_proposals_failed_total": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_server_proposals_failed_total", func(int, promTarget) []sample { return []sample{{Values: gauge(0)}} })
	},
	"etcd_server_proposals_pending": func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_server_proposals_pending", func(int, promTarget) []sample { return []sample{{Values: gauge(0)}} })
	},

	// node-exporter, per node.
	"node_cpu_seconds_total": func(e *promEnv) []promSeries {
		return e.Series("node-exporter", nil, "node_cpu_seconds_total", func(int, promTarget) []sample {
			var out []sample
			for cpu := range 2 {
				for mode, rate := range map[string]float64{"idle": 0.85, "user": 0.1, "system": 0.04, "iowait": 0.01} {
					out = append(out, sample{Labels: map[string]string{"cpu": strconv.Itoa(cpu), "mode": mode}, Values: counter(1000, rate)})
				}
			}
			return out
		})
	},
	"node_load1": func(e *promEnv) []promSeries {
		return e.Series("node-exporter", nil, "node_load1", func(int, promTarget) []sample { return []sample{{Values: gauge(0.6)}} })
	},
	"node_memory_MemAvailable_bytes": func(e *promEnv) []promSeries {
		return e.Series("node-exporter", nil, "node_memory_MemAvailable_bytes", func(int, promTarget) []sample { return []sample{{Values: gauge(6 << 30)}} })
	},
	"node_memory_MemTotal_bytes": func(e *promEnv) []promSeries {
		return e.Series("node-exporter", nil, "node_memory_MemTotal_bytes", func(int, promTarget) []sample { return []sample{{Values: gauge(16 << 30)}} })
	},
	"node_filesystem_avail_bytes": filesystem("node_filesystem_avail_bytes", 0.6),
	"node_filesystem_size_bytes":  filesystem("node_filesystem_size_bytes", 1),
	"node_filesystem_readonly":    filesystem("node_filesystem_readonly", 0),
	"node_network_receive_bytes_total": func(e *promEnv) []promSeries {
		return netdev(e, "node_network_receive_bytes_total")
	},
	"node_network_transmit_bytes_total": func(e *promEnv) []promSeries {
		return netdev(e, "node_network_transmit_bytes_total")
	},
	"node_disk_io_time_seconds_total": func(e *promEnv) []promSeries {
		return e.Series("node-exporter", nil, "node_disk_io_time_seconds_total", func(int, promTarget) []sample {
			return []sample{{Labels: map[string]string{"device": "sda"}, Values: counter(100, 0.05)}}
		})
	},
	"node_uname_info": func(e *promEnv) []promSeries {
		return e.Series("node-exporter", nil, "node_uname_info", func(_ int, tg promTarget) []sample {
			return []sample{{Labels: map[string]string{"sysname": "Linux", "release": "6.1.0-28-amd64", "version": "#1 SMP Debian 6.1.119-1",
				"machine": "x86_64", "nodename": nodeOf(tg), "domainname": "(none)"}, Values: gauge(1)}}
		})
	},

	// The kubelets (job kubelet) and their cAdvisor (job cadvisor).
	"kubelet_volume_stats_available_bytes": volumeStats("kubelet_volume_stats_available_bytes", 0.6),
	"kubelet_volume_stats_capacity_bytes":  volumeStats("kubelet_volume_stats_capacity_bytes", 1),
	"container_cpu_usage_seconds_total": func(e *promEnv) []promSeries {
		return containers(e, "container_cpu_usage_seconds_total", counter(10, 0.05))
	},
	"container_memory_working_set_bytes": func(e *promEnv) []promSeries {
		return containers(e, "container_memory_working_set_bytes", gauge(200<<20))
	},

	// kube-state-metrics: one target describing every object.
	"kube_node_status_condition": func(e *promEnv) []promSeries {
		var s []sample
		for _, n := range e.nodes {
			for status, v := range map[string]float64{"true": 1, "false": 0, "unknown": 0} {
				s = append(s, sample{Labels: map[string]string{"node": n.Name, "condition": "Ready", "status": status}, Values: gauge(v)})
			}
		}
		return ksm(e, "kube_node_status_condition", s)
	},
	"kube_node_status_allocatable": func(e *promEnv) []promSeries {
		var s []sample
		for _, n := range e.nodes {
			s = append(s, sample{Labels: map[string]string{"node": n.Name, "resource": "cpu", "unit": "core"}, Values: gauge(3.8)},
				sample{Labels: map[string]string{"node": n.Name, "resource": "memory", "unit": "byte"}, Values: gauge(13 << 30)},
				sample{Labels: map[string]string{"node": n.Name, "resource": "pods", "unit": "integer"}, Values: gauge(110)})
		}
		return ksm(e, "kube_node_status_allocatable", s)
	},
	"kube_pod_info": func(e *promEnv) []promSeries {
		var s []sample
		for _, p := range e.pods {
			s = append(s, sample{Labels: with(podDefaults(p), "host_ip", p.HostIP, "pod_ip", p.IP, "node", p.Node,
				"created_by_kind", p.OwnerKind, "created_by_name", p.OwnerName, "priority_class", p.Spec.PriorityClassName,
				"host_network", strconv.FormatBool(p.Spec.HostNetwork)), Values: gauge(1)})
		}
		return ksm(e, "kube_pod_info", s)
	},
	"kube_pod_status_phase": func(e *promEnv) []promSeries {
		var s []sample
		for _, p := range e.pods {
			for _, phase := range []string{"Pending", "Succeeded", "Failed", "Unknown", "Running"} {
				v := 0.0
				if phase == "Running" {
					v = 1
				}
				s = append(s, sample{Labels: with(podDefaults(p), "phase", phase), Values: gauge(v)})
			}
		}
		return ksm(e, "kube_pod_status_phase", s)
	},
	"kube_pod_container_resource_requests": func(e *promEnv) []promSeries {
		var s []sample
		for _, p := range e.pods {
			for _, c := range p.Spec.Containers {
				if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
					s = append(s, sample{Labels: with(podDefaults(p), "container", c.Name, "node", p.Node, "resource", "cpu", "unit", "core"), Values: gauge(q.AsApproximateFloat64())})
				}
				if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok {
					s = append(s, sample{Labels: with(podDefaults(p), "container", c.Name, "node", p.Node, "resource", "memory", "unit", "byte"), Values: gauge(q.AsApproximateFloat64())})
				}
			}
		}
		return ksm(e, "kube_pod_container_resource_requests", s)
	},
	"kube_pod_container_status_restarts_total": func(e *promEnv) []promSeries {
		var s []sample
		for _, p := range e.pods {
			for _, c := range p.Spec.Containers {
				s = append(s, sample{Labels: with(podDefaults(p), "container", c.Name), Values: gauge(0)})
			}
		}
		return ksm(e, "kube_pod_container_status_restarts_total", s)
	},
	// Only containers that are waiting have a series; a healthy cluster has
	// none.
	"kube_pod_container_status_waiting_reason":       func(e *promEnv) []promSeries { return nil },
	"kube_deployment_spec_replicas":                  replicaSeries("Deployment", "kube_deployment_spec_replicas", "deployment", 0),
	"kube_deployment_status_replicas_available":      replicaSeries("Deployment", "kube_deployment_status_replicas_available", "deployment", 0),
	"kube_statefulset_replicas":                      replicaSeries("StatefulSet", "kube_statefulset_replicas", "statefulset", 0),
	"kube_statefulset_status_replicas_ready":         replicaSeries("StatefulSet", "kube_statefulset_status_replicas_ready", "statefulset", 0),
	"kube_daemonset_status_desired_number_scheduled": replicaSeries("DaemonSet", "kube_daemonset_status_desired_number_scheduled", "daemonset", 0),
	"kube_daemonset_status_current_number_scheduled": replicaSeries("DaemonSet", "kube_daemonset_status_current_number_scheduled", "daemonset", 0),

	// The etcd backup CronJobs (kube-state-metrics' cronjob store; labels
	// namespace and cronjob). A healthy backup succeeded a moment ago: its
	// last success follows promtool's clock, which starts at 0, and the
	// CronJobs were created long before the test began.
	"kube_cronjob_status_last_successful_time": func(e *promEnv) []promSeries {
		return backupJobs(e, "kube_cronjob_status_last_successful_time", func(string) string { return counter(0, 1) })
	},
	"kube_cronjob_created": func(e *promEnv) []promSeries {
		return backupJobs(e, "kube_cronjob_created", func(string) string { return gauge(-backupAge(e)) })
	},

	// Prometheus and Alertmanager scraping themselves.
	"prometheus_rule_evaluation_failures_total": func(e *promEnv) []promSeries {
		return e.Series("prometheus", nil, "prometheus_rule_evaluation_failures_total", func(int, promTarget) []sample {
			return []sample{{Labels: map[string]string{"rule_group": "/etc/prometheus/etcd.rules.yml;etcd"}, Values: gauge(0)}}
		})
	},
	"prometheus_notifications_alertmanagers_discovered": func(e *promEnv) []promSeries {
		n := float64(len(e.Targets("alertmanager")))
		return e.Series("prometheus", nil, "prometheus_notifications_alertmanagers_discovered", func(int, promTarget) []sample { return []sample{{Values: gauge(n)}} })
	},
	"prometheus_notifications_errors_total": notifications("prometheus_notifications_errors_total", 0),
	"prometheus_notifications_sent_total":   notifications("prometheus_notifications_sent_total", 0.2),
	"prometheus_tsdb_compactions_failed_total": func(e *promEnv) []promSeries {
		return e.Series("prometheus", nil, "prometheus_tsdb_compactions_failed_total", func(int, promTarget) []sample { return []sample{{Values: gauge(0)}} })
	},
	"alertmanager_notifications_total": func(e *promEnv) []promSeries {
		return e.Series("alertmanager", nil, "alertmanager_notifications_total", func(int, promTarget) []sample {
			return []sample{{Labels: map[string]string{"integration": "webhook"}, Values: counter(0, 0.05)},
				{Labels: map[string]string{"integration": "email"}, Values: counter(0, 0.01)}}
		})
	},
	"alertmanager_notifications_failed_total": func(e *promEnv) []promSeries {
		return e.Series("alertmanager", nil, "alertmanager_notifications_failed_total", func(int, promTarget) []sample {
			var out []sample
			for _, integration := range []string{"webhook", "email"} {
				for _, reason := range []string{"other", "clientError", "serverError", "contextCanceled", "contextDeadlineExceeded"} {
					out = append(out, sample{Labels: map[string]string{"integration": integration, "reason": reason}, Values: gauge(0)})
				}
			}
			return out
		})
	},
	"alertmanager_cluster_members": func(e *promEnv) []promSeries {
		n := float64(len(e.Targets("alertmanager")))
		return e.Series("alertmanager", nil, "alertmanager_cluster_members", func(int, promTarget) []sample { return []sample{{Values: gauge(n)}} })
	},

	// elasticsearch-exporter v1.10.0 with --es.all, scraped as an annotated
	// pod (job kubernetes-pods): cluster health, and per search node
	// (collector/nodes.go's defaultNodeLabels) its data disk and JVM memory.
	"elasticsearch_cluster_health_status": func(e *promEnv) []promSeries {
		return searchExporter(e, "elasticsearch_cluster_health_status", func(cluster string) []sample {
			var out []sample
			for color, v := range map[string]float64{"green": 1, "yellow": 0, "red": 0} {
				out = append(out, sample{Labels: map[string]string{"cluster": cluster, "color": color}, Values: gauge(v)})
			}
			return out
		})
	},
	"elasticsearch_filesystem_data_available_bytes": searchNodes("elasticsearch_filesystem_data_available_bytes", func(l map[string]string) []sample {
		return []sample{{Labels: l, Values: gauge(60 << 30)}}
	}),
	"elasticsearch_filesystem_data_size_bytes": searchNodes("elasticsearch_filesystem_data_size_bytes", func(l map[string]string) []sample {
		return []sample{{Labels: l, Values: gauge(100 << 30)}}
	}),
	"elasticsearch_jvm_memory_used_bytes": searchNodes("elasticsearch_jvm_memory_used_bytes", func(l map[string]string) []sample {
		return []sample{{Labels: with(l, "area", "heap"), Values: gauge(1 << 30)}, {Labels: with(l, "area", "non-heap"), Values: gauge(200 << 20)}}
	}),
	"elasticsearch_jvm_memory_max_bytes": searchNodes("elasticsearch_jvm_memory_max_bytes", func(l map[string]string) []sample {
		return []sample{{Labels: with(l, "area", "heap"), Values: gauge(2 << 30)}}
	}),

	// The HDFS NameNodes' own /prom (Hadoop 3.4's PrometheusMetricsSink),
	// scraped as annotated pods (job kubernetes-pods): FSNamesystem's
	// records with their tags as labels; hastate is the NameNode's HA state.
	"fs_namesystem_missing_blocks":          nameNodes("fs_namesystem_missing_blocks", gauge(0)),
	"fs_namesystem_under_replicated_blocks": nameNodes("fs_namesystem_under_replicated_blocks", gauge(0)),

	// kafka-exporter, scraped as an annotated pod (job kubernetes-pods).
	// The Trivy Operator's leader exports one series per scanned container
	// and severity, labelled with the report's namespace and name, the
	// workload, the container and the image; no critical finding when
	// healthy.
	"trivy_image_vulnerabilities": func(e *promEnv) []promSeries {
		sc, m := e.ex.plan.Services.ImageScanning, e.ex.plan.Services.Monitoring
		reports := [][5]string{
			{sc.Namespace, "ReplicaSet", "trivy-operator-6c9f7b5d4", "trivy-operator", e.ex.plan.Image("trivy-operator")},
			{m.Namespace, "StatefulSet", "prometheus", "prometheus", e.ex.plan.Image("prometheus")},
		}
		leader := e.Targets("trivy-operator")[0].Labels["instance"]
		counts := map[string]float64{"Critical": 0, "High": 2, "Medium": 5, "Low": 9, "Unknown": 1}
		return e.Series("trivy-operator", func(tg promTarget) bool { return tg.Labels["instance"] == leader }, "trivy_image_vulnerabilities",
			func(int, promTarget) []sample {
				var out []sample
				for _, r := range reports {
					registry, repository, tag, digest := splitImage(r[4])
					for sev, n := range counts {
						out = append(out, sample{Labels: map[string]string{"namespace": r[0], "name": strings.ToLower(r[1]) + "-" + r[2] + "-" + r[3],
							"resource_kind": r[1], "resource_name": r[2], "container_name": r[3], "image_registry": registry,
							"image_repository": repository, "image_tag": tag, "image_digest": digest, "severity": sev}, Values: gauge(n)})
					}
				}
				return out
			})
	},
	"kafka_brokers": func(e *promEnv) []promSeries {
		k := e.ex.plan.Workloads.Kafka
		return e.Series("kubernetes-pods", kafkaExporterPods(e), "kafka_brokers", func(int, promTarget) []sample {
			return []sample{{Values: gauge(float64(k.Brokers))}}
		})
	},
	"kafka_topic_partition_replicas": kafkaPartitions("kafka_topic_partition_replicas", func(int, int) string { return gauge(3) }),
	"kafka_topic_partition_in_sync_replica": kafkaPartitions("kafka_topic_partition_in_sync_replica", func(int, int) string {
		return gauge(3)
	}),
	"kafka_topic_partition_under_replicated_partition": kafkaPartitions("kafka_topic_partition_under_replicated_partition", func(int, int) string {
		return gauge(0)
	}),
	"kafka_topic_partition_leader": kafkaPartitions("kafka_topic_partition_leader", func(_, partition int) string {
		return gauge(float64(partition % 3))
	}),
}

func filesystem(metric string, share float64) func(e *promEnv) []promSeries {
	return func(e *promEnv) []promSeries {
		return e.Series("node-exporter", nil, metric, func(int, promTarget) []sample {
			var out []sample
			for _, fs := range []struct {
				device, mountpoint, fstype string
				size                       float64
			}{{"/dev/sda1", "/", "ext4", 100 << 30}, {"/dev/sda2", "/boot", "ext4", 1 << 30}, {"tmpfs", "/run", "tmpfs", 1 << 30}} {
				v := fs.size * share
				if share == 0 {
					v = 0
				}
				out = append(out, sample{Labels: map[string]string{"device": fs.device, "mountpoint": fs.mountpoint, "fstype": fs.fstype, "device_error": ""}, Values: gauge(v)})
			}
			return out
		})
	}
}

func netdev(e *promEnv, metric string) []promSeries {
	return e.Series("node-exporter", nil, metric, func(int, promTarget) []sample {
		return []sample{{Labels: map[string]string{"device": "eth0"}, Values: counter(1e9, 2e6)},
			{Labels: map[string]string{"device": "lo"}, Values: counter(1e8, 1e5)}}
	})
}

// volumeStats are the kubelet's volume statistics of the claims of the pods
// on its node.
func volumeStats(metric string, share float64) func(e *promEnv) []promSeries {
	return func(e *promEnv) []promSeries {
		claims := map[string][]sample{}
		add := func(ns, name string, templates []corev1.PersistentVolumeClaim) {
			for _, p := range e.Pods(ns, name) {
				for _, vct := range templates {
					size := vct.Spec.Resources.Requests.Storage().AsApproximateFloat64()
					claims[p.Node] = append(claims[p.Node], sample{Labels: map[string]string{"namespace": p.Namespace,
						"persistentvolumeclaim": vct.Name + "-" + p.Name}, Values: gauge(size * share)})
				}
			}
		}
		for _, o := range e.objects {
			if sts, ok := o.Object.(*appsv1.StatefulSet); ok {
				add(sts.Namespace, sts.Name, sts.Spec.VolumeClaimTemplates)
			}
		}
		// The claims of the StatefulSets an operator makes, named as it
		// names them.
		for _, w := range e.operatorMade {
			add(w.Namespace, w.Name, w.ClaimTemplates)
		}
		var out []promSeries
		for _, tg := range e.Targets("kubelet") {
			for _, s := range claims[nodeOf(tg)] {
				out = append(out, scraped(tg, metric, s))
			}
		}
		return out
	}
}

// containers are cAdvisor's series of the containers on each node.
func containers(e *promEnv, metric, values string) []promSeries {
	byNode := map[string][]simPod{}
	for _, p := range e.pods {
		byNode[p.Node] = append(byNode[p.Node], p)
	}
	var out []promSeries
	for _, tg := range e.Targets("cadvisor") {
		for _, p := range byNode[nodeOf(tg)] {
			for _, c := range p.Spec.Containers {
				out = append(out, scraped(tg, metric, sample{Labels: map[string]string{"container": c.Name, "pod": p.Name, "namespace": p.Namespace,
					"image": c.Image, "name": "k8s_" + c.Name + "_" + p.Name, "id": "/kubepods/pod" + p.Name + "/" + c.Name}, Values: values}))
			}
		}
	}
	return out
}

// replicaSeries describes each simulated workload of a kind with its
// replicas, less missing.
func replicaSeries(kind, metric, label string, missing int) func(e *promEnv) []promSeries {
	return func(e *promEnv) []promSeries {
		var s []sample
		for _, w := range workloads(e, kind) {
			s = append(s, sample{Labels: map[string]string{"namespace": w.Namespace, label: w.Name}, Values: gauge(float64(w.Replicas - missing))})
		}
		return ksm(e, metric, s)
	}
}

func notifications(metric string, perSecond float64) func(e *promEnv) []promSeries {
	return func(e *promEnv) []promSeries {
		ams := e.Targets("alertmanager")
		return e.Series("prometheus", nil, metric, func(int, promTarget) []sample {
			var out []sample
			for _, am := range ams {
				out = append(out, sample{Labels: map[string]string{"alertmanager": "http://" + am.Labels["instance"] + "/api/v2/alerts"}, Values: counter(0, perSecond)})
			}
			return out
		})
	}
}

// searchExporter builds the series of the search cluster's exporter, given
// the cluster's name.
func searchExporter(e *promEnv, metric string, exposes func(cluster string) []sample) []promSeries {
	l := e.ex.plan.Services.Logging
	return e.Series("kubernetes-pods", podPrefix(l.Exporter+"-"), metric, func(int, promTarget) []sample {
		return exposes(e.ex.plan.Name + "-logs")
	})
}

// searchNodes builds a per-node series of the exporter for every search
// node, with the exporter's node labels (and, for filesystem metrics, the
// data path; the JVM's callers add area).
func searchNodes(metric string, exposes func(labels map[string]string) []sample) func(e *promEnv) []promSeries {
	return func(e *promEnv) []promSeries {
		l := e.ex.plan.Services.Logging
		home := "/usr/share/elasticsearch"
		if l.OpenSearch {
			home = "/usr/share/opensearch"
		}
		return searchExporter(e, metric, func(cluster string) []sample {
			var out []sample
			for _, p := range e.searchPods() {
				labels := map[string]string{"cluster": cluster, "host": p.IP, "name": p.Name, "es_master_node": "true",
					"es_data_node": "true", "es_ingest_node": "true", "es_client_node": "false"}
				if strings.HasPrefix(metric, "elasticsearch_filesystem_data_") {
					labels = with(labels, "mount", home+"/data (/dev/sdb)", "path", home+"/data")
				}
				out = append(out, exposes(labels)...)
			}
			return out
		})
	}
}

// nameNodes builds a FSNamesystem metric of each NameNode pod: the first
// active, the other standby.
func nameNodes(metric, values string) func(e *promEnv) []promSeries {
	return func(e *promEnv) []promSeries {
		return e.Series("kubernetes-pods", func(tg promTarget) bool {
			return tg.Pod != nil && tg.Pod.OwnerKind == "StatefulSet" && tg.Pod.OwnerName == "namenode"
		}, metric, func(i int, tg promTarget) []sample {
			state := "active"
			if i > 0 {
				state = "standby"
			}
			return []sample{{Labels: map[string]string{"context": "dfs", "hastate": state, "totalsynctimes": "12 ",
				"hostname": tg.Pod.Name}, Values: values}}
		})
	}
}

// backupJobs describes each etcd backup CronJob with kube-state-metrics'
// labels and the values its name gets.
func backupJobs(e *promEnv, metric string, values func(cronjob string) string) []promSeries {
	b := e.ex.plan.Etcd.Backup
	var s []sample
	for _, j := range b.Jobs {
		s = append(s, sample{Labels: map[string]string{"namespace": b.Namespace, "cronjob": j.Name}, Values: values(j.Name)})
	}
	return ksm(e, metric, s)
}

// backupAge is an age past the stale-backup threshold, in seconds: an hour
// more than it.
func backupAge(e *promEnv) float64 { return float64(e.ex.plan.Etcd.Backup.StaleAfterSeconds + 3600) }

// kafkaTopics are the topics of a healthy Kafka cluster, with 6 partitions
// each.
var kafkaTopics = []string{"__consumer_offsets", "orders"}

func kafkaPartitions(metric string, value func(topic, partition int) string) func(e *promEnv) []promSeries {
	return func(e *promEnv) []promSeries {
		return e.Series("kubernetes-pods", kafkaExporterPods(e), metric, func(int, promTarget) []sample {
			var out []sample
			for ti, topic := range kafkaTopics {
				for p := range 6 {
					out = append(out, sample{Labels: map[string]string{"topic": topic, "partition": strconv.Itoa(p)}, Values: value(ti, p)})
				}
			}
			return out
		})
	}
}

// splitImage splits an image reference as a VulnerabilityReport records
// it: registry, repository, tag and digest.
func splitImage(ref string) (registry, repository, tag, digest string) {
	name, digest, _ := strings.Cut(ref, "@")
	registry, path, _ := strings.Cut(name, "/")
	if i := strings.LastIndex(path, ":"); i > strings.LastIndex(path, "/") {
		path, tag = path[:i], path[i+1:]
	}
	return registry, path, tag, digest
}

// only keeps the series of a metric whose labels pass keep.
func only(series []promSeries, keep func(map[string]string) bool) []promSeries {
	var out []promSeries
	for _, s := range series {
		if keep(s.Labels) {
			out = append(out, s)
		}
	}
	return out
}

// set changes the values of the series whose labels pass match.
func set(series []promSeries, match func(map[string]string) bool, values string) []promSeries {
	out := make([]promSeries, len(series))
	for i, s := range series {
		out[i] = s
		if match(s.Labels) {
			out[i].Values = values
		}
	}
	return out
}

func is(key, value string) func(map[string]string) bool {
	return func(l map[string]string) bool { return l[key] == value }
}

func and(fs ...func(map[string]string) bool) func(map[string]string) bool {
	return func(l map[string]string) bool {
		for _, f := range fs {
			if !f(l) {
				return false
			}
		}
		return true
	}
}

// first is true for the series of the first target of the metric's job.
func firstTarget(e *promEnv, job string) func(map[string]string) bool {
	inst := e.Targets(job)[0].Labels["instance"]
	return is("instance", inst)
}

// alertCases makes each alerting rule fire.
var alertCases = map[string]alertCase{
	// apiserver.rules.yml
	"KubeAPIDown":               {Bad: func(e *promEnv) []promSeries { return e.Up("apiserver", all(0)) }},
	"KubeAPIServerInstanceDown": {Bad: func(e *promEnv) []promSeries { return e.Up("apiserver", down(1)) }},
	"KubeAPIErrorBudgetBurn/critical": {Bad: func(e *promEnv) []promSeries {
		// 20% of requests fail: over the fast burn's 14.4 × 1%.
		return append(metricCatalog["apiserver_request_total"](e), e.Series("apiserver", nil, "apiserver_request_total", func(int, promTarget) []sample {
			return []sample{{Labels: with(apiserverLabels("LIST", "pods", "cluster"), "code", "503"), Values: counter(0, 7.5)}}
		})...)
	}},
	"KubeAPIErrorBudgetBurn/warning": {Bad: func(e *promEnv) []promSeries {
		// 8% of requests fail: over the slow burn's 6 × 1%.
		return append(metricCatalog["apiserver_request_total"](e), e.Series("apiserver", nil, "apiserver_request_total", func(int, promTarget) []sample {
			return []sample{{Labels: with(apiserverLabels("LIST", "pods", "cluster"), "code", "500"), Values: counter(0, 2.61)}}
		})...)
	}},

	// image-scanning.rules.yml
	"ImageScanningDown": {Bad: func(e *promEnv) []promSeries { return e.Up("trivy-operator", all(0)) }},
	"RunningImageCriticalVulnerabilities": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["trivy_image_vulnerabilities"](e), and(is("severity", "Critical"), is("resource_name", "prometheus")), gauge(2))
	}},

	// control-plane.rules.yml
	"KubeSchedulerDown":                 {Bad: func(e *promEnv) []promSeries { return e.Up("kube-scheduler", all(0)) }},
	"KubeControllerManagerDown":         {Bad: func(e *promEnv) []promSeries { return e.Up("kube-controller-manager", all(0)) }},
	"KubeSchedulerInstanceDown":         {Bad: func(e *promEnv) []promSeries { return e.Up("kube-scheduler", down(1)) }},
	"KubeControllerManagerInstanceDown": {Bad: func(e *promEnv) []promSeries { return e.Up("kube-controller-manager", down(1)) }},

	// etcd.rules.yml
	"EtcdMembersDown": {Bad: func(e *promEnv) []promSeries { return e.Up("etcd", down(1)) }},
	"EtcdQuorumAtRisk": {Bad: func(e *promEnv) []promSeries {
		n := len(e.Targets("etcd"))
		return e.Up("etcd", down(n-quorum(n)))
	}},
	"EtcdInsufficientMembers": {Bad: func(e *promEnv) []promSeries {
		n := len(e.Targets("etcd"))
		return e.Up("etcd", down(n-quorum(n)+1))
	}},
	"EtcdNoLeader": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["etcd_server_has_leader"](e), firstTarget(e, "etcd"), gauge(0))
	}},
	"EtcdHighNumberOfLeaderChanges": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["etcd_server_leader_changes_seen_total"](e), firstTarget(e, "etcd"), counter(1, 1.0/60))
	}},
	"EtcdHighFsyncDurations": {Bad: func(e *promEnv) []promSeries {
		return e.Series("etcd", nil, "etcd_disk_wal_fsync_duration_seconds_bucket", func(int, promTarget) []sample { return histogram(etcdBuckets, 1.024, 20) })
	}},
	"EtcdDatabaseSpaceNearQuota": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["etcd_mvcc_db_total_size_in_bytes"](e), firstTarget(e, "etcd"), gauge(1.8*(1<<30)))
	}},

	// etcd-backup.rules.yml: one node's job last succeeded before the
	// threshold; one has never succeeded; no node has a recent snapshot.
	"EtcdBackupStale": {Bad: func(e *promEnv) []promSeries {
		stale := e.ex.plan.Etcd.Backup.Jobs[0].Name
		return backupJobs(e, "kube_cronjob_status_last_successful_time", func(cronjob string) string {
			if cronjob == stale {
				return gauge(-backupAge(e))
			}
			return counter(0, 1)
		})
	}},
	"EtcdBackupNeverSucceeded": {Bad: func(e *promEnv) []promSeries {
		never := e.ex.plan.Etcd.Backup.Jobs[0].Name
		return only(metricCatalog["kube_cronjob_status_last_successful_time"](e), func(l map[string]string) bool { return l["cronjob"] != never })
	}},
	"EtcdBackupsAllStale": {Bad: func(e *promEnv) []promSeries {
		return backupJobs(e, "kube_cronjob_status_last_successful_time", func(string) string { return gauge(-backupAge(e)) })
	}},
	// One node's CronJob is gone (TestEtcdBackupAlerts also takes them all).
	"EtcdBackupJobsMissing": {Bad: func(e *promEnv) []promSeries {
		gone := e.ex.plan.Etcd.Backup.Jobs[0].Name
		return only(metricCatalog["kube_cronjob_created"](e), func(l map[string]string) bool { return l["cronjob"] != gone })
	}},

	// general.rules.yml
	"TargetDown": {Bad: func(e *promEnv) []promSeries {
		return e.Up("node-exporter", down((len(e.Targets("node-exporter"))+1)/2))
	}},
	"Watchdog": {AlwaysFires: true},

	// hdfs.rules.yml
	"HDFSNameNodeDown": {Bad: func(e *promEnv) []promSeries {
		return set(e.Up("kubernetes-pods", all(1)), is("pod", "namenode-0"), gauge(0))
	}},
	"HDFSNoActiveNameNode": {Bad: func(e *promEnv) []promSeries {
		var out []promSeries
		for _, s := range metricCatalog["fs_namesystem_missing_blocks"](e) {
			s.Labels["hastate"] = "standby"
			out = append(out, s)
		}
		return out
	}},
	"HDFSMissingBlocks": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["fs_namesystem_missing_blocks"](e), is("hastate", "active"), gauge(3))
	}},
	"HDFSUnderReplicatedBlocks": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["fs_namesystem_under_replicated_blocks"](e), is("hastate", "active"), gauge(40))
	}},

	// kafka.rules.yml
	"KafkaExporterDown": {Bad: func(e *promEnv) []promSeries {
		return set(e.Up("kubernetes-pods", all(1)), func(l map[string]string) bool { return kafkaExporterPods(e)(promTarget{Labels: l}) }, gauge(0))
	}},
	"KafkaBrokersDown": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["kafka_brokers"](e), func(map[string]string) bool { return true }, gauge(float64(e.ex.plan.Workloads.Kafka.Brokers-1)))
	}},
	"KafkaUnderReplicatedPartitions": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["kafka_topic_partition_under_replicated_partition"](e), and(is("topic", "orders"), is("partition", "2")), gauge(1))
	}},
	"KafkaPartitionsBelowMinInsyncReplicas": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["kafka_topic_partition_in_sync_replica"](e), and(is("topic", "orders"), is("partition", "2")), gauge(1))
	}},
	// The exporter reports no leader series for a partition without one.
	"KafkaOfflinePartitions": {Bad: func(e *promEnv) []promSeries {
		offline := and(is("topic", "orders"), is("partition", "2"))
		return only(metricCatalog["kafka_topic_partition_leader"](e), func(l map[string]string) bool { return !offline(l) })
	}},

	// search.rules.yml
	"SearchExporterDown": {Bad: func(e *promEnv) []promSeries {
		exporter := e.ex.plan.Services.Logging.Exporter + "-"
		return set(e.Up("kubernetes-pods", all(1)), func(l map[string]string) bool { return strings.HasPrefix(l["pod"], exporter) }, gauge(0))
	}},
	"SearchClusterRed": {Bad: func(e *promEnv) []promSeries {
		s := set(metricCatalog["elasticsearch_cluster_health_status"](e), is("color", "green"), gauge(0))
		return set(s, is("color", "red"), gauge(1))
	}},
	"SearchClusterYellow": {Bad: func(e *promEnv) []promSeries {
		s := set(metricCatalog["elasticsearch_cluster_health_status"](e), is("color", "green"), gauge(0))
		return set(s, is("color", "yellow"), gauge(1))
	}},
	"SearchDiskWatermarkLow": {Bad: func(e *promEnv) []promSeries {
		first := e.searchPods()[0].Name
		return set(metricCatalog["elasticsearch_filesystem_data_available_bytes"](e), is("name", first), gauge(12<<30))
	}},
	"SearchDiskWatermarkHigh": {Bad: func(e *promEnv) []promSeries {
		first := e.searchPods()[0].Name
		return set(metricCatalog["elasticsearch_filesystem_data_available_bytes"](e), is("name", first), gauge(7<<30))
	}},
	"SearchJVMHeapHigh": {Bad: func(e *promEnv) []promSeries {
		first := e.searchPods()[0].Name
		return set(metricCatalog["elasticsearch_jvm_memory_used_bytes"](e), and(is("name", first), is("area", "heap")), gauge(1.9*(1<<30)))
	}},

	// monitoring.rules.yml
	"PrometheusRuleEvaluationFailures": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["prometheus_rule_evaluation_failures_total"](e), firstTarget(e, "prometheus"), counter(0, 0.1))
	}},
	"PrometheusNotConnectedToAlertmanagers": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["prometheus_notifications_alertmanagers_discovered"](e), firstTarget(e, "prometheus"), gauge(0))
	}},
	"PrometheusErrorSendingAlerts": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["prometheus_notifications_errors_total"](e), firstTarget(e, "prometheus"), counter(0, 0.05))
	}},
	"PrometheusTSDBCompactionsFailing": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["prometheus_tsdb_compactions_failed_total"](e), firstTarget(e, "prometheus"), counter(0, 1.0/3600))
	}},
	"AlertmanagerFailedToSendAlerts": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["alertmanager_notifications_failed_total"](e), and(firstTarget(e, "alertmanager"), is("integration", "webhook"), is("reason", "serverError")), counter(0, 0.025))
	}},
	"AlertmanagerClusterDegraded": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["alertmanager_cluster_members"](e), firstTarget(e, "alertmanager"), gauge(1))
	}},

	// nodes.rules.yml
	"KubeNodeNotReady": {Bad: func(e *promEnv) []promSeries {
		first := is("node", e.nodes[0].Name)
		s := set(metricCatalog["kube_node_status_condition"](e), and(first, is("status", "true")), gauge(0))
		return set(s, and(first, is("status", "false")), gauge(1))
	}},
	"KubeletDown":     {Bad: func(e *promEnv) []promSeries { return e.Up("kubelet", down(1)) }},
	"KubeletsAllDown": {Bad: func(e *promEnv) []promSeries { return e.Up("kubelet", all(0)) }},
	"NodeFilesystemAlmostFull": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["node_filesystem_avail_bytes"](e), and(firstTarget(e, "node-exporter"), is("mountpoint", "/")), gauge(5<<30))
	}},
	"NodeFilesystemFull": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["node_filesystem_avail_bytes"](e), and(firstTarget(e, "node-exporter"), is("mountpoint", "/")), gauge(1<<30))
	}},
	"NodeMemoryLow": {Bad: func(e *promEnv) []promSeries {
		return set(metricCatalog["node_memory_MemAvailable_bytes"](e), firstTarget(e, "node-exporter"), gauge(300<<20))
	}},
	"KubePersistentVolumeFillingUp": {Bad: func(e *promEnv) []promSeries {
		s := metricCatalog["kubelet_volume_stats_available_bytes"](e)
		claim := s[0].Labels["persistentvolumeclaim"]
		return set(s, is("persistentvolumeclaim", claim), gauge(100<<20))
	}},

	// workloads.rules.yml
	"KubePodCrashLooping": {Bad: func(e *promEnv) []promSeries {
		p := e.pods[len(e.pods)-1]
		return ksm(e, "kube_pod_container_status_waiting_reason", []sample{{Labels: with(podDefaults(p), "container", p.Spec.Containers[0].Name,
			"reason", "CrashLoopBackOff"), Values: gauge(1)}})
	}},
	"KubeDeploymentReplicasMismatch": {Bad: func(e *promEnv) []promSeries {
		return replicaSeries("Deployment", "kube_deployment_status_replicas_available", "deployment", 1)(e)
	}},
	"KubeStatefulSetReplicasMismatch": {Bad: func(e *promEnv) []promSeries {
		return replicaSeries("StatefulSet", "kube_statefulset_status_replicas_ready", "statefulset", 1)(e)
	}},
	"KubeDaemonSetNotScheduled": {Bad: func(e *promEnv) []promSeries {
		return replicaSeries("DaemonSet", "kube_daemonset_status_current_number_scheduled", "daemonset", 1)(e)
	}},
}
