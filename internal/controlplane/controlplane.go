// Package controlplane runs a throwaway Kubernetes control plane — etcd,
// kube-apiserver and, if asked, kube-controller-manager and kube-scheduler —
// on 127.0.0.1, and checks manifests against it: server-side dry runs, RBAC
// proven with SubjectAccessReviews, and the placement the real scheduler
// chose for pods on simulated nodes.
//
// Every key, certificate and token is minted in memory at start-up with
// crypto/rand and written only into the control plane's private temporary
// folder, which Stop removes. The servers run in process groups of their own
// and, on Linux, die with the process that started them.
package controlplane

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/spawn"
)

// Names of the server programs Start runs.
const (
	Etcd              = "etcd"
	APIServer         = "kube-apiserver"
	ControllerManager = "kube-controller-manager"
	Scheduler         = "kube-scheduler"
)

// DefaultServiceCIDR is the service range used when Options gives none.
const DefaultServiceCIDR = "10.96.0.0/12"

// Options says which servers to run and where to find them.
type Options struct {
	// ToolsDir is searched first for the server programs, before the
	// folders ToolDirs lists and PATH.
	ToolsDir string
	// Paths names a program's path outright, keyed by Etcd, APIServer, ….
	Paths map[string]string
	// WorkDir holds the control plane's private temporary folder; empty
	// means os.TempDir().
	WorkDir string
	// ControllerManager also runs kube-controller-manager, with every
	// controller but the node lifecycle controller (which would mark the
	// simulated nodes unreachable and evict their pods).
	ControllerManager bool
	// Scheduler also runs kube-scheduler.
	Scheduler bool
	// ServiceCIDR is the API server's --service-cluster-ip-range: the
	// cluster's own, so that Services with a fixed clusterIP validate.
	ServiceCIDR string
	// APIServerArgs are appended to kube-apiserver's flags, such as an audit
	// policy or encryption configuration to load.
	APIServerArgs []string
	// ControllerManagerArgs are appended to kube-controller-manager's flags;
	// a repeated --controllers adds to the list (bootstrapsigner and
	// tokencleaner, which kubeadm turns on, are off by default).
	ControllerManagerArgs []string
	// Timeout bounds start-up; zero means 2 minutes.
	Timeout time.Duration
	// Env, if not nil, is the servers' whole environment instead of this
	// process's, so that none of the caller's variables reach them.
	Env []string
}

func (o Options) programs() []string {
	ps := []string{Etcd, APIServer}
	if o.ControllerManager {
		ps = append(ps, ControllerManager)
	}
	if o.Scheduler {
		ps = append(ps, Scheduler)
	}
	return ps
}

// DefaultToolDirs are where the real programs are found when not on PATH:
// /var/cache/blueprint-tools/bin (where scripts/install-validators.sh
// builds the Kubernetes servers, promtool and amtool), and /usr/sbin and
// /usr/local/sbin, where Debian puts haproxy and keepalived.
var DefaultToolDirs = []string{"/var/cache/blueprint-tools/bin", "/usr/sbin", "/usr/local/sbin"}

// ToolDirs lists the folders searched, in order, before PATH:
// $BLUEPRINT_TOOLS, then DefaultToolDirs.
func ToolDirs() []string {
	var dirs []string
	if d := os.Getenv("BLUEPRINT_TOOLS"); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, DefaultToolDirs...)
}

// FindTool returns the path of a program: in dirs, then ToolDirs, then PATH.
func FindTool(name string, dirs ...string) (string, error) {
	for _, d := range append(dirs, ToolDirs()...) {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath(name)
}

// Missing lists the programs these options need that cannot be found.
func (o Options) Missing() []string {
	var missing []string
	for _, name := range o.programs() {
		if _, err := o.path(name); err != nil {
			missing = append(missing, name)
		}
	}
	return missing
}

func (o Options) path(name string) (string, error) {
	if p := o.Paths[name]; p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", err
		}
		return p, nil
	}
	return FindTool(name, o.ToolsDir)
}

// ControlPlane is a running control plane.
type ControlPlane struct {
	// URL is the API server's address, https://127.0.0.1:PORT.
	URL string
	// Kubeconfig is the path of a kubeconfig for an administrator (group
	// system:masters), for kubectl.
	Kubeconfig string
	// Dir is the private temporary folder Stop removes.
	Dir string
	// CACert is the PEM certificate that signed every server's serving
	// certificate.
	CACert []byte
	// Startup is how long Start took, and Ready when each server became
	// ready, counted from the start.
	Startup time.Duration
	Ready   map[string]time.Duration

	token   string
	procs   []*proc
	spawn   *spawn.Spawner
	stopped sync.Once
	stopErr error
}

