package hostsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// HostSpec describes one simulated machine.
type HostSpec struct {
	Name      string
	Address   string       // the design's address of the machine
	Prefix    netip.Prefix // the node subnet that holds Address
	Interface string       // the interface name the design gives, such as eth0
	// Routes are other node subnets, reached on the same bridge.
	Routes []netip.Prefix
	// Gateway is the next hop of the default route: an address of the node
	// subnet that no machine holds. Without a default route kubeadm cannot
	// find the host's address ("cannot use 0.0.0.0 as the bind address").
	Gateway string
	// NoDisk makes a host with a network namespace only (a client that
	// probes the others): no mount namespace, no disk.
	NoDisk bool
}

// Host is a simulated machine.
type Host struct {
	Spec HostSpec
	lab  *Lab
	idx  int
	disk string // its folder in the lab's work folder

	mu     sync.Mutex
	holder *holder
	netns  *os.File
	procs  []*Process
	port   string // the bridge's end of its link
	boots  int
}

// AddHost adds a machine to the lab and boots it.
func (l *Lab) AddHost(spec HostSpec) (*Host, error) {
	if spec.Interface == "" {
		spec.Interface = "eth0"
	}
	if len(spec.Interface) > 15 {
		return nil, fmt.Errorf("host %s: interface name %q is longer than Linux allows (15)", spec.Name, spec.Interface)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, errors.New("lab is closed")
	}
	l.nextIdx++
	h := &Host{Spec: spec, lab: l, idx: l.nextIdx}
	h.port = fmt.Sprintf("rh%s%d", l.runID, h.idx)
	l.hosts = append(l.hosts, h)
	l.mu.Unlock()
	h.disk = filepath.Join(l.dir, "hosts", spec.Name)
	if err := os.MkdirAll(filepath.Join(h.disk, "logs"), 0o700); err != nil {
		return nil, err
	}
	if err := h.Boot(); err != nil {
		return nil, err
	}
	return h, nil
}

// Hosts returns the lab's hosts in the order they were added.
func (l *Lab) Hosts() []*Host {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.hosts)
}

// Name is the host's name.
func (h *Host) Name() string { return h.Spec.Name }

// Disk is the host's folder in the lab's work folder.
func (h *Host) Disk() string { return h.disk }

// Logs is where the host's processes write what they print.
func (h *Host) Logs() string { return filepath.Join(h.disk, "logs") }

// Path returns where a path of the host (under /etc, /var, …) is on the
// real machine, for the files the host wrote: its overlay's upper folder.
// Files the host only read from the real machine are not there.
func (h *Host) Path(p string) string {
	p = filepath.Clean(p)
	for _, o := range overlaid {
		if p == o || strings.HasPrefix(p, o+"/") {
			return filepath.Join(h.disk, "upper", strings.TrimPrefix(o, "/"), strings.TrimPrefix(p, o))
		}
	}
	if p == "/tmp" || strings.HasPrefix(p, "/tmp/") {
		return filepath.Join(h.disk, "tmp", strings.TrimPrefix(p, "/tmp"))
	}
	return ""
}

// Up reports whether the host is powered on.
func (h *Host) Up() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.holder != nil
}

// PGID is the process group of everything that runs on the host while it
// is on; 0 when it is off.
func (h *Host) PGID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.holder == nil {
		return 0
	}
	return h.holder.pid
}

// Boot powers the host on: new namespaces, its disk mounted, its link to
// the bridge up with its address and routes.
func (h *Host) Boot() (err error) {
	h.mu.Lock()
	if h.holder != nil {
		h.mu.Unlock()
		return nil
	}
	h.mu.Unlock()
	l := h.lab
	hold, err := l.newHolder(!h.Spec.NoDisk, "")
	if err != nil {
		return fmt.Errorf("host %s: %w", h.Spec.Name, err)
	}
	defer func() {
		if err != nil {
			hold.kill()
			err = fmt.Errorf("booting host %s: %w", h.Spec.Name, err)
		}
	}()
	if !h.Spec.NoDisk {
		if err := h.mountDisk(hold); err != nil {
			return err
		}
	}
	if err := h.plugIn(hold); err != nil {
		return err
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", hold.pid))
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.holder, h.netns = hold, f
	h.boots++
	h.mu.Unlock()
	l.logf("host %s on: process group %d, %s %s/%d on bridge port %s", h.Spec.Name, hold.pid, h.Spec.Interface, h.Spec.Address, h.Spec.Prefix.Bits(), h.port)
	return nil
}

// mountDisk sets up the host's file system view in its mount namespace.
func (h *Host) mountDisk(hold *holder) error {
	if err := hold.exec(true, "hostname", h.Spec.Name); err != nil {
		return err
	}
	for _, o := range overlaid {
		if info, err := os.Stat(o); err != nil || !info.IsDir() {
			continue
		}
		name := strings.TrimPrefix(o, "/")
		upper, work := filepath.Join(h.disk, "upper", name), filepath.Join(h.disk, "work", name)
		for _, d := range []string{upper, work} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		for _, p := range private {
			if !strings.HasPrefix(p.path, o+"/") {
				continue
			}
			if err := makeOpaque(filepath.Join(upper, strings.TrimPrefix(p.path, o+"/")), p.mode); err != nil {
				return err
			}
		}
		opts := "lowerdir=" + o + ",upperdir=" + upper + ",workdir=" + work
		if err := hold.exec(true, "mount", "-t", "overlay", "overlay", "-o", opts, o); err != nil {
			return err
		}
	}
	tmp := filepath.Join(h.disk, "tmp")
	if err := os.MkdirAll(tmp, 0o1777); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o1777|os.ModeSticky); err != nil {
		return err
	}
	if err := hold.exec(true, "mount", "--bind", tmp, "/tmp"); err != nil {
		return err
	}
	return hold.exec(true, "mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run")
}

