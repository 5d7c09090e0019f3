package rehearse

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
)

// RestoreReport is the backup and restore drill.
type RestoreReport struct {
	Snapshot string       `json:"snapshot"` // the file the backup job wrote
	Steps    []StepReport `json:"steps"`    // the runbook, as performed
	// Before is an object written before the snapshot, After one written
	// after it: a restore keeps the first and loses the second.
	BeforeKept bool          `json:"beforeKept"`
	AfterGone  bool          `json:"afterGone"`
	Namespaces int           `json:"namespacesKept"` // of manifests/, still there
	Downtime   time.Duration `json:"downtimeNanoseconds"`
	OK         bool          `json:"ok"`
	Note       string        `json:"note,omitempty"`
}

const (
	beforeMarker = "rehearse-before-snapshot"
	afterMarker  = "rehearse-after-snapshot"
)

// settleAnswer is how long the restore drill reads an answer again while
// the restored API server refuses or drops it.
const settleAnswer = 30 * time.Second

// restoreDrill takes a snapshot as the rendered backup job does, writes a
// marker, powers off every control-plane and etcd host, wipes etcd's data,
// brings the hosts back, follows the restore runbook step by step, and
// checks what survived.
func (e *engine) restoreDrill(ctx context.Context) error {
	b := e.p.Etcd.Backup
	if b == nil || len(b.Jobs) == 0 {
		e.open("backup and restore drill: the design renders no etcd backup")
		return nil
	}
	r := &RestoreReport{}
	e.mu.Lock()
	e.report.Restore = r
	e.mu.Unlock()
	if err := e.waitHealthy(ctx); err != nil {
		return err
	}
	e.progress("restore drill: a marker before the snapshot, the snapshot, a marker after it")
	if err := e.marker(ctx, beforeMarker); err != nil {
		return err
	}
	job := b.Jobs[0]
	source := e.byName[job.Node]
	out, err := e.runBackupJob(ctx, source, job)
	if err != nil {
		r.Note = err.Error()
		e.fail("restore drill: the backup job failed: %v\n%s", err, out)
		return nil
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "snapshot etcd-") {
			r.Snapshot = strings.TrimPrefix(line, "snapshot ")
		}
	}
	e.progress("  backup job %s ran on %s as its CronJob says: %s", job.Name, source.node.Name, r.Snapshot)
	if err := e.marker(ctx, afterMarker); err != nil {
		return err
	}

	began := time.Now()
	var down []*simHost
	for _, h := range e.hosts {
		if h.cp || h.etcd {
			down = append(down, h)
		}
	}
	for _, h := range down {
		if err := h.powerOff(); err != nil {
			return err
		}
	}
	for _, h := range e.etcdMembers() {
		if err := wipe(h.h.Path(plan.EtcdDataDir)); err != nil {
			return err
		}
	}
	e.progress("  every control-plane and etcd host powered off, every member's %s wiped; powering them on", plan.EtcdDataDir)
	for _, h := range down {
		if err := h.powerOn(); err != nil {
			return err
		}
	}
	for i, s := range b.Restore {
		num := fmt.Sprintf("R.%d", i+1)
		t := time.Now()
		rep := StepReport{Number: num, Host: s.Host, Kind: string(s.Kind), Command: s.Command, Purpose: s.Purpose}
		if s.Copy != nil {
			rep.Command = fmt.Sprintf("copy %s to %s:%s", s.Copy.From, s.Copy.ToHost, s.Copy.To)
		}
		rep.Disposition, rep.Note = e.step(ctx, "", s)
		rep.Duration = time.Since(t).Round(time.Millisecond)
		r.Steps = append(r.Steps, rep)
		e.progress("  runbook step %d %s on %s: %s%s (%s)", i+1, rep.Disposition, s.Host, oneLine(rep.Command, rep.Purpose), noteSuffix(rep.Note), rep.Duration)
		if rep.Disposition == Failed {
			e.fail("restore drill: runbook step %d on %s failed: %s", i+1, s.Host, rep.Note)
			return nil
		}
	}
	if err := e.waitHealthy(ctx); err != nil {
		e.fail("restore drill: %v", err)
		return nil
	}
	r.Downtime = time.Since(began).Round(time.Second)
	c, err := e.adminClient(30 * time.Second)
	if err != nil {
		return err
	}
	// Just after a restore the API server may still refuse or drop a
	// request while its authorizer and caches catch up: each answer is
	// read again, for up to settleAnswer, until it is found or not found.
	get := func(path string, into any) error {
		deadline := time.Now().Add(settleAnswer)
		for {
			err := c.Get(ctx, path, into)
			if err == nil || controlplane.IsNotFound(err) || time.Now().After(deadline) || ctx.Err() != nil {
				return err
			}
			time.Sleep(time.Second)
		}
	}
	var cm corev1.ConfigMap
	r.BeforeKept = get("/api/v1/namespaces/default/configmaps/"+beforeMarker, &cm) == nil
	err = get("/api/v1/namespaces/default/configmaps/"+afterMarker, &cm)
	r.AfterGone = controlplane.IsNotFound(err)
	want := 0
	for _, ns := range e.namespaces {
		want++
		var o corev1.Namespace
		if get("/api/v1/namespaces/"+url.PathEscape(ns), &o) == nil {
			r.Namespaces++
		}
	}
	r.OK = r.BeforeKept && r.AfterGone && r.Namespaces == want
	if !r.OK {
		e.fail("restore drill: marker before the snapshot kept %v, marker after it gone %v, %d of %d namespaces of manifests/ kept", r.BeforeKept, r.AfterGone, r.Namespaces, want)
	} else {
		e.progress("restore drill: ok; the object from before the snapshot is back, the one from after it is gone, %d namespaces of manifests/ kept; the API was down %s", r.Namespaces, r.Downtime)
	}
	return nil
}

