package verify

import (
	"path"
	"slices"

	"github.com/blueprint-dev/blueprint/internal/kustomizeguard"
)

// Refusals returns what verify would refuse in a tree held in memory
// (slash-separated path → content), before running any program: one line
// per directive, field or reference that blueprint never writes, as the
// checks report them. A tree blueprint rendered has none; tests use this
// to hold the allow-lists to everything the templates can produce.
func Refusals(files map[string][]byte) []string {
	t := &tree{files: files}
	for p := range files {
		t.paths = append(t.paths, p)
	}
	slices.Sort(t.paths)
	v := &verifier{tree: t}
	var out []string
	for _, p := range t.paths {
		b := files[p]
		switch {
		case path.Base(p) == "haproxy.cfg":
			out = append(out, checkHAProxyConfig(p, b)...)
		case isKeepalivedConf(p):
			out = append(out, checkKeepalivedConfig(p, b)...)
		case isKubeadmConfig(p):
			out = append(out, checkKubeadmConfig(p, Fill(b))...)
		}
	}
	for _, f := range v.prometheusFiles() {
		if !f.rules {
			data := f.data
			if data == nil {
				data = files[f.copyAs]
			}
			out = append(out, checkPrometheusConfig(f.artifact, data)...)
		}
	}
	for _, f := range kustomizeguard.Scan(files) {
		out = append(out, f.String())
	}
	return out
}
