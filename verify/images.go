package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/blueprint-dev/blueprint/render"
)

// Scanning the tree's images (Options.Images, `blueprint verify --images`)
//
// This is the one check that reaches the network: trivy pulls each image's
// layers from its registry and its vulnerability database from the
// internet. So it is opt-in, and verify hands trivy only references that
// pass two gates: the reference has the form blueprint writes (a host, a
// path, a tag and/or a sha256 digest; nothing trivy could read as a flag,
// a local file or an archive), and its registry is one the spec allows, as
// images.txt records them ("# allowed registries: …", the registries of
// blueprint's own images and images { allowed_registries }). An image from
// any other registry, which only an edit of the tree can put there, is a
// failed check and is never pulled.

var trivyProgram = program{
	name:        "trivy",
	versionArgs: []string{"--version"},
	versionRE:   regexp.MustCompile(`(?m)^Version:\s*(\S+)`),
	install:     "install trivy (Aqua Security's scanner, v0.60 or later); it needs the network to fetch its vulnerability database and the images",
}

// scanRefRE is an image reference as blueprint writes one, fully qualified.
var scanRefRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$`)

// imageFieldRE finds the image of a container in a YAML file.
var imageFieldRE = regexp.MustCompile(`^\s*(?:-\s+)?image:\s*"?([^"\s]*)"?\s*$`)

// offlineRE recognises trivy failing for want of a network.
var offlineRE = regexp.MustCompile(`(?i)(dial tcp|no such host|network is unreachable|connection refused|i/o timeout|TLS handshake timeout|failed to download vulnerability DB|DB download error|context deadline exceeded)`)

// treeImages returns every image the tree names: the image fields of its
// YAML files and the lines of images.txt, each with the first file that
// names it.
func (v *verifier) treeImages() ([]string, map[string]string) {
	where := map[string]string{}
	for _, p := range v.tree.paths {
		b, ok := v.tree.files[p]
		if !ok {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			var ref string
			switch {
			case p == "images.txt":
				if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
					ref = l
				}
			case strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"):
				if m := imageFieldRE.FindStringSubmatch(line); m != nil {
					ref = m[1]
				}
			}
			if _, seen := where[ref]; ref != "" && !seen {
				where[ref] = p
			}
		}
	}
	refs := make([]string, 0, len(where))
	for r := range where {
		refs = append(refs, r)
	}
	slices.Sort(refs)
	return refs, where
}

// allowedRegistries reads the registries the spec allows from images.txt.
func (v *verifier) allowedRegistries() []string {
	for _, line := range strings.Split(string(v.tree.files["images.txt"]), "\n") {
		if rest, ok := strings.CutPrefix(line, "# "+render.AllowedRegistriesPrefix); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

// underRegistry reports whether ref lies below one of the registries.
func underRegistry(ref string, registries []string) bool {
	for _, r := range registries {
		if strings.HasPrefix(ref, r+"/") {
			return true
		}
	}
	return false
}

func checkImages(ctx context.Context, v *verifier) ([]Check, string, error) {
	if !v.opts.Images {
		return nil, "", nil
	}
	const name = "trivy image"
	refs, where := v.treeImages()
	if len(refs) == 0 {
		return nil, "trivy: no images in this tree to scan", nil
	}
	allowed := v.allowedRegistries()
	t := v.tool(ctx, trivyProgram)
	var dir string // one folder for every scan: trivy's cache and database
	var checks []Check
	for _, ref := range refs {
		artifact := where[ref] + ": " + ref
		switch {
		case !scanRefRE.MatchString(ref):
			checks = append(checks, Check{Artifact: artifact, Name: name, Tool: t.Name, Version: t.Version, Result: Failed,
				Output: "verify did not scan it: not a fully qualified image reference as blueprint writes them"})
			continue
		case !underRegistry(ref, allowed):
			why := "images.txt records no allowed registries (render the tree again with this blueprint)"
			if len(allowed) > 0 {
				why = "the spec allows only " + strings.Join(allowed, ", ")
			}
			checks = append(checks, Check{Artifact: artifact, Name: name, Tool: t.Name, Version: t.Version, Result: Failed,
				Output: "refused, never pulled: its registry is not one the spec allows; " + why})
			continue
		case t.Missing != "":
			checks = append(checks, notRun(t, name, artifact)...)
			continue
		}
		if dir == "" {
			var err error
			if dir, err = v.private(); err != nil {
				return nil, "", err
			}
		}
		checks = append(checks, v.scan(ctx, t, dir, artifact, ref))
	}
	return checks, "", nil
}

// trivyReport is the part of `trivy image --format json` verify reads.
type trivyReport struct {
	Results []struct {
		Vulnerabilities []struct {
			Severity string
		}
	}
}

// scan runs trivy on one image and counts its HIGH and CRITICAL
// vulnerabilities: a CRITICAL one fails the check.
func (v *verifier) scan(ctx context.Context, t *Tool, dir, artifact, ref string) Check {
	c := Check{Artifact: artifact, Name: "trivy image", Tool: t.Name, Version: t.Version}
	out, err := v.command(ctx, false, dir, []string{"TRIVY_CACHE_DIR=" + dir + "/cache"}, t.Path,
		"image", "--quiet", "--format", "json", "--scanners", "vuln", "--severity", "HIGH,CRITICAL", "--", ref)
	var notRunErr errNotRun
	switch {
	case errors.As(err, &notRunErr):
		c.Result, c.Reason = NotRun, fmt.Sprintf("%s could not be started: %v", t.Path, err)
		return c
	case err != nil && offlineRE.MatchString(out):
		c.Result, c.Reason = NotRun, "no network: trivy could not reach the registry or its vulnerability database"
		return c
	case err != nil:
		c.Result, c.Output = Failed, strings.TrimSpace(out)
		return c
	}
	var rep trivyReport
	start := strings.Index(out, "{")
	if start < 0 || json.Unmarshal([]byte(out[start:]), &rep) != nil {
		c.Result, c.Output = Failed, "trivy printed no JSON report:\n"+strings.TrimSpace(out)
		return c
	}
	counts := map[string]int{}
	for _, r := range rep.Results {
		for _, vuln := range r.Vulnerabilities {
			counts[vuln.Severity]++
		}
	}
	c.Result = Passed
	if counts["CRITICAL"] > 0 {
		c.Result = Failed
	}
	c.Output = fmt.Sprintf("HIGH %d, CRITICAL %d", counts["HIGH"], counts["CRITICAL"])
	return c
}
