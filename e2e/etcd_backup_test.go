package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/plan"
)

// TestEtcdBackup runs what blueprints/ha.hcl renders for etcd backups
// against a real etcd 3.7 (the release kubeadm 1.37 runs), with
// certificates kubeadm made on a simulated control-plane node:
//
//   - the backup CronJob's three containers, as their commands and
//     environment say, with the node's files where the hostPath volumes put
//     them (etcdctl snapshot save, etcdutl snapshot status, etcd-backup.sh):
//     the snapshot lands under the node's name and time, each node keeps its
//     newest `retain` snapshots there and at the destination, and other
//     nodes' snapshots are left alone;
//   - then ARCHITECTURE.md's restore runbook (the plan's steps) on the
//     simulated control-plane nodes, with the real etcdutl: every member's
//     data folder is restored from the one snapshot and swapped in, and the
//     static pods are back; an etcd started from the first member's restored
//     data holds the key written before the snapshot, not the one written
//     after, at a revision bumped past a billion.
func TestEtcdBackup(t *testing.T) {
	unshare := needSimHosts(t)
	kubeadm := needTool(t, "kubeadm")
	etcdutl := needTool(t, "etcdutl") // only etcd 3.5 and later have it
	etcdctl := needTool(t, "etcdctl")
	etcd := needTool(t, "etcd")
	var r rendered
	for _, x := range renderSpecs(t) {
		if x.name == "ha" {
			r = x
		}
	}
	b := r.plan.Etcd.Backup
	if b == nil || !b.OffHost() {
		t.Fatal("blueprints/ha.hcl has no etcd backup with a destination")
	}
	node := r.plan.ControlPlane[0].Name
	hosts := newSimHosts(t, plan.Hosts(b.Restore))
	h := hosts[node]

	// The node's etcd certificates, as kubeadm makes them.
	initFile := "kubeadm/init/" + node + ".yaml"
	var certs []plan.Step
	for _, c := range []string{"kubeadm init phase certs etcd-ca", "kubeadm init phase certs etcd-server --config " + initFile,
		"kubeadm init phase certs etcd-healthcheck-client --config " + initFile} {
		certs = append(certs, plan.Step{Kind: plan.StepRun, Host: node, Command: c})
	}
	runSteps(t, unshare, r.dir, certs, hosts, filepath.Dir(kubeadm))
	pki := func(f string) string { return h.path(t, plan.EtcdPKIDir+"/"+f) }
	ctl := func(endpoint string, args ...string) (string, error) {
		out, err := exec.Command(etcdctl, append([]string{"--endpoints=" + endpoint, "--cacert=" + pki("ca.crt"),
			"--cert=" + pki("healthcheck-client.crt"), "--key=" + pki("healthcheck-client.key"), "--command-timeout=20s"}, args...)...).CombinedOutput()
		return string(out), err
	}

	// The node's etcd member, with data in its /var/lib/etcd.
	health := func(endpoint string) error { _, err := ctl(endpoint, "endpoint", "health"); return err }
	endpoint, stop := startEtcd(t, etcd, node, h.path(t, plan.EtcdDataDir), pki, health, false)
	mustCtl(t, ctl, endpoint, "put", "blueprint-marker", "before-snapshot")

	// Snapshots of earlier runs: more of this node's than it keeps, and
	// another node's, which it must leave alone.
	backupDir, dest := h.path(t, plan.BackupDir), t.TempDir()
	var old []string
	for i := 0; i < b.Retain+2; i++ {
		old = append(old, fmt.Sprintf("etcd-%s-202501%02dT001700Z.db", node, i+1))
	}
	seed := append(old, "etcd-"+r.plan.ControlPlane[1].Name+"-20250101T001700Z.db")
	for _, dir := range []string{backupDir, dest} {
		os.MkdirAll(dir, 0o755)
		for _, f := range seed {
			os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o600)
		}
	}

	runBackupJob(t, r, b, node, map[string]string{
		"etcdctl": etcdctl, "etcdutl": etcdutl, "sh": "sh",
	}, func(hostPath string) string { return h.path(t, hostPath) }, dest, endpoint)
	mustCtl(t, ctl, endpoint, "put", "written-after", "yes")

	var newest string
	for _, dir := range []string{backupDir, dest} {
		mine, _ := filepath.Glob(filepath.Join(dir, "etcd-"+node+"-*.db"))
		sort.Strings(mine)
		if len(mine) != b.Retain {
			t.Errorf("%s holds %d snapshots of %s, want the newest %d: %v", dir, len(mine), node, b.Retain, mine)
		}
		if len(mine) > 0 {
			newest = filepath.Base(mine[len(mine)-1])
			if newest <= old[len(old)-1] {
				t.Errorf("the newest snapshot in %s is %s, not this run's", dir, newest)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, seed[len(seed)-1])); err != nil {
			t.Errorf("another node's snapshot was removed from %s: %v", dir, err)
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
		if incoming := filepath.Join(dir, "incoming.db"); fileExists(incoming) {
			leftovers = append(leftovers, incoming)
		}
		if len(leftovers) > 0 {
			t.Errorf("%s keeps work files: %v", dir, leftovers)
		}
	}
	stop()

	// The restore runbook, on every member, from that snapshot.
	for name, hh := range hosts {
		for _, f := range []string{"/etc/kubernetes/manifests/etcd.yaml", "/etc/kubernetes/manifests/kube-apiserver.yaml"} {
			os.MkdirAll(filepath.Dir(hh.path(t, f)), 0o755)
			os.WriteFile(hh.path(t, f), []byte("# "+name+"\n"), 0o600)
		}
		os.MkdirAll(hh.path(t, plan.EtcdDataDir), 0o700)
	}
	assumed := runSteps(t, unshare, r.dir, b.Restore, hosts, filepath.Dir(etcdutl))
	t.Logf("restore runbook: %d steps on %d simulated hosts, %d assumed", len(b.Restore), len(hosts), assumed)
	for name, hh := range hosts {
		for _, f := range []string{"/etc/kubernetes/manifests/etcd.yaml", "/etc/kubernetes/manifests/kube-apiserver.yaml", plan.EtcdDataDir + "/member/snap/db", plan.EtcdDataDir + ".before-restore"} {
			if !fileExists(hh.path(t, f)) {
				t.Errorf("after the runbook, %s has no %s", name, f)
			}
		}
	}
	endpoint, _ = startEtcd(t, etcd, node, h.path(t, plan.EtcdDataDir), pki, health, true)
	out := mustCtl(t, ctl, endpoint, "get", "blueprint-marker", "-w", "json")
	var got struct {
		Header struct{ Revision int64 }
		KVs    []struct{ Value []byte }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("etcdctl get: %v\n%s", err, out)
	}
	if len(got.KVs) != 1 || string(got.KVs[0].Value) != "before-snapshot" {
		t.Errorf("the restored etcd holds blueprint-marker = %v; want before-snapshot", got.KVs)
	}
	if got.Header.Revision < 1_000_000_000 {
		t.Errorf("the restored etcd is at revision %d; the runbook bumps it past 1000000000", got.Header.Revision)
	}
	if out := mustCtl(t, ctl, endpoint, "get", "written-after", "--print-value-only"); strings.TrimSpace(out) != "" {
		t.Errorf("the restored etcd holds a key written after the snapshot: %q", out)
	}
}

