package forecast

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The pods kubeadm v1.37 runs that the rendered tree does not hold, as far
// as the scheduler reads them: the control plane's static pods
// (cmd/kubeadm/app/phases/controlplane/manifests.go and etcd/local.go:
// requests, host network, ports, priority) and the CoreDNS Deployment and
// kube-proxy DaemonSet its addon phase applies (phases/addons/dns and
// proxy manifests: tolerations, node selector, affinity, requests). The
// e2e suite creates these same objects, so the forecast and the real
// scheduler see one cluster.

// ControlPlaneTaint is the taint kubeadm puts on control-plane nodes.
const ControlPlaneTaint = "node-role.kubernetes.io/control-plane"

// KubeadmStaticPods returns the control plane's static pods: the API
// server, controller-manager and scheduler, and etcd when it is stacked.
func KubeadmStaticPods(stackedEtcd bool) []*corev1.Pod {
	component := func(name, cpu, memory string, port int32) *corev1.Pod {
		requests := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
		if memory != "" {
			requests[corev1.ResourceMemory] = resource.MustParse(memory)
		}
		priority := int32(SystemNodeCritical)
		return &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceSystem,
				Labels: map[string]string{"component": name, "tier": "control-plane"}},
			Spec: corev1.PodSpec{
				HostNetwork:       true,
				PriorityClassName: "system-node-critical",
				Priority:          &priority,
				Containers: []corev1.Container{{
					Name: name, Image: "registry.k8s.io/" + name,
					Resources: corev1.ResourceRequirements{Requests: requests},
					Ports:     []corev1.ContainerPort{{Name: "probe-port", ContainerPort: port, Protocol: corev1.ProtocolTCP}},
				}},
			},
		}
	}
	pods := []*corev1.Pod{
		component("kube-apiserver", "250m", "", 6443),
		component("kube-controller-manager", "200m", "", 10257),
		component("kube-scheduler", "100m", "", 10259),
	}
	if stackedEtcd {
		pods = append(pods, component("etcd", "100m", "100Mi", 2381))
	}
	return pods
}

// KubeadmAddons returns kubeadm's CoreDNS Deployment, with replicas pods,
// and its kube-proxy DaemonSet.
func KubeadmAddons(coreDNSReplicas int) []any {
	r := int32(coreDNSReplicas)
	maxUnavailable := intstr.FromInt32(1)
	dnsLabels := map[string]string{"k8s-app": "kube-dns"}
	coredns := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: metav1.NamespaceSystem, Labels: dnsLabels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &r,
			Selector: &metav1.LabelSelector{MatchLabels: dnsLabels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxUnavailable}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: dnsLabels},
				Spec: corev1.PodSpec{
					PriorityClassName:  "system-cluster-critical",
					ServiceAccountName: "coredns",
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
							Weight: 100,
							PodAffinityTerm: corev1.PodAffinityTerm{
								LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
									Key: "k8s-app", Operator: metav1.LabelSelectorOpIn, Values: []string{"kube-dns"}}}},
								TopologyKey: corev1.LabelHostname,
							},
						}},
					}},
					Tolerations: []corev1.Toleration{
						{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
						{Key: ControlPlaneTaint, Effect: corev1.TaintEffectNoSchedule},
					},
					NodeSelector: map[string]string{corev1.LabelOSStable: "linux"},
					Containers: []corev1.Container{{
						Name: "coredns", Image: "registry.k8s.io/coredns/coredns",
						Resources: corev1.ResourceRequirements{
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("170Mi")},
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("70Mi")},
						},
						Ports: []corev1.ContainerPort{
							{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
							{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
						},
					}},
				},
			},
		},
	}
	proxyLabels := map[string]string{"k8s-app": "kube-proxy"}
	proxy := &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy", Namespace: metav1.NamespaceSystem, Labels: proxyLabels},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: proxyLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: proxyLabels},
				Spec: corev1.PodSpec{
					PriorityClassName:  "system-node-critical",
					ServiceAccountName: "kube-proxy",
					HostNetwork:        true,
					Tolerations:        []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					NodeSelector:       map[string]string{corev1.LabelOSStable: "linux"},
					Containers:         []corev1.Container{{Name: "kube-proxy", Image: "registry.k8s.io/kube-proxy"}},
				},
			},
		},
	}
	dnsService := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: metav1.NamespaceSystem, Labels: dnsLabels},
		Spec: corev1.ServiceSpec{Selector: dnsLabels, Ports: []corev1.ServicePort{
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
			{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
		}},
	}
	return []any{proxy, dnsService, coredns}
}
