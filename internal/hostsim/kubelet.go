package hostsim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// ManifestsDir is where a kubelet finds its static pods.
const ManifestsDir = "/etc/kubernetes/manifests"

// The kubelet's restart back-off for a container that keeps exiting: 10 s,
// doubled at each exit up to 5 minutes, forgotten after 10 minutes of
// running (pkg/kubelet/kubelet.go: backOffPeriod, MaxContainerBackOff).
const (
	BackoffInitial = 10 * time.Second
	BackoffMax     = 5 * time.Minute
	backoffReset   = 10 * time.Minute
)

// KubeletOptions configure the stand-in for one host's kubelet.
type KubeletOptions struct {
	Images *Images
	// Node is the Node the kubelet registers; nil for a kubelet that runs
	// static pods only and never talks to an API server (external etcd
	// hosts in kubeadm's recipe).
	Node *controlplane.NodeSpec
	// API returns the kubelet's client of the API server, or an error
	// while it cannot have one yet.
	API func() (*controlplane.Client, error)
	// Log receives one line per thing the kubelet does.
	Log func(string)
	// BackoffInitial, if not zero, replaces the kubelet's 10 s.
	BackoffInitial time.Duration
}

// Kubelet stands in for a host's kubelet and container runtime: it runs
// the containers of the static pods in the host's /etc/kubernetes/manifests
// as processes of the host, with the manifests' commands, arguments,
// environment and host-path mounts, restarts them when they exit as the
// kubelet does, and posts the Node, a mirror pod per static pod and the
// node's lease. It runs no probes and no other pods.
type Kubelet struct {
	host *Host
	opts KubeletOptions

	mu        sync.Mutex
	pods      map[string]*staticPod // by manifest file
	held      map[string]bool       // pod names kept stopped
	refusals  map[string]string     // manifest file → why it does not run
	nodeUID   string
	lastLease time.Time
	apiErr    string

	cancel context.CancelFunc
	done   chan struct{}
}

type staticPod struct {
	file       string
	hash       string
	pod        corev1.Pod
	containers []*container
	mirrored   string // the hash the mirror pod carries
}

type container struct {
	name      string
	exec      Exec
	log       *os.File
	proc      *Process
	program   *Program
	restarts  int
	backoff   time.Duration
	next      time.Time
	startedAt time.Time
}

// StartKubelet starts the stand-in kubelet of a host; Stop ends it (its
// containers run on until they are stopped or the host powers off).
func (h *Host) StartKubelet(opts KubeletOptions) *Kubelet {
	if opts.BackoffInitial == 0 {
		opts.BackoffInitial = BackoffInitial
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &Kubelet{host: h, opts: opts, pods: map[string]*staticPod{}, held: map[string]bool{}, refusals: map[string]string{},
		cancel: cancel, done: make(chan struct{})}
	go k.loop(ctx)
	return k
}

func (k *Kubelet) logf(format string, args ...any) {
	if k.opts.Log != nil {
		k.opts.Log(k.host.Spec.Name + ": " + fmt.Sprintf(format, args...))
	}
}

// Stop ends the kubelet's loop.
func (k *Kubelet) Stop() {
	k.cancel()
	<-k.done
}

// StopPods stops every container (as the kubelet does when its manifest
// goes) and ends the loop.
func (k *Kubelet) StopPods() {
	k.Stop()
	k.mu.Lock()
	pods := make([]*staticPod, 0, len(k.pods))
	for _, p := range k.pods {
		pods = append(pods, p)
	}
	k.mu.Unlock()
	for _, p := range pods {
		k.stopPod(p)
	}
}

// Hold stops a static pod's containers and keeps them stopped until
// Release, modelling a component that stays down.
func (k *Kubelet) Hold(pod string) {
	k.mu.Lock()
	k.held[pod] = true
	var stop []*staticPod
	for _, p := range k.pods {
		if p.pod.Name == pod {
			stop = append(stop, p)
		}
	}
	k.mu.Unlock()
	for _, p := range stop {
		k.stopPod(p)
	}
	k.logf("%s held down", pod)
}

// Release lets a held pod run again.
func (k *Kubelet) Release(pod string) {
	k.mu.Lock()
	delete(k.held, pod)
	for _, p := range k.pods {
		if p.pod.Name == pod {
			for _, c := range p.containers {
				c.next, c.backoff = time.Now(), 0 // start again at once
			}
		}
	}
	k.mu.Unlock()
	k.logf("%s released", pod)
}

// Restart stops the named container of every pod and starts it again at
// once, as removing it from the runtime (crictl rm) makes the kubelet do.
func (k *Kubelet) Restart(name string) {
	k.mu.Lock()
	var stop []*Process
	var ctrs []*container
	for _, p := range k.pods {
		for _, c := range p.containers {
			if c.name == name {
				ctrs = append(ctrs, c)
				if c.proc != nil {
					stop = append(stop, c.proc)
				}
			}
		}
	}
	k.mu.Unlock()
	for _, p := range stop {
		p.Stop(30 * time.Second)
	}
	k.mu.Lock()
	for _, c := range ctrs {
		c.next, c.backoff = time.Now(), 0
	}
	k.mu.Unlock()
	k.logf("container %s restarted", name)
}

// Refusals lists the static pods the kubelet does not run, and why.
func (k *Kubelet) Refusals() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for f, why := range k.refusals {
		out = append(out, f+": "+why)
	}
	sort.Strings(out)
	return out
}

