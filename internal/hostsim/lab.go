// Package hostsim simulates the machines of a design on one Linux machine,
// for blueprint rehearse: each host is a network, mount and UTS namespace
// of its own, whose interface carries the design's name and address, and
// whose processes all run in one process group, so that powering it off is
// one kill. Every host hangs off one bridge that lives in a namespace of its
// own and has no link to the real machine and no route out of it.
//
// A host's disk is a folder of the lab's work folder: /etc, /usr, /var,
// /opt, /root, /home and /srv are overlays whose writes land there (and
// survive a power cycle), /tmp is a folder of its own, /run a fresh tmpfs at
// every boot. /etc/kubernetes, /etc/haproxy, /etc/keepalived,
// /var/lib/etcd and /var/log/kubernetes start empty whatever the real
// machine has there. Nothing a host does reaches the real machine's files
// outside the lab's work folder, its interfaces or its routes.
//
// Namespaces here are not named (nothing under /run/netns): each lives as
// long as a process of it does, so a crash of the process that made them
// leaves nothing behind once their processes are gone, and those die with it
// (Pdeathsig).
package hostsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/blueprint-dev/blueprint/internal/spawn"
)

// Programs the lab runs on the real machine, all from util-linux and
// iproute2.
var labPrograms = []string{"ip", "nsenter", "unshare", "mount", "hostname", "sleep"}

// Options configure a lab.
type Options struct {
	// WorkDir is the folder that holds every host's disk. It must not lie
	// under a folder a host overlays (/etc, /usr, /var, /opt, /root, /home,
	// /srv). Empty means a new folder in os.TempDir().
	WorkDir string
	// Log, if not nil, receives one line per action on the real machine's
	// namespaces and links.
	Log func(string)
	// Keep keeps the work folder when the process that made the lab dies
	// without closing it (killed, or a test binary's timeout); otherwise
	// the bridge's holder removes it then.
	Keep bool
}

// Lab is a set of simulated hosts on one bridge.
type Lab struct {
	opts   Options
	runID  string
	dir    string
	bridge *holder

	spawn *spawn.Spawner

	mu      sync.Mutex
	hosts   []*Host
	pgids   []int // every process group the lab ever made
	closed  bool
	island  bool // the partition bridge exists
	nextIdx int
}

// Missing lists the programs and privileges a lab needs that this machine
// lacks, each with how to get it; empty when a lab can start.
func Missing() []string {
	var out []string
	if runtime.GOOS != "linux" {
		return []string{"Linux: network and mount namespaces exist only there"}
	}
	if !hasCaps() {
		out = append(out, "root, or the capabilities CAP_NET_ADMIN and CAP_SYS_ADMIN (run with sudo)")
	}
	for _, p := range labPrograms {
		if _, err := exec.LookPath(p); err != nil {
			pkg := "util-linux"
			switch p {
			case "ip":
				pkg = "iproute2"
			case "hostname":
				pkg = "hostname"
			case "sleep":
				pkg = "coreutils"
			}
			out = append(out, fmt.Sprintf("%s (apt-get install %s)", p, pkg))
		}
	}
	return out
}

// hasCaps reports whether this process holds CAP_NET_ADMIN (12) and
// CAP_SYS_ADMIN (21) in its effective set.
func hasCaps() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			var caps uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%x", &caps); err != nil {
				return false
			}
			return caps&(1<<12) != 0 && caps&(1<<21) != 0
		}
	}
	return false
}

// overlaid are the folders of the real machine that a host sees through an
// overlay whose writes land on the host's disk.
var overlaid = []string{"/etc", "/usr", "/var", "/opt", "/root", "/home", "/srv"}

// private are folders that start empty on every host, whatever the real
// machine holds there, with their modes (etcd wants its data folder 0700).
var private = []struct {
	path string
	mode os.FileMode
}{
	{"/etc/kubernetes", 0o755},
	{"/etc/haproxy", 0o755},
	{"/etc/keepalived", 0o755},
	{"/var/lib/etcd", 0o700},
	{"/var/log/kubernetes", 0o755},
}