// Start runs the servers opts asks for and returns once each one reports
// healthy (the API server's /readyz, the others' /healthz). On failure it
// stops whatever it started, and the error carries the end of the failing
// server's log. Ports are chosen free at random; a clash with another
// program that grabbed one in between is retried.
func Start(ctx context.Context, opts Options) (*ControlPlane, error) {
	if missing := opts.Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("not installed: %s (scripts/install-validators.sh installs them)", strings.Join(missing, ", "))
	}
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.ServiceCIDR == "" {
		opts.ServiceCIDR = DefaultServiceCIDR
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var cp *ControlPlane
		cp, err = start(ctx, opts)
		if err == nil {
			return cp, nil
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, err
}

var errPortTaken = errors.New("a port was taken by another program")

func start(ctx context.Context, opts Options) (cp *ControlPlane, err error) {
	began := time.Now()
	dir, err := os.MkdirTemp(opts.WorkDir, "blueprint-controlplane-")
	if err != nil {
		return nil, err
	}
	cp = &ControlPlane{Dir: dir, Ready: map[string]time.Duration{}, token: randomToken(), spawn: spawn.New()}
	defer func() {
		if err != nil {
			cp.Stop()
			cp = nil
		}
	}()

	keys, err := newPKI()
	if err != nil {
		return cp, err
	}
	cp.CACert = keys.caCert
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err == nil {
			err = os.WriteFile(p, data, 0o600)
		}
		return p
	}
	caCert, caKey := file("ca.crt", keys.caCert), file("ca.key", keys.caKey)
	tlsCert, tlsKey := file("serving.crt", keys.servingCert), file("serving.key", keys.serveKey)
	saKey := file("sa.key", keys.saKey)
	cmToken, schedToken := randomToken(), randomToken()
	tokens := fmt.Sprintf("%s,blueprint-admin,blueprint-admin,system:masters\n%s,system:kube-controller-manager,system:kube-controller-manager\n%s,system:kube-scheduler,system:kube-scheduler\n",
		cp.token, cmToken, schedToken)
	tokenFile := file("tokens.csv", []byte(tokens))
	if err != nil {
		return cp, err
	}

	ports, err := freePorts(5)
	if err != nil {
		return cp, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	cp.URL = "https://127.0.0.1:" + strconv.Itoa(ports[2])
	kubeconfig := func(name, token string) string {
		if err != nil {
			return ""
		}
		var b []byte
		if b, err = kubeconfigYAML(cp.URL, keys.caCert, token); err == nil {
			return file(name, b)
		}
		return ""
	}
	cp.Kubeconfig = kubeconfig("admin.kubeconfig", cp.token)
	cmConfig := kubeconfig("controller-manager.kubeconfig", cmToken)
	schedConfig := kubeconfig("scheduler.kubeconfig", schedToken)
	if err != nil {
		return cp, err
	}

	etcdDir := filepath.Join(dir, "etcd")
	if err := cp.run(opts, Etcd,
		"--name=default", "--data-dir="+etcdDir,
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL, "--initial-cluster-state=new",
		"--logger=zap", "--log-outputs=stderr", "--log-level=warn",
	); err != nil {
		return cp, err
	}
	if err := cp.waitHealthy(ctx, Etcd, etcdURL+"/health", began, ""); err != nil {
		return cp, err
	}

	if err := cp.run(opts, APIServer, append([]string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(ports[2]),
		// With one API server on loopback there is no endpoint to reconcile.
		"--endpoint-reconciler-type=none",
		"--tls-cert-file=" + tlsCert, "--tls-private-key-file=" + tlsKey, "--client-ca-file=" + caCert,
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saKey, "--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=" + opts.ServiceCIDR,
		"--allow-privileged=true",
		"--enable-admission-plugins=NodeRestriction",
		// Simulated nodes keep the taints they are registered with; this
		// plugin would add node.kubernetes.io/not-ready to each.
		"--disable-admission-plugins=TaintNodesByCondition",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	}, opts.APIServerArgs...)...); err != nil {
		return cp, err
	}
	if err := cp.waitHealthy(ctx, APIServer, cp.URL+"/readyz", began, cp.token); err != nil {
		return cp, err
	}

	component := func(name, config string, port int, extra ...string) error {
		return cp.run(opts, name, append([]string{
			"--kubeconfig=" + config, "--authentication-kubeconfig=" + config, "--authorization-kubeconfig=" + config,
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
			"--tls-cert-file=" + tlsCert, "--tls-private-key-file=" + tlsKey,
			"--leader-elect=false", "--profiling=false",
			// The defaults (20 requests a second) throttle start-up by seconds.
			"--kube-api-qps=500", "--kube-api-burst=1000",
		}, extra...)...)
	}
	var waits []func() error
	if opts.ControllerManager {
		if err := component(ControllerManager, cmConfig, ports[3], append([]string{
			"--controllers=*,-nodelifecycle",
			"--use-service-account-credentials=true",
			"--service-account-private-key-file=" + saKey,
			"--root-ca-file=" + caCert,
			"--cluster-signing-cert-file=" + caCert, "--cluster-signing-key-file=" + caKey,
		}, opts.ControllerManagerArgs...)...); err != nil {
			return cp, err
		}
		waits = append(waits, func() error {
			if err := cp.waitHealthy(ctx, ControllerManager, "https://127.0.0.1:"+strconv.Itoa(ports[3])+"/healthz", began, ""); err != nil {
				return err
			}
			// /healthz answers before the controllers run; the default
			// namespace's ServiceAccount is the first sign that they do.
			return cp.waitHealthy(ctx, ControllerManager, cp.URL+"/api/v1/namespaces/default/serviceaccounts/default", began, cp.token)
		})
	}
	if opts.Scheduler {
		if err := component(Scheduler, schedConfig, ports[4]); err != nil {
			return cp, err
		}
		waits = append(waits, func() error {
			return cp.waitHealthy(ctx, Scheduler, "https://127.0.0.1:"+strconv.Itoa(ports[4])+"/healthz", began, "")
		})
	}
	for _, w := range waits {
		if err := w(); err != nil {
			return cp, err
		}
	}
	cp.Startup = time.Since(began)
	return cp, nil
}

