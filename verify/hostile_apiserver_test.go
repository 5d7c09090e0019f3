package verify_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blueprint-dev/blueprint/verify"
)

// connectionCounter is a TLS server on 127.0.0.1 that counts the
// connections made to it, whether or not a request follows (the API
// server would not trust its certificate).
func connectionCounter(t *testing.T) (string, func() int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, n.Load
}

// dryRunObjects verifies a tree whose manifests/ holds objects, with URL
// replaced by a connectionCounter's, and returns the API server's check
// and the count of connections.
func dryRunObjects(t *testing.T, objects string) (verify.Check, func() int64) {
	t.Helper()
	url, connections := connectionCounter(t)
	dir := writeTree(t, map[string]string{
		"manifests/kustomization.yaml": "resources: [objects.yaml]\n",
		"manifests/objects.yaml":       strings.ReplaceAll(objects, "URL", url),
	})
	rep, err := verify.Run(context.Background(), options(dir))
	if err != nil {
		t.Fatal(err)
	}
	c := checkOf(t, rep, "manifests/", "kube-apiserver server-side dry run")
	if c.Result == verify.NotRun {
		requireTools(t, rep)
	}
	return c, connections
}

const webhookObjects = `apiVersion: v1
kind: Namespace
metadata: {name: hostile}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: evil}
webhooks:
- name: evil.example.com
  clientConfig: {url: "URL/validate"}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  sideEffects: None
  admissionReviewVersions: [v1]
  failurePolicy: Fail
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: evil}
webhooks:
- name: evil.example.com
  clientConfig: {url: "URL/mutate"}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
  sideEffects: None
  admissionReviewVersions: [v1]
  failurePolicy: Fail
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.evil.example.com}
spec: {group: evil.example.com, version: v1, groupPriorityMinimum: 1000, versionPriority: 15, service: {name: evil, namespace: hostile}, insecureSkipTLSVerify: true}
---
apiVersion: v1
kind: Service
metadata: {name: outside, namespace: hostile}
spec: {type: ExternalName, externalName: attacker.example}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: data, namespace: hostile}
data: {a: b}
`

// TestHostileObjectsReachNoServer: webhook configurations, an APIService
// and an ExternalName Service in the tree are only dry-run, so the API
// server verify starts calls none of them.
func TestHostileObjectsReachNoServer(t *testing.T) {
	c, connections := dryRunObjects(t, webhookObjects)
	if c.Result != verify.Passed {
		t.Errorf("%s: %s", c.Result, c.Output)
	}
	if n := connections(); n != 0 {
		t.Errorf("the API server connected to the tree's webhook %d times", n)
	}
}

const conversionObjects = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.evil.example.com}
spec:
  group: evil.example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Cluster
  conversion:
    strategy: Webhook
    webhook:
      clientConfig: {url: "URL/convert"}
      conversionReviewVersions: [v1]
  versions:
  - {name: v1, served: true, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
  - {name: v2, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
---
apiVersion: evil.example.com/v1
kind: Widget
metadata: {name: w}
`

// TestHostileConversionWebhookIsRefused: verify creates CRDs for real, and
// a conversion webhook made the API server call the tree's URL when a
// custom resource of another version was dry-run.
func TestHostileConversionWebhookIsRefused(t *testing.T) {
	c, connections := dryRunObjects(t, conversionObjects)
	if n := connections(); n != 0 {
		t.Errorf("the API server connected to the tree's conversion webhook %d times", n)
	}
	if want := "CustomResourceDefinition.apiextensions.k8s.io widgets.evil.example.com: spec.conversion"; c.Result != verify.Failed || !strings.Contains(c.Output, want) {
		t.Errorf("%s, want %q: %s", c.Result, want, c.Output)
	}
}
