package verify

import (
	"context"
	"path"
	"regexp"
	"strings"
)

var haproxyProgram = program{
	name:        "haproxy",
	versionArgs: []string{"-v"},
	versionRE:   regexp.MustCompile(`HAProxy version (\d+\.\d+\.\d+)`),
	isolated:    true,
	install:     "apt-get install haproxy (Debian), or scripts/install-validators.sh from a blueprint checkout",
}

// checkHAProxy runs `haproxy -c` on a copy of every haproxy.cfg that holds
// only what blueprint writes (checkHAProxyConfig).
func checkHAProxy(ctx context.Context, v *verifier) ([]Check, string, error) {
	files := v.matching(func(p string) bool { return path.Base(p) == "haproxy.cfg" })
	if len(files) == 0 {
		return nil, "haproxy: nothing to check (no haproxy.cfg; the load balancer is external)", nil
	}
	const name = "haproxy -c"
	t := v.tool(ctx, haproxyProgram)
	var checks []Check
	for _, p := range files {
		b, err := v.read(p)
		if err != nil {
			checks = append(checks, unreadable(t, p, name, err))
			continue
		}
		if why := checkHAProxyConfig(p, b); len(why) > 0 {
			checks = append(checks, refused(t, p, name, why))
			continue
		}
		dir, err := v.private()
		if err != nil {
			return nil, "", err
		}
		copyPath, err := put(dir, p, unnamedServers(b), 0o600)
		if err != nil {
			return nil, "", err
		}
		c := v.run(ctx, t, dir, p, name, nil, nil, "-c", "-f", copyPath)
		c.Output = dropNotices(c.Output)
		checks = append(checks, c)
	}
	return checks, "", nil
}

// unnamedServers returns cfg with the DNS name of every server replaced by
// 127.0.0.1, line for line: blueprint names an API server by DNS where the
// spec does, and haproxy resolves such names when it reads the file, so
// the copy verify checks names none. The allow-list has already accepted
// only names of validate's form there.
func unnamedServers(cfg []byte) []byte {
	lines := strings.Split(string(cfg), "\n")
	for i, line := range lines {
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[0] != "server" || !isDNSHostPort(fields[2]) {
			continue
		}
		_, port, _ := strings.Cut(fields[2], ":")
		lines[i] = strings.Replace(line, fields[2], "127.0.0.1:"+port, 1)
	}
	return []byte(strings.Join(lines, "\n"))
}

// dropNotices removes haproxy's [NOTICE] lines (its version and path), which
// say nothing about the file.
func dropNotices(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, "[NOTICE]") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