// makeOpaque creates a folder of an overlay's upper layer, once, marked so
// that the overlay hides whatever the real machine has at that path.
func makeOpaque(dir string, mode os.FileMode) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, mode); err != nil {
		return err
	}
	if err := os.Chmod(dir, mode); err != nil {
		return err
	}
	return unix.Setxattr(dir, "trusted.overlay.opaque", []byte("y"), 0)
}

// plugIn links the host to the bridge and gives its interface the design's
// name, address and routes.
func (h *Host) plugIn(hold *holder) error {
	l := h.lab
	if err := l.bridgeIP("link", "add", h.port, "type", "veth", "peer", "name", h.Spec.Interface, "netns", fmt.Sprint(hold.pid)); err != nil {
		return err
	}
	if err := l.bridgeIP("link", "set", h.port, "master", "br0", "up"); err != nil {
		return err
	}
	addr := h.Spec.Address + "/" + fmt.Sprint(h.Spec.Prefix.Bits())
	cmds := [][]string{{"link", "set", "lo", "up"}}
	if a, err := netip.ParseAddr(h.Spec.Address); err == nil && a.Is6() {
		cmds = append(cmds, []string{"addr", "add", addr, "dev", h.Spec.Interface, "nodad"})
	} else {
		cmds = append(cmds, []string{"addr", "add", addr, "dev", h.Spec.Interface})
	}
	cmds = append(cmds, []string{"link", "set", h.Spec.Interface, "up"})
	for _, r := range h.Spec.Routes {
		cmds = append(cmds, []string{"route", "add", r.String(), "dev", h.Spec.Interface})
	}
	if h.Spec.Gateway != "" {
		cmds = append(cmds, []string{"route", "add", "default", "via", h.Spec.Gateway, "dev", h.Spec.Interface})
	}
	for _, c := range cmds {
		if err := hold.exec(false, "ip", c...); err != nil {
			return err
		}
	}
	return nil
}

// PowerOff takes the host's link down and kills every process of the host
// with one signal to its process group, then waits until they are gone.
// The namespaces vanish with their last process; the disk stays.
func (h *Host) PowerOff() error {
	h.mu.Lock()
	hold, netns, procs := h.holder, h.netns, h.procs
	h.holder, h.netns, h.procs = nil, nil, nil
	h.mu.Unlock()
	if hold == nil {
		return nil
	}
	var errs []error
	if err := h.lab.bridgeIP("link", "set", h.port, "down"); err != nil {
		errs = append(errs, err)
	}
	_ = syscall.Kill(-hold.pid, syscall.SIGKILL)
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			errs = append(errs, fmt.Errorf("host %s: %s did not end within 10s of SIGKILL", h.Spec.Name, p.Name))
		}
	}
	hold.kill()
	if netns != nil {
		netns.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(groupMembers(hold.pid)) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if m := groupMembers(hold.pid); len(m) > 0 {
		errs = append(errs, fmt.Errorf("host %s: processes %v still alive after power-off", h.Spec.Name, m))
	}
	// The link would go with the namespace, which the kernel tears down in
	// the background: delete it now, so that a boot can reuse its name.
	if h.lab.bridgeIP("link", "show", h.port) == nil {
		if err := h.lab.bridgeIP("link", "del", h.port); err != nil && h.lab.bridgeIP("link", "show", h.port) == nil {
			errs = append(errs, err)
		}
	}
	h.lab.logf("host %s off", h.Spec.Name)
	return errors.Join(errs...)
}

// Process is a program running on a host.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is how the process ended, once Done is closed.
func (p *Process) Err() error { return p.err }