// Running reports whether every container of the named static pod runs.
func (k *Kubelet) Running(pod string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range k.pods {
		if p.pod.Name == pod {
			return allRunning(p)
		}
	}
	return false
}

// Programs lists what stands in for each image the kubelet runs.
func (k *Kubelet) Programs() []*Program {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*Program
	for _, p := range k.pods {
		for _, c := range p.containers {
			out = append(out, c.program)
		}
	}
	return out
}

// Restarts is how many times the named pod's containers were restarted.
func (k *Kubelet) Restarts(pod string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, p := range k.pods {
		if p.pod.Name == pod {
			for _, c := range p.containers {
				n += c.restarts
			}
		}
	}
	return n
}

func allRunning(p *staticPod) bool {
	for _, c := range p.containers {
		if c.proc == nil || exited(c.proc) {
			return false
		}
	}
	return true
}

func exited(p *Process) bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// loop runs the containers every 200 ms and, apart, so that a slow API
// server never delays a restart, talks to the API server every second.
func (k *Kubelet) loop(ctx context.Context) {
	defer close(k.done)
	var wg sync.WaitGroup
	if k.opts.Node != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				k.syncAPI(ctx)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		}()
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		k.syncManifests()
		k.syncContainers()
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	wg.Wait()
}

// syncManifests reads the manifests folder (on the host's disk) and starts,
// replaces or stops pods to match it.
func (k *Kubelet) syncManifests() {
	dir := k.host.Path(ManifestsDir)
	entries, _ := os.ReadDir(dir)
	seen := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		seen[e.Name()] = true
		sum := sha256.Sum256(b)
		hash := hex.EncodeToString(sum[:8])
		k.mu.Lock()
		old := k.pods[e.Name()]
		k.mu.Unlock()
		if old != nil && old.hash == hash {
			continue
		}
		if old != nil {
			k.logf("%s changed: replacing pod %s", e.Name(), old.pod.Name)
			k.stopPod(old)
		}
		p, err := k.preparePod(e.Name(), hash, b)
		k.mu.Lock()
		if err != nil {
			delete(k.pods, e.Name())
			if k.refusals[e.Name()] != err.Error() {
				k.logf("%s: not run: %v", e.Name(), err)
			}
			k.refusals[e.Name()] = err.Error()
		} else {
			delete(k.refusals, e.Name())
			k.pods[e.Name()] = p
			k.logf("%s: pod %s found", e.Name(), p.pod.Name)
		}
		k.mu.Unlock()
	}
	k.mu.Lock()
	var gone []*staticPod
	for f, p := range k.pods {
		if !seen[f] {
			gone = append(gone, p)
			delete(k.pods, f)
		}
	}
	for f := range k.refusals {
		if !seen[f] {
			delete(k.refusals, f)
		}
	}
	k.mu.Unlock()
	for _, p := range gone {
		k.logf("%s removed: stopping pod %s", p.file, p.pod.Name)
		k.stopPod(p)
	}
}

