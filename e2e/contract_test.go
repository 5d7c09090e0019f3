package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
)

// A Contract lists the requests a component's real client makes to the API
// server, read from that component's source at the version blueprint pins,
// and names the files they were read from. The suite performs every request
// on the API server with a token of the component's ServiceAccount, after
// the rendered RBAC has been applied for real: a request the API server
// refuses is a component that fails on the cluster, whatever the RBAC
// review says. See contracts_test.go for the contracts and the README's
// "Contract tests" for how to add one.
type Contract struct {
	Component string   // such as "Spark driver"
	Version   string   // the pinned release the requests were read from
	Sources   []string // upstream files, "repository@revision path"
	// Namespace and ServiceAccount are the account the component runs as.
	Namespace, ServiceAccount string
	// Setup are objects the administrator creates first (and deletes
	// afterwards) because requests read or change them: a pod whose
	// metadata a log shipper reads, a Lease a leader election renews.
	Setup    []controlplane.Object
	Requests []Request
}

// Request is one call of the component's client.
type Request struct {
	// Verb is get, list, watch, create, update, patch, apply (a
	// server-side apply: PATCH with application/apply-patch+yaml, a field
	// manager and force), delete or deletecollection.
	Verb                                  string
	Group, Version, Resource, Subresource string
	// Namespace is the request's namespace; "" is cluster-scoped, or every
	// namespace for list and watch of a namespaced resource.
	Namespace string
	Name      string // the object, for get, update, patch, apply and delete
	// LabelSelector and FieldSelector go with list, watch and
	// deletecollection, as the component sends them.
	LabelSelector, FieldSelector string
	// Body is the object to create or apply, or the patch.
	Body any
	// PatchType is the content type of a patch.
	PatchType string
	// FieldManager is the field manager of an apply.
	FieldManager string
	// Path, for a non-resource request, is the URL path it GETs.
	Path string
	// Aggregated marks a resource served by an aggregated API server that
	// does not run here: the API server authorizes the request before it
	// routes it, so a 404 or 503 after that counts as allowed; a 403 fails.
	Aggregated bool
	// Missing marks a request whose object the component expects not to
	// exist (the scale subresource of a kind that serves none): a 404 is
	// the answer it acts on; a refusal, or success, fails.
	Missing bool
	// ByKubelet marks a request the component sends to a kubelet or to
	// another component, which authorizes it with a SubjectAccessReview on
	// the component's behalf: the suite asks that same review.
	ByKubelet bool
	// Tolerated, when set, says (from the source) why the component logs a
	// refusal of this request and carries on: a refusal is reported in the
	// test log, and does not fail the contract.
	Tolerated string
	// Source is where in the upstream files the call is made.
	Source string
}

// String writes the request the way kubectl auth can-i names it.
func (r Request) String() string {
	if r.Path != "" {
		return "get " + r.Path
	}
	res := r.Resource
	if r.Subresource != "" {
		res += "/" + r.Subresource
	}
	if r.Group != "" {
		res += "." + r.Group
	}
	if r.Name != "" {
		res += "/" + r.Name
	}
	where := " (all namespaces)"
	if r.Namespace != "" {
		where = " in " + r.Namespace
	}
	if r.LabelSelector != "" || r.FieldSelector != "" {
		where += fmt.Sprintf(" [%s]", strings.Trim(r.LabelSelector+" "+r.FieldSelector, " "))
	}
	return r.Verb + " " + res + where
}

// contractReport counts what checkContract proved.
type contractReport struct {
	requests, tolerated int
	failures            []string
}

