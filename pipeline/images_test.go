package pipeline_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// TestImagesBlockRewritesEveryImage renders each example with a registry
// mirror and one override, and checks that every container of every
// workload and static pod runs from the mirror (or the override), and
// that images.txt lists exactly what runs.
func TestImagesBlockRewritesEveryImage(t *testing.T) {
	const mirror = "mirror.example.internal:5000/dp"
	const grafana = "mirror.example.internal:5000/custom/grafana:12.2.1-patched"
	for _, ex := range examples(t) {
		src, err := os.ReadFile(ex.path)
		if err != nil {
			t.Fatal(err)
		}
		mirrorAttrs := `
  registry  = "` + mirror + `"
  overrides = { grafana = "` + grafana + `" }
`
		if bytes.Contains(src, []byte("\nimages {")) {
			// An example's own mirror and overrides (and the lock file,
			// which pins the example's mirror) give way to the test's.
			src = regexp.MustCompile(`(?m)^  (registry|overrides) +=.*\n`).ReplaceAll(unlocked(src), nil)
			src = bytes.Replace(src, []byte("\nimages {"), []byte("\nimages {"+mirrorAttrs), 1)
		} else {
			src = append(src, []byte("\nimages {"+mirrorAttrs+"}\n")...)
		}
		_, tree, diags, err := renderLoaded(spec.NewLoader().LoadSource(ex.path, src, spec.Options{}))
		if diags.HasErrors() {
			t.Fatalf("%s with an images block: %v", ex.name, diags)
		}
		if err != nil {
			t.Fatal(err)
		}
		running := map[string]bool{}
		check := func(where string, pod *corev1.PodSpec) {
			for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
				running[c.Image] = true
				if !strings.HasPrefix(c.Image, mirror+"/") && c.Image != grafana {
					t.Errorf("%s: %s container %s runs %s, not from the mirror", ex.name, where, c.Name, c.Image)
				}
			}
		}
		for _, p := range tree.Paths() {
			if strings.HasPrefix(p, "loadbalancer/static-pods/") {
				var pod corev1.Pod
				if err := yaml.Unmarshal(tree[p], &pod); err != nil {
					t.Fatal(err)
				}
				check(p, &pod.Spec)
			}
		}
		if dirs := render.KustomizationDirs(tree); len(dirs) > 0 {
			built, err := render.BuildKustomizations(tree, []string{"manifests"})
			if err != nil {
				t.Fatal(err)
			}
			objs, err := manifest.Decode(built["manifests"])
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				if tmpl, _ := manifest.PodTemplate(o.Object); tmpl != nil {
					check(o.String(), &tmpl.Spec)
				}
				// The Strimzi operator makes the Kafka pods (the image its
				// STRIMZI_KAFKA_IMAGES names for the Kafka version, the init
				// container's) and the exporter's from its environment.
				if tmpl, _ := manifest.PodTemplate(o.Object); tmpl != nil && o.GVK.Kind == "Deployment" {
					for _, c := range tmpl.Spec.Containers {
						for _, e := range c.Env {
							var imgs []string
							switch e.Name {
							case "STRIMZI_DEFAULT_KAFKA_INIT_IMAGE", "STRIMZI_DEFAULT_KAFKA_EXPORTER_IMAGE":
								imgs = []string{e.Value}
							case "STRIMZI_KAFKA_IMAGES":
								for _, line := range strings.Fields(e.Value) {
									if v, img, _ := strings.Cut(line, "="); v == spec.StrimziKafkaVersion {
										imgs = append(imgs, img)
									}
								}
							}
							for _, img := range imgs {
								check(o.String()+" (the pods it makes, "+e.Name+")", &corev1.PodSpec{Containers: []corev1.Container{{Name: "kafka", Image: img}}})
							}
						}
					}
				}
				// The Trivy Operator's scan jobs run the image its
				// ConfigMap names (repository and tag, joined by ":").
				if cm, ok := o.Object.(*corev1.ConfigMap); ok && cm.Data["trivy.repository"] != "" {
					check(o.String()+" (the scan jobs)", &corev1.PodSpec{Containers: []corev1.Container{
						{Name: "trivy", Image: cm.Data["trivy.repository"] + ":" + cm.Data["trivy.tag"]}}})
				}
			}
		}
		listed := map[string]bool{}
		for _, line := range bytes.Split(tree["images.txt"], []byte("\n")) {
			if l := string(bytes.TrimSpace(line)); l != "" && !strings.HasPrefix(l, "#") {
				listed[l] = true
			}
		}
		for img := range running {
			if !listed[img] {
				t.Errorf("%s: %s runs but images.txt does not list it", ex.name, img)
			}
		}
		for img := range listed {
			if !running[img] && !strings.Contains(img, "spark") {
				t.Errorf("%s: images.txt lists %s, which nothing runs", ex.name, img)
			}
		}
	}
}
