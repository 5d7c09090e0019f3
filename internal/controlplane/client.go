package controlplane

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FieldManager is the name server-side apply records as the owner of the
// fields Client.Apply sets.
const FieldManager = "blueprint"

// Client speaks the API server's REST API as the administrator. It is safe
// for concurrent use.
type Client struct {
	base  string
	token string
	http  *http.Client

	// asUser and asGroups, if set, are sent as Impersonate-User and
	// Impersonate-Group headers.
	asUser   string
	asGroups []string

	// warnings, if set, receives each Warning header of an answer.
	warnings func(string)

	mu      sync.Mutex
	mapping map[string]map[string]Mapping // apiVersion → kind → mapping
}

// Client returns an administrator's client of the API server. Its As("")
// sends requests without credentials.
func (cp *ControlPlane) Client() *Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cp.CACert)
	return &Client{
		base:  cp.URL,
		token: cp.token,
		http: &http.Client{
			Timeout: time.Minute,
			Transport: &http.Transport{
				TLSClientConfig:     &tls.Config{RootCAs: pool},
				MaxIdleConnsPerHost: 32,
			},
		},
	}
}

// APIError is a request the API server answered with an error status.
type APIError struct {
	Code    int
	Reason  string
	Message string
}

func (e *APIError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s (HTTP %d): %s", e.Reason, e.Code, e.Message)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Message)
}

// IsNotFound reports whether err is an API answer of 404.
func IsNotFound(err error) bool {
	e, ok := err.(*APIError)
	return ok && e.Code == http.StatusNotFound
}

// IsConflict reports whether err is the API server's 409: the object
// changed since it was read (or already exists).
func IsConflict(err error) bool {
	e, ok := err.(*APIError)
	return ok && e.Code == http.StatusConflict
}

// maxRetries bounds how often Do repeats a request the API server answered
// 429 (Too Many Requests), as client-go's REST client does (10 times,
// waiting as its Retry-After says): a list of a resource whose watch cache
// is still initializing gets "storage is (re)initializing" for a moment,
// which every real client waits out.
const maxRetries = 10

