package hostsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// containerEnv carries a container's description to this program re-run
// inside the container's mount namespace (see init).
const containerEnv = "BLUEPRINT_HOSTSIM_CONTAINER"

// ContainerSpec is what a container runtime would set up around a program:
// mounts of host paths at container paths, and the user it runs as.
type ContainerSpec struct {
	Mounts []Mount
	UID    *int64 // runAsUser; nil keeps root
	GID    *int64 // runAsGroup; nil means UID's
}

// Mount is one host path seen at a container path.
type Mount struct {
	Source   string // on the host
	Target   string // in the container
	ReadOnly bool
	// Type is the hostPath type: DirectoryOrCreate and FileOrCreate make
	// Source if missing, Directory, File, Socket, CharDevice and
	// BlockDevice require it to be one, "" makes a missing Source a folder
	// (as container runtimes do).
	Type string
}

// containerSpec is the whole description handed to the re-run program.
type containerSpec struct {
	ContainerSpec
	Path string
	Args []string
	Env  []string
	Dir  string
}

// containerCommand runs this program again, in a mount namespace of its
// own inside the host's, to set up the container's mounts and exec the
// container's program (so no shell quoting stands between the manifest
// and the program). /proc/PID/exe names this program even where the host's
// mounts hide its path.
func (h *Host) containerCommand(e Exec, env []string) (*exec.Cmd, error) {
	dir := e.Dir
	if dir == "" {
		dir = "/"
	}
	spec, err := json.Marshal(containerSpec{ContainerSpec: *e.Container, Path: e.Path, Args: e.Args, Env: env, Dir: dir})
	if err != nil {
		return nil, err
	}
	cmd, err := h.command("unshare", "--mount", "--propagation", "private", "--", fmt.Sprintf("/proc/%d/exe", os.Getpid()))
	if err != nil {
		return nil, err
	}
	cmd.Env = []string{containerEnv + "=" + string(spec)}
	return cmd, nil
}

func init() {
	if spec, ok := os.LookupEnv(containerEnv); ok {
		err := containerMain(spec)
		fmt.Fprintf(os.Stderr, "blueprint container setup: %v\n", err)
		os.Exit(127)
	}
}

// containerMain mounts each volume at its container path and execs the
// program; it returns only on failure.
func containerMain(raw string) error {
	var c containerSpec
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return err
	}
	for _, m := range c.Mounts {
		if err := bindMount(m); err != nil {
			return fmt.Errorf("mounting %s at %s: %w", m.Source, m.Target, err)
		}
	}
	if err := os.Chdir(c.Dir); err != nil {
		return err
	}
	if c.UID != nil {
		gid := *c.UID
		if c.GID != nil {
			gid = *c.GID
		}
		if err := syscall.Setgroups(nil); err != nil {
			return err
		}
		if err := syscall.Setresgid(int(gid), int(gid), int(gid)); err != nil {
			return err
		}
		if err := syscall.Setresuid(int(*c.UID), int(*c.UID), int(*c.UID)); err != nil {
			return err
		}
		// Changing the user cleared the parent-death signal.
		if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0); err != nil {
			return err
		}
	}
	path := c.Path
	if !strings.Contains(path, "/") {
		p, err := lookPath(path, c.Env)
		if err != nil {
			return err
		}
		path = p
	}
	return syscall.Exec(path, append([]string{c.Path}, c.Args...), c.Env)
}

// lookPath finds a program in the PATH of env, as a container's would.
func lookPath(name string, env []string) (string, error) {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, d := range filepath.SplitList(v) {
				p := filepath.Join(d, name)
				if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
					return p, nil
				}
			}
		}
	}
	return "", fmt.Errorf("%s: not found in the container's PATH", name)
}

// bindMount makes Source visible at Target, creating the mount point (a
// folder or an empty file, like Source) when it is missing.
func bindMount(m Mount) error {
	if err := hostPathType(m.Source, m.Type); err != nil {
		return err
	}
	src, err := os.Stat(m.Source)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(m.Target); errors.Is(err, os.ErrNotExist) {
		if src.IsDir() {
			err = os.MkdirAll(m.Target, 0o755)
		} else {
			if err = os.MkdirAll(filepath.Dir(m.Target), 0o755); err == nil {
				var f *os.File
				if f, err = os.OpenFile(m.Target, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
					err = f.Close()
				}
			}
		}
		if err != nil {
			return err
		}
	}
	if filepath.Clean(m.Source) != filepath.Clean(m.Target) {
		if err := unix.Mount(m.Source, m.Target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return err
		}
	} else if !m.ReadOnly {
		return nil
	} else if err := unix.Mount(m.Source, m.Target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if m.ReadOnly {
		return unix.Mount("", m.Target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, "")
	}
	return nil
}

// hostPathType applies a hostPath volume's type to its path, as the
// kubelet does before it starts the container.
func hostPathType(path, typ string) error {
	info, err := os.Stat(path)
	missing := errors.Is(err, os.ErrNotExist)
	if err != nil && !missing {
		return err
	}
	switch typ {
	case "", "DirectoryOrCreate":
		if missing {
			return os.MkdirAll(path, 0o755)
		}
	case "FileOrCreate":
		if missing {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
	case "Directory", "File", "Socket", "CharDevice", "BlockDevice":
		if missing {
			return fmt.Errorf("hostPath type check failed: %s does not exist", path)
		}
		want := map[string]os.FileMode{"Directory": os.ModeDir, "File": 0, "Socket": os.ModeSocket,
			"CharDevice": os.ModeDevice | os.ModeCharDevice, "BlockDevice": os.ModeDevice}[typ]
		if info.Mode().Type() != want {
			return fmt.Errorf("hostPath type check failed: %s is not a %s", path, typ)
		}
	default:
		return fmt.Errorf("unknown hostPath type %q", typ)
	}
	return nil
}