// PID is the process's id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the process and every process it started.
func (p *Process) Signal(sig syscall.Signal) {
	for _, pid := range tree(p.cmd.Process.Pid) {
		_ = syscall.Kill(pid, sig)
	}
}

// Stop asks the process to end (SIGTERM) and, after grace, kills it and
// its children; it returns once the process has exited.
func (p *Process) Stop(grace time.Duration) {
	p.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		// its children may outlive it for a moment
	case <-time.After(grace):
	}
	p.Signal(syscall.SIGKILL)
	<-p.done
}

// command prepares a program to run in the host's namespaces, in its
// process group.
func (h *Host) command(name string, args ...string) (*exec.Cmd, error) {
	h.mu.Lock()
	hold := h.holder
	h.mu.Unlock()
	if hold == nil {
		return nil, fmt.Errorf("host %s is powered off", h.Spec.Name)
	}
	cmd := exec.Command("nsenter", append(append(hold.nsArgs(!h.Spec.NoDisk), "--", name), args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: hold.pid, Pdeathsig: syscall.SIGKILL}
	return cmd, nil
}

// Exec describes a program to run on a host.
type Exec struct {
	Name string   // for logs and errors
	Path string   // the program, as the host sees it
	Args []string // without the program
	Env  []string // the whole environment; nil means a minimal one
	Dir  string   // working folder on the host; empty means /
	// Stdin is its standard input; nil means none.
	Stdin io.Reader
	// Stdout and Stderr receive what it prints; nil discards it.
	Stdout, Stderr io.Writer
	// Container, if not nil, runs the program in a mount namespace of its
	// own with these mounts, as a container runtime would.
	Container *ContainerSpec
}

// DefaultEnv is the environment of programs run without one.
var DefaultEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C"}

// Start starts a program on the host; it runs until it exits, is stopped,
// or the host is powered off.
func (h *Host) Start(e Exec) (*Process, error) {
	env := e.Env
	if env == nil {
		env = DefaultEnv
	}
	var cmd *exec.Cmd
	var err error
	if e.Container != nil {
		cmd, err = h.containerCommand(e, env)
	} else {
		dir := e.Dir
		if dir == "" {
			dir = "/"
		}
		cmd, err = h.command("env", append([]string{"-i", "-C", dir}, append(env, append([]string{e.Path}, e.Args...)...)...)...)
	}
	if err != nil {
		return nil, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.Stdin, e.Stdout, e.Stderr
	if err := h.lab.start(cmd); err != nil {
		return nil, fmt.Errorf("host %s: starting %s: %w", h.Spec.Name, e.Name, err)
	}
	p := &Process{Name: e.Name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	h.mu.Lock()
	h.procs = append(h.procs, p)
	h.mu.Unlock()
	h.reap()
	return p, nil
}

// reap forgets processes that have exited.
func (h *Host) reap() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.procs = slices.DeleteFunc(h.procs, func(p *Process) bool {
		select {
		case <-p.done:
			return true
		default:
			return false
		}
	})
}

// Result is what a program run to its end printed and how it ended.
type Result struct {
	Output []byte // standard output and error, interleaved
	Err    error
}

// Run runs a program on the host to its end, or until ctx ends (then it is
// killed with its children).
func (h *Host) Run(ctx context.Context, e Exec) Result {
	var out bytes.Buffer
	w := &lockedWriter{w: &out}
	if e.Stdout == nil {
		e.Stdout = w
	}
	e.Stderr = w
	if e.Name == "" {
		e.Name = e.Path
	}
	p, err := h.Start(e)
	if err != nil {
		return Result{Err: err}
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.Signal(syscall.SIGKILL)
		<-p.done
		return Result{Output: w.bytes(), Err: fmt.Errorf("%s on %s: %w", e.Name, h.Spec.Name, ctx.Err())}
	}
	if p.err != nil {
		return Result{Output: w.bytes(), Err: fmt.Errorf("%s on %s: %w", e.Name, h.Spec.Name, p.err)}
	}
	return Result{Output: w.bytes()}
}

// Shell runs a shell command on the host, from dir, with env added to the
// minimal environment.
func (h *Host) Shell(ctx context.Context, dir, command string, env ...string) Result {
	return h.Run(ctx, Exec{Name: "sh -c " + command, Path: "/bin/sh", Args: []string{"-c", command}, Dir: dir, Env: append(slices.Clone(DefaultEnv), env...)})
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

func (w *lockedWriter) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.w.Bytes())
}

// tree returns pid and every process descended from it, parents first.
func tree(pid int) []int {
	children := map[int][]int{}
	for _, p := range processes() {
		children[p.ppid] = append(children[p.ppid], p.pid)
	}
	out := []int{pid}
	for i := 0; i < len(out) && i < 10000; i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}