// stopPod stops a pod's containers as the kubelet would: SIGTERM, then
// SIGKILL after the pod's grace period (at most 30 s).
func (k *Kubelet) stopPod(p *staticPod) {
	grace := 30 * time.Second
	if g := p.pod.Spec.TerminationGracePeriodSeconds; g != nil && time.Duration(*g)*time.Second < grace {
		grace = time.Duration(*g) * time.Second
	}
	for _, c := range p.containers {
		k.mu.Lock()
		proc := c.proc
		k.mu.Unlock()
		if proc != nil && !exited(proc) {
			proc.Stop(grace)
		}
	}
}

// preparePod turns a manifest into the processes to run, or says why the
// stand-in cannot run it.
func (k *Kubelet) preparePod(file, hash string, b []byte) (*staticPod, error) {
	var pod corev1.Pod
	if err := yaml.Unmarshal(b, &pod); err != nil {
		return nil, fmt.Errorf("not a Pod: %v", err)
	}
	if pod.Kind != "Pod" || pod.Name == "" {
		return nil, fmt.Errorf("not a Pod with a name (kind %q)", pod.Kind)
	}
	if len(pod.Spec.InitContainers) > 0 {
		return nil, fmt.Errorf("pod %s has init containers, which the stand-in does not run in static pods", pod.Name)
	}
	cs, err := k.prepareContainers(pod, pod.Spec.Containers)
	if err != nil {
		return nil, err
	}
	return &staticPod{file: file, hash: hash, pod: pod, containers: cs}, nil
}

// prepareContainers turns a pod's containers into processes of the host:
// the program that stands in for each image, with the container's command,
// arguments, environment, host-path mounts and user.
func (k *Kubelet) prepareContainers(pod corev1.Pod, containers []corev1.Container) ([]*container, error) {
	if !pod.Spec.HostNetwork {
		return nil, fmt.Errorf("pod %s is not on the host network, and there is no pod network here", pod.Name)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v
	}
	var out []*container
	for _, c := range containers {
		prog, err := k.opts.Images.Resolve(c.Image)
		if err != nil {
			return nil, err
		}
		if !seenByHosts(prog.Path) {
			return nil, fmt.Errorf("%s is under a folder simulated hosts do not see; install it under /usr, /var, /opt, /home or /root", prog.Path)
		}
		argv, err := prog.Argv(c.Command, c.Args)
		if err != nil {
			return nil, err
		}
		env := slices.Clone(DefaultEnv[:1]) // the image's PATH
		for _, e := range c.Env {
			v, err := k.envValue(pod, e)
			if err != nil {
				return nil, fmt.Errorf("pod %s container %s: %w", pod.Name, c.Name, err)
			}
			env = append(env, e.Name+"="+v)
		}
		spec := &ContainerSpec{}
		for _, m := range c.VolumeMounts {
			v, ok := volumes[m.Name]
			if !ok || v.HostPath == nil {
				return nil, fmt.Errorf("pod %s container %s: volume %q is not a hostPath volume, the only kind the stand-in mounts", pod.Name, c.Name, m.Name)
			}
			src := filepath.Join(v.HostPath.Path, m.SubPath)
			if !onHostDisk(src) {
				return nil, fmt.Errorf("pod %s: hostPath %s lies outside the simulated host's disk (/etc, /usr, /var, /opt, /root, /home, /srv, /tmp, /run)", pod.Name, src)
			}
			typ := ""
			if v.HostPath.Type != nil {
				typ = string(*v.HostPath.Type)
			}
			spec.Mounts = append(spec.Mounts, Mount{Source: src, Target: m.MountPath, ReadOnly: m.ReadOnly, Type: typ})
		}
		if sc := c.SecurityContext; sc != nil {
			spec.UID, spec.GID = sc.RunAsUser, sc.RunAsGroup
		}
		if ps := pod.Spec.SecurityContext; ps != nil {
			if spec.UID == nil {
				spec.UID = ps.RunAsUser
			}
			if spec.GID == nil {
				spec.GID = ps.RunAsGroup
			}
		}
		out = append(out, &container{
			name:    c.Name,
			program: prog,
			exec: Exec{Name: pod.Name + "/" + c.Name, Path: argv[0], Args: argv[1:], Env: env, Dir: c.WorkingDir,
				Container: spec},
		})
	}
	return out, nil
}

