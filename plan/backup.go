package plan

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/blueprint-dev/blueprint/internal/cronsched"
	"github.com/blueprint-dev/blueprint/spec"
)

// Where etcd backups live.
const (
	// BackupNamespace holds the backup CronJobs: Pod Security privileged,
	// since each job reads etcd's client certificate from its node.
	BackupNamespace = spec.BackupNamespace
	// BackupDir keeps each control-plane node's own snapshots.
	BackupDir = "/var/lib/etcd-backup"
	// RestoreSnapshot is where the restore runbook puts the snapshot it
	// restores, on every etcd member.
	RestoreSnapshot = BackupDir + "/restore.db"
	// BackupStaleMargin is how long past the longest gap between two runs
	// of the schedule a backup may take before it counts as missed.
	BackupStaleMargin = time.Hour
)

// EtcdBackup is the periodic `etcdctl snapshot save`: one CronJob per
// control-plane node, pinned to it, keeping its snapshots in BackupDir on
// that node and copying each to the destination, if there is one.
type EtcdBackup struct {
	Namespace string
	Schedule  string // cron, UTC
	Retain    int
	Jobs      []BackupJob
	// CAFile, CertFile and KeyFile are the node's files the snapshot is
	// taken with: the healthcheck client certificate of a stacked member,
	// or the API server's client certificate for external etcd.
	CAFile, CertFile, KeyFile string
	// NFSServer and NFSPath, or Claim, name the destination; all empty:
	// snapshots stay on the nodes.
	NFSServer, NFSPath, Claim string
	// StaleAfter is how old the last successful run may be before the
	// stale-backup alert fires, as a Prometheus duration (and in seconds).
	StaleAfter        string
	StaleAfterSeconds int
	// Restore is the restore runbook, rendered into ARCHITECTURE.md.
	Restore []Step
}

// OffHost reports whether snapshots are copied off the nodes.
func (b *EtcdBackup) OffHost() bool { return b.NFSServer != "" || b.Claim != "" }

// BackupJob is the CronJob of one control-plane node.
type BackupJob struct {
	Name     string // etcd-backup-NODE
	Node     string
	Endpoint string // the etcd client URL it snapshots
}

func buildEtcdBackup(p *Plan, s *spec.Spec) *EtcdBackup {
	sb := s.Etcd.BackupOrDefault()
	if !sb.EnabledOrDefault() {
		return nil
	}
	b := &EtcdBackup{Namespace: BackupNamespace, Schedule: sb.ScheduleOrDefault(), Retain: sb.RetainOrDefault()}
	if p.Etcd.External {
		b.CAFile, b.CertFile, b.KeyFile = EtcdPKIDir+"/ca.crt", PKIDir+"/apiserver-etcd-client.crt", PKIDir+"/apiserver-etcd-client.key"
	} else {
		b.CAFile, b.CertFile, b.KeyFile = EtcdPKIDir+"/ca.crt", EtcdPKIDir+"/healthcheck-client.crt", EtcdPKIDir+"/healthcheck-client.key"
	}
	for i, n := range p.ControlPlane {
		job := BackupJob{Name: "etcd-backup-" + n.Name, Node: n.Name}
		if p.Etcd.External {
			// Each node asks another member first, spreading the load.
			job.Endpoint = p.Etcd.Endpoints[i%len(p.Etcd.Endpoints)]
		} else {
			job.Endpoint = "https://" + HostPort(loopback(n.Address), EtcdClientPort)
		}
		b.Jobs = append(b.Jobs, job)
	}
	if d := sb.Destination; d != nil {
		if d.NFS != nil {
			b.NFSServer, b.NFSPath = d.NFS.Server, d.NFS.Path
		}
		b.Claim = deref(d.Claim)
	}
	gap, _ := cronsched.MaxGap(b.Schedule) // validate refused schedules that do not parse
	stale := gap + BackupStaleMargin
	b.StaleAfterSeconds = int(stale.Seconds())
	b.StaleAfter = promDuration(stale)
	b.Restore = restoreRunbook(p, b)
	return b
}

// loopback is the loopback address of addr's family, where a stacked
// member also listens for clients (kubeadm's listen-client-urls).
func loopback(addr string) string {
	if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
		return "::1"
	}
	return "127.0.0.1"
}