// Stop kills every server, by process group, and removes the temporary
// folder. It is safe to call more than once.
func (cp *ControlPlane) Stop() error {
	cp.stopped.Do(func() {
		for i := len(cp.procs) - 1; i >= 0; i-- {
			cp.procs[i].stop()
		}
		cp.spawn.Close()
		cp.stopErr = os.RemoveAll(cp.Dir)
	})
	return cp.stopErr
}

// PIDs returns the process id of each server started, by program name.
func (cp *ControlPlane) PIDs() map[string]int {
	out := map[string]int{}
	for _, p := range cp.procs {
		out[p.name] = p.cmd.Process.Pid
	}
	return out
}

// Log returns the end of a server's log (its standard output and error),
// at most max bytes; useful to explain a failure before Stop removes it.
func (cp *ControlPlane) Log(name string, max int) string {
	b, _ := os.ReadFile(filepath.Join(cp.Dir, name+".log"))
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// proc is one running server.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error // from Wait, once done is closed
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop kills the server's process group outright: everything it wrote is
// in the temporary folder about to be removed, and a graceful API server
// shutdown takes seconds.
func (p *proc) stop() {
	_ = killGroup(p.cmd.Process.Pid)
	<-p.done
	p.log.Close()
}

func (cp *ControlPlane) run(opts Options, name string, args ...string) error {
	path, err := opts.path(name)
	if err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(cp.Dir, name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = cp.Dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(slices.Clip(env), "ETCD_UNSUPPORTED_ARCH="+runtime.GOARCH)
	if err := cp.spawn.Start(cmd); err != nil {
		log.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	cp.procs = append(cp.procs, p)
	return nil
}

// waitHealthy polls url until it answers 200, the server exits, or ctx ends.
// A token, if not empty, is sent as a bearer token.
func (cp *ControlPlane) waitHealthy(ctx context.Context, name, url string, began time.Time, token string) error {
	var p *proc
	for _, q := range cp.procs {
		if q.name == name {
			p = q
		}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cp.CACert)
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	defer client.CloseIdleConnections()
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err == nil {
			body := make([]byte, 512)
			n, _ := resp.Body.Read(body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				cp.Ready[name] = time.Since(began)
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, body[:n])
		} else {
			last = err.Error()
		}
		if p.exited() {
			tail := cp.Log(name, 3000)
			if strings.Contains(tail, "address already in use") {
				return fmt.Errorf("%s: %w", name, errPortTaken)
			}
			return fmt.Errorf("%s exited (%v) before becoming healthy; its log ends:\n%s", name, p.err, tail)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not healthy at %s after %s (last answer: %s); its log ends:\n%s",
				name, url, time.Since(began).Round(time.Millisecond), last, cp.Log(name, 3000))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freePorts asks the kernel for n distinct free ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func kubeconfigYAML(server string, ca []byte, token string) ([]byte, error) {
	return yaml.Marshal(map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": "blueprint", "cluster": map[string]any{
			"server": server, "certificate-authority-data": ca, // []byte marshals as base64
		}}},
		"users":           []any{map[string]any{"name": "blueprint", "user": map[string]any{"token": token}}},
		"contexts":        []any{map[string]any{"name": "blueprint", "context": map[string]any{"cluster": "blueprint", "user": "blueprint"}}},
		"current-context": "blueprint",
	})
}