// runBackupJob runs the containers of node's backup CronJob in order, as
// processes: programs by their base name from bin, paths inside the
// containers mapped to where their volumes are (hostPath through host, the
// script's ConfigMap from the tree, the destination to dest), and the
// rendered etcd endpoint to the test's.
func runBackupJob(t *testing.T, r rendered, b *plan.EtcdBackup, node string, bin map[string]string, host func(string) string, dest, endpoint string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, "manifests", "etcd-backup", "cronjobs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var job *batchv1.CronJob
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var cj batchv1.CronJob
		if err := yaml.UnmarshalStrict(doc, &cj); err != nil {
			t.Fatalf("cronjobs.yaml: %v", err)
		}
		if cj.Name == "etcd-backup-"+node {
			job = &cj
		}
	}
	if job == nil {
		t.Fatalf("cronjobs.yaml has no CronJob for %s", node)
	}
	pod := job.Spec.JobTemplate.Spec.Template.Spec
	if pod.NodeSelector["kubernetes.io/hostname"] != node || !pod.HostNetwork {
		t.Errorf("the backup job of %s is not pinned to it on the host network: %v", node, pod.NodeSelector)
	}
	volumes := map[string]string{}
	for _, v := range pod.Volumes {
		switch {
		case v.HostPath != nil:
			volumes[v.Name] = host(v.HostPath.Path)
		case v.ConfigMap != nil:
			volumes[v.Name] = filepath.Join(r.dir, "manifests", "etcd-backup")
		case v.NFS != nil, v.PersistentVolumeClaim != nil:
			volumes[v.Name] = dest
		}
	}
	var jobEndpoint string
	for _, j := range b.Jobs {
		if j.Node == node {
			jobEndpoint = j.Endpoint
		}
	}
	for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		var pairs []string
		for _, m := range c.VolumeMounts {
			pairs = append(pairs, m.MountPath, volumes[m.Name])
		}
		pairs = append(pairs, jobEndpoint, endpoint)
		local := strings.NewReplacer(pairs...)
		program, ok := bin[filepath.Base(c.Command[0])]
		if !ok {
			t.Fatalf("container %s runs %s, which this test does not have", c.Name, c.Command[0])
		}
		var args []string
		for _, a := range append(c.Command[1:], c.Args...) {
			args = append(args, local.Replace(a))
		}
		cmd := exec.Command(program, args...)
		cmd.Env = os.Environ()
		for _, e := range c.Env {
			cmd.Env = append(cmd.Env, e.Name+"="+local.Replace(e.Value))
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("backup container %s: %s %s: %v\n%s", c.Name, program, strings.Join(args, " "), err, out)
		}
		t.Logf("backup container %s:\n%s", c.Name, strings.TrimSpace(string(out)))
	}
}