// RunPod runs a pod bound to this kubelet's node to its end, as a Job's
// pod (restartPolicy Never): its init containers one after the other, then
// its containers; the first that fails ends it. Its volumes must be
// hostPath ones. It returns what the containers printed.
func (k *Kubelet) RunPod(ctx context.Context, pod corev1.Pod) (string, error) {
	all := append(slices.Clone(pod.Spec.InitContainers), pod.Spec.Containers...)
	cs, err := k.prepareContainers(pod, all)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, c := range cs {
		r := k.host.Run(ctx, c.exec)
		fmt.Fprintf(&out, "---- %s\n%s", c.exec.Name, r.Output)
		if r.Err != nil {
			return out.String(), fmt.Errorf("container %s: %w", c.exec.Name, r.Err)
		}
	}
	return out.String(), nil
}

// seenByHosts reports whether a simulated host sees a file of the real
// machine at its path: under the folders it overlays.
func seenByHosts(path string) bool { return under(path, overlaid) }

// onHostDisk reports whether a path of a simulated host is on its own disk
// (or its /run), where the host may create and change files.
func onHostDisk(path string) bool { return under(path, append(slices.Clone(overlaid), "/tmp", "/run")) }

func under(path string, dirs []string) bool {
	path = filepath.Clean(path)
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}

// envValue is a container's variable as the kubelet fills it in.
func (k *Kubelet) envValue(pod corev1.Pod, e corev1.EnvVar) (string, error) {
	if e.ValueFrom == nil {
		return e.Value, nil
	}
	if f := e.ValueFrom.FieldRef; f != nil {
		switch f.FieldPath {
		case "metadata.name":
			return pod.Name, nil
		case "metadata.namespace":
			return pod.Namespace, nil
		case "spec.nodeName":
			return k.host.Spec.Name, nil
		case "status.podIP", "status.hostIP":
			return k.host.Spec.Address, nil
		}
	}
	return "", fmt.Errorf("variable %s comes from a source the stand-in cannot fill", e.Name)
}

// syncContainers starts containers that are not running, after the
// kubelet's back-off for those that exited.
func (k *Kubelet) syncContainers() {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	for _, p := range k.pods {
		if k.held[p.pod.Name] {
			continue
		}
		for _, c := range p.containers {
			if c.proc != nil && !exited(c.proc) {
				continue
			}
			if c.proc != nil && c.next.IsZero() {
				// It just exited: back off before the next start.
				ran := now.Sub(c.startedAt)
				switch {
				case ran >= backoffReset || c.backoff == 0:
					c.backoff = k.opts.BackoffInitial
				default:
					c.backoff = min(2*c.backoff, BackoffMax)
				}
				if ran >= backoffReset {
					c.backoff = k.opts.BackoffInitial
				}
				c.next = now.Add(c.backoff)
				k.logf("%s exited (%v) after %s; restarting in %s", c.exec.Name, c.proc.err, ran.Round(time.Millisecond), c.backoff)
			}
			if now.Before(c.next) {
				continue
			}
			k.startContainer(p, c)
		}
	}
}