// Do sends one request; body, if not nil, is sent with contentType. A
// status other than 2xx is returned as an *APIError, after up to
// maxRetries retries of a 429 answer.
func (c *Client) Do(ctx context.Context, method, path, contentType string, body []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		out, wait, err := c.do(ctx, method, path, contentType, body)
		if wait == 0 || attempt == maxRetries {
			return out, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

// do sends a request once; wait is how long to wait before repeating it,
// 0 unless the answer was 429.
func (c *Client) do(ctx context.Context, method, path, contentType string, body []byte) ([]byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, 0, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.asUser != "" {
		req.Header.Set("Impersonate-User", c.asUser)
		for _, g := range c.asGroups {
			req.Header.Add("Impersonate-Group", g)
		}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if c.warnings != nil {
		for _, w := range resp.Header.Values("Warning") {
			c.warnings(w)
		}
	}
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode/100 != 2 {
		var wait time.Duration
		if resp.StatusCode == http.StatusTooManyRequests {
			wait = time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s < 10 {
				wait = time.Duration(s) * time.Second
			}
		}
		return nil, wait, apiError(resp.StatusCode, out)
	}
	return out, 0, nil
}

// apiError is the error of an answer with status code and body: the
// message of the Status the API server sends, or the body itself.
func apiError(code int, body []byte) *APIError {
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Message != "" {
		return &APIError{Code: code, Reason: string(st.Reason), Message: st.Message}
	}
	return &APIError{Code: code, Message: strings.TrimSpace(string(body))}
}

// Get decodes the JSON at path into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	b, err := c.Do(ctx, http.MethodGet, path, "", nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Post sends in as JSON to path and decodes the answer into out (if not nil).
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	return c.send(ctx, http.MethodPost, path, "application/json", in, out)
}

// Patch sends a JSON merge patch to path.
func (c *Client) Patch(ctx context.Context, path string, patch any) error {
	return c.send(ctx, http.MethodPatch, path, "application/merge-patch+json", patch, nil)
}

func (c *Client) send(ctx context.Context, method, path, contentType string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	b, err = c.Do(ctx, method, path, contentType, b)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Mapping says where the API serves a kind.
type Mapping struct {
	APIVersion string
	Kind       string
	Resource   string // plural, as in the URL
	Namespaced bool
}

// Collection returns the URL path of the kind's objects in namespace ns
// (ignored for cluster-scoped kinds; "" means every namespace).
func (m Mapping) Collection(ns string) string {
	p := "/apis/" + m.APIVersion
	if !strings.Contains(m.APIVersion, "/") {
		p = "/api/" + m.APIVersion
	}
	if m.Namespaced && ns != "" {
		p += "/namespaces/" + url.PathEscape(ns)
	}
	return p + "/" + m.Resource
}

// Mapping looks up, through the API's discovery documents, where the API
// serves kind in apiVersion. Answers are cached until ForgetMappings.
func (c *Client) Mapping(ctx context.Context, apiVersion, kind string) (Mapping, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mapping == nil {
		c.mapping = map[string]map[string]Mapping{}
	}
	kinds, ok := c.mapping[apiVersion]
	if !ok {
		path := "/apis/" + apiVersion
		if !strings.Contains(apiVersion, "/") {
			path = "/api/" + apiVersion
		}
		var list metav1.APIResourceList
		err := c.Get(ctx, path, &list)
		if err != nil && !IsNotFound(err) {
			return Mapping{}, err
		}
		kinds = map[string]Mapping{}
		for _, r := range list.APIResources {
			if !strings.Contains(r.Name, "/") {
				kinds[r.Kind] = Mapping{APIVersion: apiVersion, Kind: r.Kind, Resource: r.Name, Namespaced: r.Namespaced}
			}
		}
		c.mapping[apiVersion] = kinds
	}
	m, ok := kinds[kind]
	if !ok {
		return Mapping{}, fmt.Errorf("the API serves no kind %s in %s (is its CustomResourceDefinition installed?)", kind, apiVersion)
	}
	return m, nil
}

// ForgetMappings drops what discovery told, after new kinds were installed.
func (c *Client) ForgetMappings() {
	c.mu.Lock()
	c.mapping = nil
	c.mu.Unlock()
}

// Path returns the URL path of an object. A namespaced object without a
// namespace is placed in "default", as kubectl does.
func (c *Client) Path(ctx context.Context, o Object) (string, error) {
	m, err := c.Mapping(ctx, o.APIVersion(), o.Kind())
	if err != nil {
		return "", err
	}
	if m.Namespaced && o.Namespace() == "" {
		o.setNamespace("default")
	}
	return m.Collection(o.Namespace()) + "/" + url.PathEscape(o.Name()), nil
}

// Apply creates or updates the object with server-side apply, taking
// ownership of conflicting fields as `kubectl apply --server-side
// --force-conflicts` does. With dryRun the API server runs every admission
// and validation step but stores nothing.
func (c *Client) Apply(ctx context.Context, o Object, dryRun bool) error {
	path, err := c.Path(ctx, o)
	if err != nil {
		return err
	}
	q := url.Values{"fieldManager": {FieldManager}, "force": {"true"}}
	if dryRun {
		q.Set("dryRun", "All")
	}
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = c.Do(ctx, http.MethodPatch, path+"?"+q.Encode(), "application/apply-patch+yaml", body)
	return err
}

// List returns the objects of a kind in namespace ns ("" for all), decoded
// into items, which must point to a slice of the kind's Go type.
func (c *Client) List(ctx context.Context, apiVersion, kind, ns, query string, items any) error {
	m, err := c.Mapping(ctx, apiVersion, kind)
	if err != nil {
		return err
	}
	path := m.Collection(ns)
	if query != "" {
		path += "?" + query
	}
	var list struct {
		Items json.RawMessage `json:"items"`
	}
	if err := c.Get(ctx, path, &list); err != nil {
		return err
	}
	return json.Unmarshal(list.Items, items)
}
