// Package manifest reads rendered Kubernetes YAML back into the typed
// objects of k8s.io/api, strictly: an unknown or misspelled field, a wrong
// type or an unknown kind is an error. Tests and `blueprint verify` use it
// to prove that what blueprint writes is what the API server expects.
package manifest

import (
	"bytes"
	"fmt"
	"io"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

var scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		admissionregistrationv1.AddToScheme, appsv1.AddToScheme, autoscalingv2.AddToScheme, batchv1.AddToScheme, corev1.AddToScheme,
		networkingv1.AddToScheme, policyv1.AddToScheme, rbacv1.AddToScheme, schedulingv1.AddToScheme,
		storagev1.AddToScheme, apiregistrationv1.AddToScheme,
		gatewayv1.AddToScheme, // Gateway and HTTPRoute, served by CRDs the Gateway implementation installs
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

var strict = json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
	json.SerializerOptions{Yaml: true, Strict: true})

// Object is one decoded document.
type Object struct {
	GVK       schema.GroupVersionKind
	Name      string
	Namespace string
	Object    runtime.Object
	Raw       []byte // the document as written
}

// String names the object as kubectl does: Kind/namespace/name.
func (o Object) String() string {
	if o.Namespace == "" {
		return o.GVK.Kind + "/" + o.Name
	}
	return o.GVK.Kind + "/" + o.Namespace + "/" + o.Name
}

// Split cuts a multi-document YAML stream into its non-empty documents.
func Split(data []byte) ([][]byte, error) {
	var docs [][]byte
	reader := utilyaml.NewYAMLReader(bufioReader(data))
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
}

// Decode strictly decodes every document of a YAML stream into its
// k8s.io/api type; the kinds of Unchecked are only read.
func Decode(data []byte) ([]Object, error) {
	docs, err := Split(data)
	if err != nil {
		return nil, err
	}
	var out []Object
	for i, doc := range docs {
		if o, ok, err := decodeUnchecked(doc); ok {
			if err != nil {
				return out, fmt.Errorf("document %d: %w\n%s", i+1, err, head(doc))
			}
			out = append(out, o)
			continue
		}
		obj, gvk, err := strict.Decode(doc, nil, nil)
		if err != nil {
			return out, fmt.Errorf("document %d: %w\n%s", i+1, err, head(doc))
		}
		meta, ok := obj.(interface {
			GetName() string
			GetNamespace() string
		})
		if !ok {
			return out, fmt.Errorf("document %d: %s has no object metadata", i+1, gvk)
		}
		out = append(out, Object{GVK: *gvk, Name: meta.GetName(), Namespace: meta.GetNamespace(), Object: obj, Raw: doc})
	}
	return out, nil
}

func head(doc []byte) string {
	if len(doc) > 300 {
		return string(doc[:300]) + "…"
	}
	return string(doc)
}

// PodTemplate returns the pod template of a workload object and how many
// pods it asks for (DaemonSets count as 0: one per eligible node), or nil
// for objects that run no pods.
func PodTemplate(o runtime.Object) (*corev1.PodTemplateSpec, int32) {
	replicas := func(r *int32) int32 {
		if r == nil {
			return 1
		}
		return *r
	}
	switch w := o.(type) {
	case *appsv1.Deployment:
		return &w.Spec.Template, replicas(w.Spec.Replicas)
	case *appsv1.StatefulSet:
		return &w.Spec.Template, replicas(w.Spec.Replicas)
	case *appsv1.DaemonSet:
		return &w.Spec.Template, 0
	case *batchv1.Job:
		return &w.Spec.Template, 1
	case *batchv1.CronJob:
		return &w.Spec.JobTemplate.Spec.Template, 1
	}
	return nil, 0
}
