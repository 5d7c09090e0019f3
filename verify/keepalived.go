package verify

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
)

var keepalivedProgram = program{
	name:        "keepalived",
	versionArgs: []string{"-v"},
	versionRE:   regexp.MustCompile(`Keepalived (v\d+\.\d+\.\d+)`),
	// keepalived -t refuses an interface that does not exist, and a network
	// namespace of its own would have only loopback, which it refuses too.
	// Its allow-list leaves it nothing that reaches the network.
	isolated: false,
	install:  "apt-get install keepalived (Debian), or scripts/install-validators.sh from a blueprint checkout",
}

var (
	interfaceRE = regexp.MustCompile(`(?m)^(\s*interface\s+)\S+`)
	devRE       = regexp.MustCompile(`(\sdev\s+)[^\s}]+`)
)

// standInScript is the check script keepalived -t is pointed at: written by
// verify, never taken from the tree. keepalived -t only checks that the
// script exists and is safe to run; nothing runs it.
const standInScript = "#!/bin/sh\n# Written by blueprint verify in place of the tree's check script.\nexit 0\n"

func isKeepalivedConf(p string) bool {
	return strings.HasPrefix(p, "loadbalancer/keepalived/") && strings.HasSuffix(p, ".conf")
}

// checkKeepalived runs `keepalived -t` on a copy of every keepalived config
// that holds only what blueprint writes (checkKeepalivedConfig), with this
// machine's interface and verify's own stand-in check script.
func checkKeepalived(ctx context.Context, v *verifier) ([]Check, string, error) {
	files := v.matching(isKeepalivedConf)
	if len(files) == 0 {
		return nil, "keepalived: nothing to check (no loadbalancer/keepalived/*.conf; the load balancer is external)", nil
	}
	const name = "keepalived -t"
	t := v.tool(ctx, keepalivedProgram)
	iface := v.opts.Interface
	var ifaceErr error
	if iface == "" && t.Missing == "" {
		iface, ifaceErr = hostInterface()
	}
	var checks []Check
	for _, p := range files {
		b, err := v.read(p)
		if err != nil {
			checks = append(checks, unreadable(t, p, name, err))
			continue
		}
		if why := checkKeepalivedConfig(p, b); len(why) > 0 {
			checks = append(checks, refused(t, p, name, why))
			continue
		}
		if t.Missing != "" {
			checks = append(checks, notRun(t, name, p)...)
			continue
		}
		if ifaceErr != nil {
			checks = append(checks, Check{Artifact: p, Name: name, Tool: t.Name, Version: t.Version, Result: NotRun, Reason: ifaceErr.Error()})
			continue
		}
		dir, err := v.private()
		if err != nil {
			return nil, "", err
		}
		script, err := put(dir, "check_apiserver.sh", []byte(standInScript), 0o700)
		if err != nil {
			return nil, "", err
		}
		conf := interfaceRE.ReplaceAllString(string(b), "${1}"+iface)
		conf = devRE.ReplaceAllString(conf, "${1}"+iface)
		conf = strings.ReplaceAll(conf, keepalivedScriptLine, `script "`+script+`"`)
		copyPath, err := put(dir, p, []byte(conf), 0o600)
		if err != nil {
			return nil, "", err
		}
		// A clean config prints nothing; as in the test suite, any output fails.
		checks = append(checks, v.run(ctx, t, dir, p, name, nil, func(out string) bool { return out == "" }, "-t", "-f", copyPath))
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
