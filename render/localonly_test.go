package render_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
)

// TestKustomizeBuildsFetchNothing: a remote resource in any kustomization
// file of a tree made kustomize send an HTTP GET (or run git) while render
// or verify built it. The build now fails first, naming the reference, and
// the server sees no request.
func TestKustomizeBuildsFetchNothing(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprintln(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}")
	}))
	defer srv.Close()
	for _, tc := range []struct{ file, body string }{
		{"manifests/kustomization.yaml", "resources:\n- sub\n- " + srv.URL + "/cm.yaml\n"},
		{"manifests/sub/Kustomization", "resources:\n- " + srv.URL + "/cm.yaml\n"},
		{"manifests/sub/kustomization.yml", "resources:\n- git::" + srv.URL + "/repo.git?ref=main\n"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			tree := render.Tree{
				"manifests/kustomization.yaml":     []byte("resources:\n- sub\n"),
				"manifests/sub/kustomization.yaml": []byte("resources: [cm.yaml]\n"),
				"manifests/sub/cm.yaml":            []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local}\n"),
			}
			if strings.HasPrefix(tc.file, "manifests/sub/") {
				delete(tree, "manifests/sub/kustomization.yaml")
			}
			tree[tc.file] = []byte(tc.body)
			_, err := render.BuildKustomizations(tree, []string{"manifests"})
			if err == nil || !strings.Contains(err.Error(), tc.file+":") {
				t.Errorf("want a refusal naming %s, got %v", tc.file, err)
			}
			if n := requests.Load(); n != 0 {
				t.Fatalf("the server got %d requests", n)
			}
		})
	}
}
