package plan

import "strings"

// Where kubeadm and the kubelet keep the etcd cluster's files.
const (
	PKIDir           = "/etc/kubernetes/pki"
	EtcdPKIDir       = "/etc/kubernetes/pki/etcd"
	KubeletDropInDir = "/etc/systemd/system/kubelet.service.d"
	// EtcdKubeletConfig and EtcdDropIn are the files that make an external
	// etcd host's kubelet a service manager for etcd's static pod alone.
	EtcdKubeletConfig = "kubeadm/etcd/kubelet.conf"
	EtcdDropIn        = "kubeadm/etcd/20-etcd-service-manager.conf"
)

// etcdCertPhases are the kubeadm phases that write one member's
// certificates, signed by the etcd CA: its serving and peer certificates,
// the client certificate of its liveness probe, and the API server's client
// certificate.
var etcdCertPhases = []string{"etcd-server", "etcd-peer", "etcd-healthcheck-client", "apiserver-etcd-client"}

// externalEtcdRecipe follows kubeadm's recipe for an external etcd cluster
// ("Set up a High Availability etcd Cluster with kubeadm"): the kubelet of
// every member becomes a service manager for etcd's static pod; the first
// member mints the etcd CA and every member's certificates with that
// member's kubeadm file, setting each set aside without the CA key; each
// member receives only its own set; each writes its static pod; the first
// control-plane node receives the CA certificate and the API server's
// client certificate. The CA key never leaves the first member.
func externalEtcdRecipe(p *Plan) []Step {
	members := p.Etcd.Members
	first := members[0].Name
	var steps []Step
	add := func(kind StepKind, host, command, purpose string) {
		steps = append(steps, Step{Kind: kind, Host: host, Command: command, Purpose: purpose})
	}
	copyTo := func(from string, to Node, path, purpose string) {
		steps = append(steps, Step{Kind: StepCopy, Host: first, Purpose: purpose,
			Copy: &Copy{From: from, ToHost: to.Name, To: path, Address: to.SSH()}})
	}
	for _, m := range members {
		add(StepRun, m.Name, "install -D -m 0644 "+EtcdKubeletConfig+" "+KubeletDropInDir+"/kubelet.conf",
			"the kubelet's configuration as etcd's service manager: local only, no API server")
		add(StepRun, m.Name, "install -D -m 0644 "+EtcdDropIn+" "+KubeletDropInDir+"/20-etcd-service-manager.conf",
			"start the kubelet with that configuration instead of kubeadm's")
		add(StepService, m.Name, "systemctl daemon-reload && systemctl restart kubelet",
			"the kubelet now waits for etcd's static pod")
	}
	add(StepRun, first, "kubeadm init phase certs etcd-ca", "the etcd CA; its key stays on "+first)
	order := append(append([]Node{}, members[1:]...), members[0])
	for _, m := range order {
		for _, phase := range etcdCertPhases {
			add(StepRun, first, "kubeadm init phase certs "+phase+" --config kubeadm/etcd/"+m.Name+".yaml", m.Name+"'s "+phase+" certificate")
		}
		if m.Name == first {
			break
		}
		stash := "/tmp/" + m.Name
		add(StepRun, first, "mkdir -p "+stash+" && cp -R "+PKIDir+" "+stash+"/", "set "+m.Name+"'s certificates aside")
		add(StepRun, first, "find "+PKIDir+" -not -name ca.crt -not -name ca.key -type f -delete", "keep only the CA for the next member")
		add(StepRun, first, "find "+stash+" -name ca.key -type f -delete", "the CA key is not copied to "+m.Name)
	}
	for _, m := range members[1:] {
		stash := "/tmp/" + m.Name
		copyTo(stash+"/pki", m, PKIDir, m.Name+"'s own certificates and the CA certificate, owned by root")
		add(StepRun, first, "rm -rf "+stash, "no copy of "+m.Name+"'s keys stays behind")
	}
	for _, m := range members {
		add(StepRun, m.Name, "kubeadm init phase etcd local --config kubeadm/etcd/"+m.Name+".yaml",
			"etcd's static pod; the kubelet starts it")
	}
	add(StepCheck, first, "etcdctl --cacert "+EtcdPKIDir+"/ca.crt --cert "+EtcdPKIDir+"/healthcheck-client.crt --key "+EtcdPKIDir+"/healthcheck-client.key --endpoints "+strings.Join(p.Etcd.Endpoints, ",")+" endpoint health",
		"every member answers")
	cp := p.ControlPlane[0]
	for _, f := range []string{EtcdPKIDir + "/ca.crt", PKIDir + "/apiserver-etcd-client.crt", PKIDir + "/apiserver-etcd-client.key"} {
		copyTo(f, cp, f, "the API server's trust in etcd and its client certificate; kubeadm init uploads them for the other control-plane nodes")
	}
	return steps
}
