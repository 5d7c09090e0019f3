package pipeline_test

import (
	"bytes"
	"os"
	"regexp"
	"slices"
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
// that images.txt lists exactly what runs. What runs includes the pods the
// tree's operators and Spark jobs make at run time, with the images read
// where their makers take them (madePods): an image listed that nobody
// runs, or one they run that the mirror or images.txt misses, fails for
// either engine of each service.
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
			}
			for _, m := range madePods(t, objs) {
				check(m.by, &m.spec)
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
			if !running[img] {
				t.Errorf("%s: images.txt lists %s, which nothing runs", ex.name, img)
			}
		}
	}
}

// madePod is a pod that is not in the tree but that something in it makes
// at run time (an operator from a custom resource or its own settings,
// spark-submit from a job's configuration), with the images it runs.
type madePod struct {
	by   string // what makes it, from which object
	spec corev1.PodSpec
}

// unsetImage stands for an image a maker picks by itself because the tree
// names none: the maker's built-in default, which no images block rewrites
// and no images.txt lists, so the test reports it.
func unsetImage(what string) string { return "(unset: " + what + ")" }

// madePods returns the pods the operators of the tree make and the images
// each runs, read where the maker takes them:
//   - Strimzi: the Kafka pods run the image STRIMZI_KAFKA_IMAGES names
//     for the Kafka version, their init container and the exporter the
//     images of STRIMZI_DEFAULT_KAFKA_INIT_IMAGE and
//     STRIMZI_DEFAULT_KAFKA_EXPORTER_IMAGE (the operator's environment);
//   - the Trivy Operator's scan jobs: repository and tag of its ConfigMap;
//   - prometheus-operator v0.85.0 (pkg/operator/image.go BuildImagePath,
//     pkg/alertmanager/statefulset.go, pkg/prometheus/common.go): the main
//     container of a Prometheus or Alertmanager runs spec.image (else the
//     operator's default base image), the config-reloader and
//     init-config-reloader containers the image of the operator's
//     --prometheus-config-reloader flag (else its own release's), a Thanos
//     sidecar spec.thanos.image; spec.containers and spec.initContainers
//     are merged over these by name;
//   - ECK 3.5.0 (pkg/controller/common/defaults/pod_template.go): the main
//     container of an Elasticsearch node set or a Kibana runs the image its
//     podTemplate's container sets, else spec.image (else the operator's
//     default registry and version); the init containers it adds, and the
//     podTemplate's without an image, inherit the main container's;
//   - the Spark job's driver and executors: for blueprint's own engine the
//     spark.kubernetes[.driver|.executor].container.image of the
//     spark-defaults.conf the jobs mount; for the Spark operator 2.5.2 the
//     spec.driver.image / spec.executor.image, else spec.image, of the
//     SparkApplication templates (internal/controller/sparkapplication/
//     submission.go passes them to spark-submit).
func madePods(t *testing.T, objs []manifest.Object) []madePod {
	t.Helper()
	var out []madePod
	pod := func(by string, containers ...corev1.Container) {
		out = append(out, madePod{by: by, spec: corev1.PodSpec{Containers: containers}})
	}
	unmarshal := func(o manifest.Object, into any) {
		if err := yaml.Unmarshal(o.Raw, into); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
	}
	// The config reloader's image is the operator's flag.
	reloader := unsetImage("prometheus-operator's --prometheus-config-reloader flag, its built-in default")
	for _, o := range objs {
		tmpl, _ := manifest.PodTemplate(o.Object)
		if tmpl == nil || o.GVK.Kind != "Deployment" {
			continue
		}
		for _, c := range tmpl.Spec.Containers {
			for _, a := range c.Args {
				if img, ok := strings.CutPrefix(a, "--prometheus-config-reloader="); ok {
					reloader = img
				}
			}
			for _, e := range c.Env {
				switch e.Name {
				case "STRIMZI_DEFAULT_KAFKA_INIT_IMAGE", "STRIMZI_DEFAULT_KAFKA_EXPORTER_IMAGE":
					pod(o.String()+" (the pods it makes, "+e.Name+")", corev1.Container{Name: "kafka", Image: e.Value})
				case "STRIMZI_KAFKA_IMAGES":
					for _, line := range strings.Fields(e.Value) {
						if v, img, _ := strings.Cut(line, "="); v == spec.StrimziKafkaVersion {
							pod(o.String()+" (the pods it makes, "+e.Name+")", corev1.Container{Name: "kafka", Image: img})
						}
					}
				}
			}
		}
	}
	for _, o := range objs {
		switch o.GVK.Kind {
		case "ConfigMap":
			cm := o.Object.(*corev1.ConfigMap)
			if cm.Data["trivy.repository"] != "" {
				pod(o.String()+" (the scan jobs)", corev1.Container{Name: "trivy", Image: cm.Data["trivy.repository"] + ":" + cm.Data["trivy.tag"]})
			}
			for key, data := range cm.Data {
				if key == "spark-defaults.conf" {
					conf := sparkDefaults(t, o.String()+" "+key, []byte(data))
					image := func(role string) string {
						for _, k := range []string{"spark.kubernetes." + role + ".container.image", "spark.kubernetes.container.image"} {
							if conf[k] != "" {
								return conf[k]
							}
						}
						return unsetImage("spark.kubernetes.container.image in " + key)
					}
					pod(o.String()+" (the Spark jobs' driver and executors, "+key+")",
						corev1.Container{Name: "spark-kubernetes-driver", Image: image("driver")},
						corev1.Container{Name: "spark-kubernetes-executor", Image: image("executor")})
				}
				if app := sparkApplicationIn(t, data); app != nil {
					image := func(role string) string {
						img := app.Executor.Image
						if role == "driver" {
							img = app.Driver.Image
						}
						if img != "" {
							return img
						}
						if app.Image != "" {
							return app.Image
						}
						return unsetImage("spec.image of " + key)
					}
					pod(o.String()+" (the driver and executors of the "+key+" job)",
						corev1.Container{Name: "spark-kubernetes-driver", Image: image("driver")},
						corev1.Container{Name: "spark-kubernetes-executor", Image: image("executor")})
				}
			}
		case "Prometheus", "Alertmanager":
			var r struct {
				Spec struct {
					Image          string             `json:"image"`
					Containers     []corev1.Container `json:"containers"`
					InitContainers []corev1.Container `json:"initContainers"`
					Thanos         *struct {
						Image string `json:"image"`
					} `json:"thanos"`
				} `json:"spec"`
			}
			unmarshal(o, &r)
			main := strings.ToLower(o.GVK.Kind)
			containers := []corev1.Container{
				{Name: main, Image: orUnset(r.Spec.Image, "spec.image, the operator's default base image")},
				{Name: "config-reloader", Image: reloader},
			}
			if r.Spec.Thanos != nil {
				containers = append(containers, corev1.Container{Name: "thanos-sidecar", Image: orUnset(r.Spec.Thanos.Image, "spec.thanos.image, the operator's default")})
			}
			out = append(out, madePod{by: o.String() + " (the pods prometheus-operator makes)", spec: corev1.PodSpec{
				InitContainers: mergeByName([]corev1.Container{{Name: "init-config-reloader", Image: reloader}}, r.Spec.InitContainers),
				Containers:     mergeByName(containers, r.Spec.Containers),
			}})
		case "Elasticsearch", "Kibana":
			var r struct {
				Spec struct {
					Image       string                  `json:"image"`
					PodTemplate *corev1.PodTemplateSpec `json:"podTemplate"`
					NodeSets    []struct {
						Name        string                  `json:"name"`
						PodTemplate *corev1.PodTemplateSpec `json:"podTemplate"`
					} `json:"nodeSets"`
				} `json:"spec"`
			}
			unmarshal(o, &r)
			main := strings.ToLower(o.GVK.Kind)
			templates := map[string]*corev1.PodTemplateSpec{"": r.Spec.PodTemplate}
			var inits []string
			if o.GVK.Kind == "Elasticsearch" {
				templates = map[string]*corev1.PodTemplateSpec{}
				for _, ns := range r.Spec.NodeSets {
					templates[" node set "+ns.Name] = ns.PodTemplate
				}
				inits = []string{"elastic-internal-init-filesystem", "elastic-internal-suspend"}
			} else {
				inits = []string{"elastic-internal-init"}
			}
			for name, tmpl := range templates {
				var user corev1.PodSpec
				if tmpl != nil {
					user = tmpl.Spec
				}
				mainImage := orUnset(r.Spec.Image, "spec.image, ECK's default registry and version")
				for _, c := range user.Containers {
					if c.Name == main && c.Image != "" {
						mainImage = c.Image
					}
				}
				containers := mergeByName([]corev1.Container{{Name: main, Image: mainImage}}, user.Containers)
				var initContainers []corev1.Container
				for _, n := range inits {
					initContainers = append(initContainers, corev1.Container{Name: n, Image: mainImage})
				}
				initContainers = mergeByName(initContainers, user.InitContainers)
				for i := range initContainers {
					if initContainers[i].Image == "" {
						initContainers[i].Image = mainImage
					}
				}
				out = append(out, madePod{by: o.String() + name + " (the pods ECK makes)", spec: corev1.PodSpec{
					InitContainers: initContainers, Containers: containers,
				}})
			}
		}
	}
	return out
}

