package verify

import (
	"context"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

var haproxyProgram = program{
	name:        "haproxy",
	versionArgs: []string{"-v"},
	versionRE:   regexp.MustCompile(`HAProxy version (\d+\.\d+\.\d+)`),
}

func checkHAProxy(ctx context.Context, v *verifier) ([]Check, string, error) {
	files := v.matching(func(p string) bool { return path.Base(p) == "haproxy.cfg" })
	if len(files) == 0 {
		return nil, "haproxy: nothing to check (no haproxy.cfg; the load balancer is external)", nil
	}
	const name = "haproxy -c"
	t := v.tool(ctx, haproxyProgram)
	var checks []Check
	for _, p := range files {
		c := v.run(ctx, t, p, name, nil, nil, "-c", "-f", filepath.Join(v.opts.Dir, filepath.FromSlash(p)))
		c.Output = dropNotices(c.Output)
		checks = append(checks, c)
	}
	return checks, "", nil
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
