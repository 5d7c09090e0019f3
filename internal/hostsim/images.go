package hostsim

import (
	"fmt"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// HAProxyConnLimit is the `-n` the runner gives HAProxy: the open-files
// hard limit of the machines blueprint is tested on is 20,000 and cannot be
// raised, and HAProxy asks for about twice its maxconn (20,000 in the
// rendered haproxy.cfg) before it starts.
const HAProxyConnLimit = 4096

// Program is what the runner runs for a container image: a program of this
// machine in place of the image, started as the image's entrypoint would
// start the image's own.
type Program struct {
	Image   string // the reference the manifest gives
	Name    string // the image's name: its last path element, without tag
	Tag     string
	Path    string // the program on this machine
	Version string // what the program says its version is
	// Note says how the program differs from the image's, when it does.
	Note string
	argv func(command, args []string) ([]string, error)
}

// Argv is the command line the image would run for a container with
// this command and args (Kubernetes' rules: command replaces the image's
// entrypoint, args its default arguments), with this machine's program.
func (p *Program) Argv(command, args []string) ([]string, error) { return p.argv(command, args) }

// Images maps container images to programs of this machine.
type Images struct {
	ToolDirs []string // searched before controlplane.ToolDirs

	mu       sync.Mutex
	versions map[string]string
}

var k8sVersion = regexp.MustCompile(`v\d+\.\d+\.\d+`)

// Resolve returns the program that stands in for image, or says why there
// is none: an image it does not know, or a program of another version.
func (im *Images) Resolve(image string) (*Program, error) {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	name, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i+1:]
	}
	name = name[strings.LastIndex(name, "/")+1:]
	p := &Program{Image: image, Name: name, Tag: tag}
	var err error
	switch name {
	case "kube-apiserver", "kube-controller-manager", "kube-scheduler":
		if p.Path, p.Version, err = im.program(name, "--version"); err != nil {
			return nil, err
		}
		p.Version = k8sVersion.FindString(p.Version)
		if p.Version != tag {
			return nil, fmt.Errorf("image %s needs %s %s; this machine has %s at %s (scripts/install-validators.sh builds the version the examples use)", image, name, tag, p.Version, p.Path)
		}
		p.argv = named(name, p.Path)
	case "etcd":
		if p.Path, p.Version, err = im.program("etcd", "--version"); err != nil {
			return nil, err
		}
		p.Version = strings.TrimSpace(strings.TrimPrefix(strings.SplitN(p.Version, "\n", 2)[0], "etcd Version:"))
		want := strings.SplitN(tag, "-", 2)[0]
		if minor(p.Version) != minor(want) {
			return nil, fmt.Errorf("image %s needs etcd %s; this machine has %s at %s (scripts/install-etcd.sh builds it)", image, want, p.Version, p.Path)
		}
		if p.Version != want {
			p.Note = fmt.Sprintf("etcd %s of this machine instead of the image's %s (same minor release)", p.Version, want)
		}
		// The image holds etcd, etcdctl and etcdutl in /usr/local/bin.
		p.argv = func(command, args []string) ([]string, error) {
			if len(command) == 0 {
				return nil, fmt.Errorf("image %s: a container without a command", image)
			}
			switch base := path.Base(command[0]); base {
			case "etcd":
				return append(append([]string{p.Path}, command[1:]...), args...), nil
			case "etcdctl", "etcdutl":
				tool, err := controlplane.FindTool(base, im.ToolDirs...)
				if err != nil {
					return nil, fmt.Errorf("%s is not installed (scripts/install-etcd.sh)", base)
				}
				return append(append([]string{tool}, command[1:]...), args...), nil
			default:
				return nil, fmt.Errorf("image %s: the container runs %q, which the stand-in for the image does not have", image, command[0])
			}
		}
	case "busybox":
		if p.Path, p.Version, err = im.program("busybox", "--help"); err != nil {
			return nil, err
		}
		p.Version = strings.TrimPrefix(field(p.Version, 1), "v") // "BusyBox v1.35.0 (…)"
		p.Note = fmt.Sprintf("BusyBox %s of this machine instead of the image's %s", p.Version, tag)
		p.argv = func(command, args []string) ([]string, error) {
			argv := append(append([]string{}, command...), args...)
			if len(argv) == 0 {
				argv = []string{"sh"}
			}
			// Every program of the image is an applet of busybox.
			return append([]string{p.Path, path.Base(argv[0])}, argv[1:]...), nil
		}
	case "haproxy":
		if p.Path, p.Version, err = im.program("haproxy", "-v"); err != nil {
			return nil, err
		}
		p.Version = field(p.Version, 2) // "HAProxy version 2.6.12-1+deb12u4 …"
		p.Note = fmt.Sprintf("HAProxy %s of this machine instead of the image's %s, with -n %d (this machine's open-files limit)", p.Version, tag, HAProxyConnLimit)
		p.argv = func(command, args []string) ([]string, error) {
			argv := append(append([]string{}, command...), args...)
			if len(command) == 0 {
				// The image's docker-entrypoint.sh: arguments that start
				// with "-" are haproxy's; haproxy runs as master-worker
				// (-W) in the foreground (-db). Its default CMD is
				// haproxy -f /usr/local/etc/haproxy/haproxy.cfg.
				if len(args) == 0 {
					argv = []string{"haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"}
				}
				if strings.HasPrefix(argv[0], "-") {
					argv = append([]string{"haproxy"}, argv...)
				}
				if argv[0] == "haproxy" {
					argv = append([]string{"haproxy", "-W", "-db"}, argv[1:]...)
				}
			}
			if argv[0] != "haproxy" {
				return nil, fmt.Errorf("image %s: the container runs %q, which the stand-in for the image does not have", image, argv[0])
			}
			return append(append([]string{p.Path}, argv[1:]...), "-n", fmt.Sprint(HAProxyConnLimit)), nil
		}
	case "keepalived":
		if p.Path, p.Version, err = im.program("keepalived", "-v"); err != nil {
			return nil, err
		}
		p.Version = strings.TrimPrefix(field(p.Version, 1), "v") // "Keepalived v2.2.7 (…)"
		p.Note = fmt.Sprintf("keepalived %s of this machine instead of the image's %s", p.Version, tag)
		p.argv = func(command, args []string) ([]string, error) {
			if len(command) > 0 || len(args) > 0 {
				return nil, fmt.Errorf("image %s: the stand-in runs only the image's own command (its process.sh), not %q", image, append(command, args...))
			}
			// osixia/keepalived's service/keepalived/process.sh, with the
			// image's default KEEPALIVED_COMMAND_LINE_ARGUMENTS.
			return []string{p.Path, "-f", "/usr/local/etc/keepalived/keepalived.conf", "--dont-fork", "--log-console", "--log-detail", "--dump-conf"}, nil
		}
	default:
		return nil, fmt.Errorf("image %s: no program of this machine stands in for it (known: kube-apiserver, kube-controller-manager, kube-scheduler, etcd, haproxy, keepalived, busybox)", image)
	}
	return p, nil
}