// orUnset is image, or unsetImage(what) when it is empty.
func orUnset(image, what string) string {
	if image == "" {
		return unsetImage(what)
	}
	return image
}

// mergeByName returns an operator's containers with the resource's merged
// over them by name, as the operators do: a resource's container with an
// image replaces the operator's image; one of a new name is added.
func mergeByName(operator, resource []corev1.Container) []corev1.Container {
	out := append([]corev1.Container{}, operator...)
	for _, c := range resource {
		i := slices.IndexFunc(out, func(o corev1.Container) bool { return o.Name == c.Name })
		switch {
		case i < 0:
			out = append(out, c)
		case c.Image != "":
			out[i].Image = c.Image
		}
	}
	return out
}

// sparkAppImages is what decides the images of a SparkApplication's pods.
type sparkAppImages struct {
	Image  string `json:"image"`
	Driver struct {
		Image string `json:"image"`
	} `json:"driver"`
	Executor struct {
		Image string `json:"image"`
	} `json:"executor"`
}

// sparkApplicationIn reads a SparkApplication, or the template of a
// ScheduledSparkApplication, from a ConfigMap's file; nil for any other
// content.
func sparkApplicationIn(t *testing.T, data string) *sparkAppImages {
	t.Helper()
	var doc struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			sparkAppImages
			Template *sparkAppImages `json:"template"`
		} `json:"spec"`
	}
	if yaml.Unmarshal([]byte(data), &doc) != nil || !strings.HasPrefix(doc.APIVersion, "sparkoperator.k8s.io/") {
		return nil
	}
	switch doc.Kind {
	case "SparkApplication":
		return &doc.Spec.sparkAppImages
	case "ScheduledSparkApplication":
		if doc.Spec.Template == nil {
			t.Fatalf("a ScheduledSparkApplication without a template:\n%s", data)
		}
		return doc.Spec.Template
	}
	return nil
}