func noteSuffix(n string) string {
	if n == "" {
		return ""
	}
	return " — " + n
}

// marker writes a ConfigMap through the endpoint.
func (e *engine) marker(ctx context.Context, name string) error {
	c, err := e.adminClient(30 * time.Second)
	if err != nil {
		return err
	}
	return c.Post(ctx, "/api/v1/namespaces/default/configmaps", map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name},
		"data":     map[string]any{"written-by": "blueprint rehearse", "at": time.Now().UTC().Format(time.RFC3339Nano)},
	}, nil)
}

// wipe empties a folder of a host's disk.
func wipe(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if err := os.RemoveAll(filepath.Join(dir, en.Name())); err != nil {
			return err
		}
	}
	return nil
}

// runBackupJob runs the pod of the node's backup CronJob, as built from
// manifests/, on that node with its stand-in kubelet: its snapshot and
// verify containers and the script from its ConfigMap. The destination
// volume (an NFS export or a claim) is a folder of the host.
func (e *engine) runBackupJob(ctx context.Context, h *simHost, job plan.BackupJob) (string, error) {
	var cj batchv1.CronJob
	var script *corev1.ConfigMap
	for _, o := range e.objects {
		switch {
		case o.Kind() == "CronJob" && o.Name() == job.Name:
			if err := o.Into(&cj); err != nil {
				return "", err
			}
		case o.Kind() == "ConfigMap" && o.Namespace() == e.p.Etcd.Backup.Namespace:
			var cm corev1.ConfigMap
			if err := o.Into(&cm); err != nil {
				return "", err
			}
			script = &cm
		}
	}
	if cj.Name == "" {
		return "", fmt.Errorf("manifests/ holds no CronJob %s", job.Name)
	}
	pod := corev1.Pod{Spec: cj.Spec.JobTemplate.Spec.Template.Spec}
	pod.Name = job.Name + "-rehearse"
	for i, v := range pod.Spec.Volumes {
		hostDir := ""
		switch {
		case v.ConfigMap != nil:
			if script == nil || script.Name != v.ConfigMap.Name {
				return "", fmt.Errorf("volume %s: manifests/ holds no ConfigMap %s", v.Name, v.ConfigMap.Name)
			}
			hostDir = "/var/lib/rehearse/volumes/" + v.Name
			dir := h.h.Path(hostDir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			for k, val := range script.Data {
				if err := os.WriteFile(filepath.Join(dir, k), []byte(val), 0o644); err != nil {
					return "", err
				}
			}
		case v.NFS != nil || v.PersistentVolumeClaim != nil || v.EmptyDir != nil:
			hostDir = "/var/lib/rehearse/volumes/" + v.Name
			if err := os.MkdirAll(h.h.Path(hostDir), 0o755); err != nil {
				return "", err
			}
		case v.HostPath != nil:
			continue
		default:
			return "", fmt.Errorf("volume %s of %s: a kind the rehearsal cannot stand in for", v.Name, job.Name)
		}
		pod.Spec.Volumes[i] = corev1.Volume{Name: v.Name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: hostDir}}}
	}
	h.mu.Lock()
	k := h.kubelet
	h.mu.Unlock()
	if k == nil {
		return "", fmt.Errorf("no kubelet runs on %s", h.node.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out, err := k.RunPod(ctx, pod)
	if err != nil {
		return out, err
	}
	if !strings.Contains(out, "snapshot etcd-"+job.Node) {
		return out, fmt.Errorf("the job printed no snapshot name")
	}
	return strings.TrimSpace(out), nil
}