// New makes a lab: its work folder and the bridge namespace.
func New(opts Options) (*Lab, error) {
	if m := Missing(); len(m) > 0 {
		return nil, fmt.Errorf("simulated hosts need %s", strings.Join(m, "; "))
	}
	id := make([]byte, 3)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	l := &Lab{opts: opts, runID: hex.EncodeToString(id)[:5], spawn: spawn.New()}
	dir := opts.WorkDir
	if dir == "" {
		d, err := os.MkdirTemp("", "blueprint-rehearse-")
		if err != nil {
			return nil, err
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for _, o := range overlaid {
		if abs == o || strings.HasPrefix(abs, o+"/") {
			return nil, fmt.Errorf("work folder %s lies under %s, which every simulated host overlays with its own disk; choose one elsewhere (such as /tmp)", abs, o)
		}
	}
	l.dir = abs
	removeOnDeath := l.dir
	if opts.Keep {
		removeOnDeath = ""
	}
	b, err := l.newHolder(false, removeOnDeath)
	if err != nil {
		return nil, fmt.Errorf("bridge namespace: %w", err)
	}
	l.bridge = b
	// The bridge namespace takes no part in IP, not even with a link-local
	// IPv6 address: it only forwards frames between the hosts.
	for _, conf := range []string{"all", "default"} {
		if err := b.exec(false, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/"+conf+"/disable_ipv6"); err != nil {
			l.Close()
			return nil, err
		}
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "br0", "type", "bridge"},
		{"link", "set", "br0", "up"},
	} {
		if err := l.bridgeIP(args...); err != nil {
			l.Close()
			return nil, err
		}
	}
	l.logf("bridge br0 in namespace of process %d (run %s)", b.pid, l.runID)
	return l, nil
}

// Dir is the lab's work folder.
func (l *Lab) Dir() string { return l.dir }

// RunID names this lab's links: every link it makes on the bridge starts
// with "rh" and it.
func (l *Lab) RunID() string { return l.runID }

func (l *Lab) logf(format string, args ...any) {
	if l.opts.Log != nil {
		l.opts.Log(fmt.Sprintf(format, args...))
	}
}

// bridgeIP runs ip in the bridge namespace.
func (l *Lab) bridgeIP(args ...string) error {
	return l.bridge.exec(false, "ip", args...)
}

// holder is a process that keeps namespaces alive and leads the process
// group of everything that runs in them.
type holder struct {
	cmd  *exec.Cmd
	pid  int
	done chan struct{}
}

// holderScript waits forever; told to end (SIGTERM, which the kernel sends
// when this process dies), it kills its whole process group: every process
// of the host, grandchildren that a parent-death signal would miss included.
const holderScript = `trap 'kill -KILL 0' TERM; sleep infinity & wait`

// bridgeHolderScript is holderScript that first removes the work folder
// ($1): the bridge's holder shares this machine's mounts, and the hosts'
// processes, killed by their own holders at the same moment, are given a
// second to go before the folder is removed (twice, for a straggler's
// last writes).
const bridgeHolderScript = `trap 'sleep 1; rm -rf -- "$1"; sleep 1; rm -rf -- "$1"; kill -KILL 0' TERM; sleep infinity & wait`

// newHolder starts the holder in new namespaces: network always, mount and
// UTS too for a host. It leads a new process group and takes that group
// down with it when this process dies, removing removeOnDeath first if set.
func (l *Lab) newHolder(host bool, removeOnDeath string) (*holder, error) {
	args := []string{"--net"}
	if host {
		args = append(args, "--mount", "--uts", "--propagation", "private")
	}
	if removeOnDeath != "" {
		args = append(args, "--", "sh", "-c", bridgeHolderScript, "sh", removeOnDeath)
	} else {
		args = append(args, "--", "sh", "-c", holderScript)
	}
	cmd := exec.Command("unshare", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := l.start(cmd); err != nil {
		return nil, err
	}
	h := &holder{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{})}
	l.mu.Lock()
	l.pgids = append(l.pgids, h.pid)
	l.mu.Unlock()
	go func() { _ = cmd.Wait(); close(h.done) }()
	// unshare has made the namespaces once /proc/PID/ns/net differs from
	// ours, and set them up once it has exec'd the shell (whose trap is
	// set once its child, sleep, runs).
	self, _ := os.Readlink("/proc/self/ns/net")
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < 1000; i++ {
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", h.pid))
		if err == nil && ns != self && len(groupMembers(h.pid)) > 1 {
			return h, nil
		}
		select {
		case <-h.done:
			return nil, fmt.Errorf("unshare %s: %s", strings.Join(args, " "), strings.TrimSpace(stderr.String()))
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			break
		}
	}
	h.kill()
	return nil, fmt.Errorf("unshare did not make its namespaces within 10s")
}

// nsArgs are nsenter's arguments to enter the holder's namespaces.
func (h *holder) nsArgs(mount bool) []string {
	args := []string{fmt.Sprintf("--net=/proc/%d/ns/net", h.pid)}
	if mount {
		args = append(args, fmt.Sprintf("--mount=/proc/%d/ns/mnt", h.pid), fmt.Sprintf("--uts=/proc/%d/ns/uts", h.pid))
	}
	return args
}

// exec runs a program in the holder's namespaces (mount and UTS too when
// mount is set) and returns its error with what it printed.
func (h *holder) exec(mount bool, name string, args ...string) error {
	cmd := exec.Command("nsenter", append(append(h.nsArgs(mount), "--", name), args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// kill ends the holder's process group and waits, briefly, for the holder.
func (h *holder) kill() {
	_ = syscall.Kill(-h.pid, syscall.SIGKILL)
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
	}
}

func (l *Lab) start(cmd *exec.Cmd) error { return l.spawn.Start(cmd) }

// Close powers every host off, removes the bridge namespace and, unless
// keep is set, the work folder. It returns every failure to clean up.
func (l *Lab) Close() error { return l.close(false) }

// CloseKeep is Close that keeps the work folder (hosts' disks and logs).
func (l *Lab) CloseKeep() error { return l.close(true) }

func (l *Lab) close(keep bool) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	hosts := slices.Clone(l.hosts)
	l.mu.Unlock()
	var errs []error
	for _, h := range hosts {
		if err := h.PowerOff(); err != nil {
			errs = append(errs, err)
		}
	}
	if l.bridge != nil {
		l.bridge.kill()
	}
	if err := l.Leftovers(); err != nil {
		errs = append(errs, err)
	}
	l.spawn.Close()
	if !keep && l.dir != "" {
		if err := os.RemoveAll(l.dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Leftovers reports processes still alive in any process group the lab
// made, waiting up to ten seconds for the kernel to reap them.
func (l *Lab) Leftovers() error {
	l.mu.Lock()
	pgids := slices.Clone(l.pgids)
	l.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var alive []string
		for _, g := range pgids {
			if pids := groupMembers(g); len(pids) > 0 {
				alive = append(alive, fmt.Sprintf("group %d: %v", g, pids))
			}
		}
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes left after power-off: %s", strings.Join(alive, "; "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ProcessGroups returns every process group the lab made.
func (l *Lab) ProcessGroups() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.pgids)
}

// groupMembers lists the live (not zombie) processes of a process group.
func groupMembers(pgid int) []int {
	var out []int
	for _, p := range processes() {
		if p.pgid == pgid && p.state != "Z" {
			out = append(out, p.pid)
		}
	}
	return out
}

// Remain is a process in one of a lab's process groups.
type Remain struct {
	PID, PPID, PGID int
	// Zombie is set for a process that has ended and waits for its parent
	// (PPID) to collect its exit status: it runs nothing and holds nothing
	// but its process ID.
	Zombie bool
}

// Remains lists the processes, running or ended and not yet collected, in
// any of the process groups pgids (Report's, or a Lab's).
func Remains(pgids []int) []Remain {
	var out []Remain
	for _, p := range processes() {
		if slices.Contains(pgids, p.pgid) {
			out = append(out, Remain{PID: p.pid, PPID: p.ppid, PGID: p.pgid, Zombie: p.state == "Z"})
		}
	}
	return out
}

// procInfo is a process as /proc/PID/stat describes it.
type procInfo struct {
	pid, ppid, pgid int
	state           string
}

// processes lists every process of the machine.
func processes() []procInfo {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []procInfo
	for _, e := range entries {
		var p procInfo
		if _, err := fmt.Sscanf(e.Name(), "%d", &p.pid); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || len(s) < i+2 {
			continue
		}
		if _, err := fmt.Sscanf(s[i+2:], "%s %d %d", &p.state, &p.ppid, &p.pgid); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// withTimeout is ctx bounded by d.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, d)
}