func (k *Kubelet) startContainer(p *staticPod, c *container) {
	if c.log == nil {
		f, err := os.OpenFile(filepath.Join(k.host.Logs(), p.pod.Name+"_"+c.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			k.logf("%s: log: %v", c.exec.Name, err)
			return
		}
		c.log = f
	}
	e := c.exec
	e.Stdout, e.Stderr = c.log, c.log
	fmt.Fprintf(c.log, "---- %s: starting %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), e.Path, strings.Join(e.Args, " "))
	proc, err := k.host.Start(e)
	if err != nil {
		k.logf("%s: %v", c.exec.Name, err)
		c.next = time.Now().Add(k.opts.BackoffInitial)
		return
	}
	if c.proc != nil {
		c.restarts++
	}
	c.proc, c.startedAt, c.next = proc, time.Now(), time.Time{}
	k.logf("%s started (pid %d)", c.exec.Name, proc.PID())
}

// syncAPI posts the Node, the mirror pods and the node's lease, as far as
// the API server answers.
func (k *Kubelet) syncAPI(ctx context.Context) {
	c, err := k.opts.API()
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = k.post(ctx, c)
		cancel()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if msg != k.apiErr && msg != "" {
		k.logf("API: %s", msg)
	}
	k.apiErr = msg
}

func (k *Kubelet) post(ctx context.Context, c *controlplane.Client) error {
	node := k.opts.Node
	k.mu.Lock()
	uid := k.nodeUID
	k.mu.Unlock()
	if uid == "" {
		var n corev1.Node
		err := c.Get(ctx, "/api/v1/nodes/"+url.PathEscape(node.Name), &n)
		if controlplane.IsNotFound(err) {
			obj, err2 := node.Node()
			if err2 != nil {
				return err2
			}
			err = c.Post(ctx, "/api/v1/nodes", obj, &n)
			if err == nil {
				k.logf("registered Node %s", node.Name)
			}
		}
		if err != nil {
			return fmt.Errorf("Node %s: %w", node.Name, err)
		}
		uid = string(n.UID)
		k.mu.Lock()
		k.nodeUID = uid
		k.mu.Unlock()
	}
	if err := k.renewLease(ctx, c); err != nil {
		return err
	}
	k.mu.Lock()
	pods := make([]*staticPod, 0, len(k.pods))
	for _, p := range k.pods {
		pods = append(pods, p)
	}
	k.mu.Unlock()
	for _, p := range pods {
		if err := k.mirror(ctx, c, p, uid); err != nil {
			return err
		}
	}
	return nil
}

// mirror creates the pod's mirror pod, replacing one of an older manifest,
// and reports its status.
func (k *Kubelet) mirror(ctx context.Context, c *controlplane.Client, p *staticPod, nodeUID string) error {
	ns := p.pod.Namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	name := p.pod.Name + "-" + k.opts.Node.Name
	path := "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/"
	k.mu.Lock()
	posted := p.mirrored == p.hash
	k.mu.Unlock()
	if !posted {
		var cur corev1.Pod
		err := c.Get(ctx, path+url.PathEscape(name), &cur)
		if err == nil && cur.Annotations[corev1.MirrorPodAnnotationKey] != p.hash {
			if _, err := c.Do(ctx, "DELETE", path+url.PathEscape(name)+"?gracePeriodSeconds=0", "", nil); err != nil && !controlplane.IsNotFound(err) {
				return err
			}
			err = &controlplane.APIError{Code: 404}
		}
		if controlplane.IsNotFound(err) {
			m := p.pod.DeepCopy()
			m.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
			m.Name, m.Namespace = name, ns
			if m.Annotations == nil {
				m.Annotations = map[string]string{}
			}
			m.Annotations["kubernetes.io/config.hash"] = p.hash
			m.Annotations[corev1.MirrorPodAnnotationKey] = p.hash
			m.Annotations["kubernetes.io/config.source"] = "file"
			m.Annotations["kubernetes.io/config.seen"] = time.Now().UTC().Format(time.RFC3339Nano)
			m.Spec.NodeName = k.opts.Node.Name
			ctrl := true
			m.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: k.opts.Node.Name, UID: types.UID(nodeUID), Controller: &ctrl}}
			m.Status = corev1.PodStatus{}
			if err := c.Post(ctx, path, m, nil); err != nil {
				return fmt.Errorf("mirror pod %s/%s: %w", ns, name, err)
			}
			k.logf("mirror pod %s/%s posted", ns, name)
		} else if err != nil {
			return err
		}
		k.mu.Lock()
		p.mirrored = p.hash
		k.mu.Unlock()
	}
	k.mu.Lock()
	running := allRunning(p) && !k.held[p.pod.Name]
	k.mu.Unlock()
	var status any
	if running {
		status = controlplane.RunningStatus(p.pod, k.host.Spec.Address, k.host.Spec.Address)
	} else {
		status = map[string]any{"status": map[string]any{"phase": "Running", "conditions": []any{
			map[string]any{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}}}}
	}
	if err := c.Patch(ctx, path+url.PathEscape(name)+"/status", status); err != nil && !controlplane.IsNotFound(err) {
		return fmt.Errorf("mirror pod %s/%s status: %w", ns, name, err)
	}
	return nil
}

// renewLease renews the node's lease in kube-node-lease every 10 s, as the
// kubelet does, so that the node lifecycle controller sees it alive.
func (k *Kubelet) renewLease(ctx context.Context, c *controlplane.Client) error {
	k.mu.Lock()
	due := time.Since(k.lastLease) >= 10*time.Second
	k.mu.Unlock()
	if !due {
		return nil
	}
	name := k.opts.Node.Name
	err := c.RenewLease(ctx, name)
	if err != nil {
		return fmt.Errorf("lease of %s: %w", name, err)
	}
	k.mu.Lock()
	k.lastLease = time.Now()
	k.mu.Unlock()
	return nil
}