// named runs the image's program by name: the container's command must
// start with it, as kubeadm's manifests do.
func named(name, path string) func(command, args []string) ([]string, error) {
	return func(command, args []string) ([]string, error) {
		if len(command) == 0 || command[0] != name && !strings.HasSuffix(command[0], "/"+name) {
			return nil, fmt.Errorf("the container's command %q does not start with %s, the only program the stand-in for its image has", command, name)
		}
		return append(append([]string{path}, command[1:]...), args...), nil
	}
}

// program finds a program and what it prints for its version.
func (im *Images) program(name, versionFlag string) (string, string, error) {
	path, err := controlplane.FindTool(name, im.ToolDirs...)
	if err != nil {
		how := "scripts/install-validators.sh " + name
		switch name {
		case "etcd":
			how = "scripts/install-etcd.sh"
		case "haproxy", "keepalived", "busybox":
			how = "apt-get install " + name
		}
		return "", "", fmt.Errorf("%s is not installed (%s)", name, how)
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	if v, ok := im.versions[path]; ok {
		return path, v, nil
	}
	out, err := exec.Command(path, versionFlag).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "", "", fmt.Errorf("%s %s: %v", path, versionFlag, err)
	}
	if im.versions == nil {
		im.versions = map[string]string{}
	}
	im.versions[path] = strings.TrimSpace(string(out))
	return path, im.versions[path], nil
}

// field is the n-th word of the first line of s, or "?".
func field(s string, n int) string {
	f := strings.Fields(strings.SplitN(s, "\n", 2)[0])
	if n < len(f) {
		return f[n]
	}
	return "?"
}

// minor is "3.7" of "3.7.3".
func minor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}