// promDuration writes d, whole minutes, as a Prometheus duration.
func promDuration(d time.Duration) string {
	m := int(d.Minutes())
	var b strings.Builder
	if h := m / 60; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m%60 > 0 || m == 0 {
		fmt.Fprintf(&b, "%dm", m%60)
	}
	return b.String()
}

// restoreRunbook restores every etcd member from one snapshot, as etcd's
// disaster-recovery guide and Kubernetes' "Operating etcd clusters" have
// it: stop every API server and etcd member, give every member the same
// snapshot, restore each member's data folder with its own name and peer
// URL into a new cluster (etcdutl: etcdctl 3.6 and later no longer
// restores), swap it in, start etcd and then the API servers, and restart
// what caches the API's state.
func restoreRunbook(p *Plan, b *EtcdBackup) []Step {
	var steps []Step
	add := func(kind StepKind, host, command, purpose string) {
		steps = append(steps, Step{Kind: kind, Host: host, Command: command, Purpose: purpose})
	}
	source := p.ControlPlane[0]
	manifests, paused := "/etc/kubernetes/manifests", "/etc/kubernetes/restore-paused"
	for _, n := range p.ControlPlane {
		add(StepRun, n.Name, "mkdir -p "+paused+" && mv "+manifests+"/kube-apiserver.yaml "+paused+"/",
			"the kubelet stops this API server: nothing writes to etcd during the restore")
	}
	for _, m := range p.Etcd.Members {
		add(StepRun, m.Name, "mkdir -p "+paused+" && mv "+manifests+"/etcd.yaml "+paused+"/", "the kubelet stops this etcd member")
	}
	add(StepRun, source.Name, "cp \"$(ls -1 "+BackupDir+"/etcd-"+source.Name+"-*.db | tail -n 1)\" "+RestoreSnapshot,
		"the newest snapshot "+source.Name+" took; to restore another one, older or from the destination, copy it to "+RestoreSnapshot+" instead")
	for _, m := range p.Etcd.Members {
		if m.Name != source.Name {
			steps = append(steps, Step{Kind: StepCopy, Host: source.Name, Purpose: "every member restores the same snapshot",
				Copy: &Copy{From: RestoreSnapshot, ToHost: m.Name, To: RestoreSnapshot, Address: m.SSH()}})
		}
	}
	restored, before := EtcdDataDir+".restored", EtcdDataDir+".before-restore"
	for _, m := range p.Etcd.Members {
		add(StepRun, m.Name, "etcdutl snapshot restore "+RestoreSnapshot+
			" --name "+m.Name+
			" --initial-cluster "+p.Etcd.InitialCluster+
			" --initial-cluster-token "+p.Name+"-restored"+
			" --initial-advertise-peer-urls https://"+HostPort(m.Address, EtcdPeerPort)+
			" --bump-revision 1000000000 --mark-compacted"+
			" --data-dir "+restored,
			"a new data folder for member "+m.Name+"; revisions jump ahead so that watchers resynchronise instead of missing changes")
		add(StepRun, m.Name, "rm -rf "+before+" && mv "+EtcdDataDir+" "+before+" && mv "+restored+" "+EtcdDataDir,
			"swap it in; the old data stays in "+before+" until the cluster is healthy")
	}
	for _, m := range p.Etcd.Members {
		add(StepRun, m.Name, "mv "+paused+"/etcd.yaml "+manifests+"/", "the kubelet starts the restored member")
	}
	add(StepCheck, source.Name, "etcdctl --cacert "+b.CAFile+" --cert "+b.CertFile+" --key "+b.KeyFile+
		" --endpoints "+strings.Join(p.Etcd.Endpoints, ",")+" endpoint health", "every member is back, in one cluster")
	for _, n := range p.ControlPlane {
		add(StepRun, n.Name, "mv "+paused+"/kube-apiserver.yaml "+manifests+"/", "the kubelet starts this API server again")
	}
	for _, n := range p.ControlPlane {
		add(StepService, n.Name, "crictl ps -q --name 'kube-controller-manager|kube-scheduler' | xargs -r crictl rm -f && systemctl restart kubelet",
			"the controller-manager, scheduler and kubelet reload their caches from the restored state; restart the kubelet on every worker too")
	}
	return steps
}