// checkContract performs every request of c as c's ServiceAccount and
// reports each one the API server refused.
func checkContract(ctx context.Context, admin *controlplane.Client, c Contract) (contractReport, error) {
	var rep contractReport
	for _, o := range c.Setup {
		if err := admin.Apply(ctx, o, false); err != nil {
			return rep, fmt.Errorf("setting up %s: %w", o, err)
		}
	}
	defer func() {
		for _, o := range c.Setup {
			if path, err := admin.Path(ctx, o); err == nil {
				admin.Do(ctx, http.MethodDelete, path, "", nil) //nolint:errcheck // best effort: the control plane goes away with the test
			}
		}
	}()
	token, err := admin.ServiceAccountToken(ctx, c.Namespace, c.ServiceAccount)
	if err != nil {
		return rep, err
	}
	as := admin.As(token)
	user := "system:serviceaccount:" + c.Namespace + ":" + c.ServiceAccount
	var created []string // paths of objects the component's requests created
	defer func() {
		for _, p := range created {
			admin.Do(ctx, http.MethodDelete, p, "", nil) //nolint:errcheck // best effort, as above
		}
	}()
	versions := map[string]string{} // collection and query → resourceVersion of its last list
	for _, r := range c.Requests {
		rep.requests++
		var err error
		if r.ByKubelet {
			err = kubeletReview(ctx, admin, user, c.Namespace, r)
		} else {
			var path string
			// The API server answers 429 while a CRD just created
			// initializes its storage; client-go retries 429 (up to ten
			// times), and so does this, a tenth of a second apart.
			for attempt := 1; ; attempt++ {
				path, err = perform(ctx, as, admin, r, versions)
				var apiErr *controlplane.APIError
				if attempt == 10 || !errors.As(err, &apiErr) || apiErr.Code != http.StatusTooManyRequests {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err == nil && path != "" {
				created = append(created, path)
			}
		}
		var apiErr *controlplane.APIError
		if r.Missing {
			if err == nil {
				err = errors.New("found, where the component expects NotFound")
			} else if errors.As(err, &apiErr) && apiErr.Code == http.StatusNotFound {
				continue
			}
		}
		if err == nil {
			continue
		}
		if r.Aggregated && errors.As(err, &apiErr) && (apiErr.Code == http.StatusNotFound || apiErr.Code == http.StatusServiceUnavailable) {
			continue // authorized; nothing serves the group here
		}
		msg := fmt.Sprintf("%s: %s as %s (%s): %v", c.Component, r, user, r.Source, err)
		if r.Tolerated != "" {
			rep.tolerated++
			rep.failures = append(rep.failures, "tolerated: "+msg+"; "+r.Tolerated)
			continue
		}
		rep.failures = append(rep.failures, msg)
	}
	return rep, nil
}

// requestPath is the URL path of a request's collection, or of its object
// when it names one.
func requestPath(r Request) string {
	p := "/api/" + r.Version
	if r.Group != "" {
		p = "/apis/" + r.Group + "/" + r.Version
	}
	if r.Namespace != "" {
		p += "/namespaces/" + url.PathEscape(r.Namespace)
	}
	p += "/" + r.Resource
	if r.Name != "" && r.Verb != "create" {
		p += "/" + url.PathEscape(r.Name)
		if r.Subresource != "" {
			p += "/" + r.Subresource
		}
	}
	return p
}

// perform sends one request as the component; it returns the path of an
// object it created (by a create or an apply), for the clean-up.
func perform(ctx context.Context, as, admin *controlplane.Client, r Request, versions map[string]string) (string, error) {
	if r.Path != "" {
		_, err := as.Do(ctx, http.MethodGet, r.Path, "", nil)
		return "", err
	}
	path := requestPath(r)
	q := url.Values{}
	if r.LabelSelector != "" {
		q.Set("labelSelector", r.LabelSelector)
	}
	if r.FieldSelector != "" {
		q.Set("fieldSelector", r.FieldSelector)
	}
	query := ""
	if len(q) > 0 {
		query = "?" + q.Encode()
	}
	body := func() ([]byte, error) { return json.Marshal(r.Body) }
	switch r.Verb {
	case "get":
		_, err := as.Do(ctx, http.MethodGet, path, "", nil)
		return "", err
	case "list":
		out, err := as.Do(ctx, http.MethodGet, path+query, "", nil)
		var list struct {
			Metadata struct{ ResourceVersion string }
		}
		if err == nil && json.Unmarshal(out, &list) == nil {
			versions[path+query] = list.Metadata.ResourceVersion
		}
		return "", err
	case "watch":
		// As a reflector does: watch from the resourceVersion of the list
		// before it, with bookmarks. A watch without one waits for the
		// watch cache to catch up with etcd (three seconds here). A watch
		// with no list before it (fabric8's, the VPA's events) starts at
		// the current version, which the administrator reads.
		rv, ok := versions[path+query]
		if !ok {
			out, err := admin.Do(ctx, http.MethodGet, path+"?limit=1", "", nil)
			if err != nil {
				return "", fmt.Errorf("reading the version to watch from: %w", err)
			}
			var list struct {
				Metadata struct{ ResourceVersion string }
			}
			if err := json.Unmarshal(out, &list); err != nil {
				return "", err
			}
			rv = list.Metadata.ResourceVersion
		}
		q.Set("resourceVersion", rv)
		q.Set("allowWatchBookmarks", "true")
		return "", as.Watch(ctx, path+"?"+q.Encode())
	case "create":
		b, err := body()
		if err != nil {
			return "", err
		}
		if r.Subresource != "" { // such as pods/eviction, serviceaccounts/token
			path += "/" + url.PathEscape(r.Name) + "/" + r.Subresource
			_, err = as.Do(ctx, http.MethodPost, path, "application/json", b)
			return "", err
		}
		out, err := as.Do(ctx, http.MethodPost, path, "application/json", b)
		if err != nil {
			return "", err
		}
		var meta struct {
			Metadata struct{ Name string }
		}
		if json.Unmarshal(out, &meta) != nil || meta.Metadata.Name == "" {
			return "", nil // a review, which stores nothing
		}
		return path + "/" + url.PathEscape(meta.Metadata.Name), nil
	case "update":
		// The component reads the object and writes it back changed; the
		// read is the administrator's here, so that the update alone is
		// judged.
		cur, err := admin.Do(ctx, http.MethodGet, path, "", nil)
		if err != nil {
			return "", fmt.Errorf("reading the object to update: %w", err)
		}
		_, err = as.Do(ctx, http.MethodPut, path, "application/json", cur)
		return "", err
	case "patch":
		b, err := body()
		if err != nil {
			return "", err
		}
		_, err = as.Do(ctx, http.MethodPatch, path, r.PatchType, b)
		return "", err
	case "apply":
		b, err := body()
		if err != nil {
			return "", err
		}
		v := url.Values{"fieldManager": {r.FieldManager}, "force": {"true"}}
		_, err = as.Do(ctx, http.MethodPatch, path+"?"+v.Encode(), "application/apply-patch+yaml", b)
		return path, err
	case "delete":
		_, err := as.Do(ctx, http.MethodDelete, path, "", nil)
		return "", err
	case "deletecollection":
		_, err := as.Do(ctx, http.MethodDelete, path+query, "", nil)
		return "", err
	}
	return "", fmt.Errorf("the contract names an unknown verb %q", r.Verb)
}

// kubeletReview asks the SubjectAccessReview a kubelet (or an aggregated
// or control-plane component) asks before it serves the component.
func kubeletReview(ctx context.Context, admin *controlplane.Client, user, ns string, r Request) error {
	spec := map[string]any{
		"user":   user,
		"groups": []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}
	if r.Path != "" {
		spec["nonResourceAttributes"] = map[string]any{"verb": "get", "path": r.Path}
	} else {
		spec["resourceAttributes"] = map[string]any{"verb": r.Verb, "group": r.Group, "resource": r.Resource,
			"subresource": r.Subresource, "namespace": r.Namespace, "name": r.Name}
	}
	sar := map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec}
	var out struct {
		Status struct {
			Allowed bool
			Reason  string
		}
	}
	if err := admin.Post(ctx, "/apis/authorization.k8s.io/v1/subjectaccessreviews", sar, &out); err != nil {
		return err
	}
	if !out.Status.Allowed {
		return fmt.Errorf("the SubjectAccessReview the kubelet sends is denied (%s)", out.Status.Reason)
	}
	return nil
}

// checkContracts runs every contract whose component the tree renders.
func checkContracts(t *testing.T, c *controlplane.Client, r rendered, objs []controlplane.Object) (int, int) {
	t.Helper()
	contracts := contractsFor(t, r, objs)
	requests := 0
	t.Run("contracts", func(t *testing.T) {
		for _, ct := range contracts {
			began := time.Now()
			rep, err := checkContract(context.Background(), c, ct)
			if err != nil {
				t.Errorf("%s: %v", ct.Component, err)
				continue
			}
			requests += rep.requests
			for _, f := range rep.failures {
				if strings.HasPrefix(f, "tolerated: ") {
					t.Log(f)
				} else {
					t.Error(f)
				}
			}
			t.Logf("%s (%s, as %s/%s): %d requests performed in %s, %d refused as tolerated, %d failed; read from %s",
				ct.Component, ct.Version, ct.Namespace, ct.ServiceAccount, rep.requests, time.Since(began).Round(time.Millisecond),
				rep.tolerated, len(rep.failures)-rep.tolerated, strings.Join(ct.Sources, ", "))
		}
	})
	return len(contracts), requests
}
