package verify

import (
	"context"
	"errors"
	"net"
	"path"
	"regexp"
	"strings"
)

var keepalivedProgram = program{
	name:        "keepalived",
	versionArgs: []string{"-v"},
	versionRE:   regexp.MustCompile(`Keepalived (v\d+\.\d+\.\d+)`),
}

var (
	interfaceRE = regexp.MustCompile(`(?m)^(\s*interface\s+)\S+`)
	devRE       = regexp.MustCompile(`(\sdev\s+)[^\s}]+`)
	scriptRE    = regexp.MustCompile(`(?m)^(\s*script\s+")([^"\s]+)`)
)

func isKeepalivedConf(p string) bool {
	return strings.HasPrefix(p, "loadbalancer/keepalived/") && strings.HasSuffix(p, ".conf")
}

func checkKeepalived(ctx context.Context, v *verifier) ([]Check, string, error) {
	files := v.matching(isKeepalivedConf)
	if len(files) == 0 {
		return nil, "keepalived: nothing to check (no loadbalancer/keepalived/*.conf; the load balancer is external)", nil
	}
	const name = "keepalived -t"
	t := v.tool(ctx, keepalivedProgram)
	if t.Missing != "" {
		return notRun(t, name, files...), "", nil
	}
	iface := v.opts.Interface
	if iface == "" {
		var err error
		if iface, err = hostInterface(); err != nil {
			var checks []Check
			for _, p := range files {
				checks = append(checks, Check{Artifact: p, Name: name, Tool: t.Name, Version: t.Version, Result: NotRun, Reason: err.Error()})
			}
			return checks, "", nil
		}
	}
	// The scripts a config may track, as copies keepalived can run.
	scripts := map[string]string{}
	for _, p := range v.matching(func(p string) bool { return path.Dir(p) == "loadbalancer" && strings.HasSuffix(p, ".sh") }) {
		b, err := v.read(p)
		if err != nil {
			return nil, "", err
		}
		copyPath, err := v.copyTo(p, b, 0o755)
		if err != nil {
			return nil, "", err
		}
		scripts[path.Base(p)] = copyPath
	}
	var checks []Check
	for _, p := range files {
		b, err := v.read(p)
		if err != nil {
			return nil, "", err
		}
		conf := interfaceRE.ReplaceAllString(string(b), "${1}"+iface)
		conf = devRE.ReplaceAllString(conf, "${1}"+iface)
		conf = scriptRE.ReplaceAllStringFunc(conf, func(m string) string {
			sub := scriptRE.FindStringSubmatch(m)
			if copyPath, ok := scripts[path.Base(sub[2])]; ok {
				return sub[1] + copyPath
			}
			return m
		})
		copyPath, err := v.copyTo(p, []byte(conf), 0o644)
		if err != nil {
			return nil, "", err
		}
		// A clean config prints nothing; as in the test suite, any output fails.
		checks = append(checks, v.run(ctx, t, p, name, nil, func(out string) bool { return out == "" }, "-t", "-f", copyPath))
	}
	return checks, "", nil
}

// hostInterface returns this machine's first non-loopback interface that is
// up: keepalived -t refuses an interface that does not exist, and loopback.
func hostInterface() (string, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, i := range ifaces {
		if i.Flags&net.FlagLoopback == 0 && i.Flags&net.FlagUp != 0 {
			return i.Name, nil
		}
	}
	return "", errors.New("keepalived needs a network interface that is up, other than loopback, and this machine has none (or pass --interface)")
}