// startEtcd runs a one-member etcd with the node's server certificate on
// free ports of 127.0.0.1; with forceNew, from a restored data folder whose
// other members are dropped (so it never dials them). It returns the client
// URL once health answers, and a function that kills it by its process id
// (also called when the test ends).
func startEtcd(t *testing.T, etcd, name, dataDir string, pki func(string) string, health func(string) error, forceNew bool) (string, func()) {
	t.Helper()
	ports := make([]int, 2)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	client := "https://127.0.0.1:" + strconv.Itoa(ports[0])
	peer := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	args := []string{"--name=" + name, "--data-dir=" + dataDir,
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer, "--initial-cluster=" + name + "=" + peer,
		"--cert-file=" + pki("server.crt"), "--key-file=" + pki("server.key"),
		"--trusted-ca-file=" + pki("ca.crt"), "--client-cert-auth=true", "--log-level=warn"}
	if forceNew {
		args = append(args, "--force-new-cluster")
	}
	cmd := exec.Command(etcd, args...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	t.Cleanup(stop)
	for i := 0; i < 150; i++ {
		if health(client) == nil {
			return client, stop
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("etcd did not become healthy in 30 s:\n%s", log.String())
	return "", stop
}

func mustCtl(t *testing.T, ctl func(string, ...string) (string, error), endpoint string, args ...string) string {
	t.Helper()
	out, err := ctl(endpoint, args...)
	if err != nil {
		t.Fatalf("etcdctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
