package controlplane

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ServiceAccountToken asks the API server for a token of a ServiceAccount
// (a TokenRequest, as the kubelet makes for a pod's projected token), so
// that a test can call the API exactly as a component running under that
// account does.
func (c *Client) ServiceAccountToken(ctx context.Context, ns, name string) (string, error) {
	req := map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"expirationSeconds": 3600},
	}
	var out struct {
		Status struct{ Token string }
	}
	path := "/api/v1/namespaces/" + url.PathEscape(ns) + "/serviceaccounts/" + url.PathEscape(name) + "/token"
	if err := c.Post(ctx, path, req, &out); err != nil {
		return "", fmt.Errorf("a token for ServiceAccount %s/%s: %w", ns, name, err)
	}
	return out.Status.Token, nil
}

// As returns a client of the same API server that authenticates with
// token instead of the administrator's.
func (c *Client) As(token string) *Client {
	return &Client{base: c.base, token: token, http: c.http}
}

// Impersonate returns a client that sends its requests as user, in groups
// (the administrator may impersonate anyone), such as a node's identity.
func (c *Client) Impersonate(user string, groups ...string) *Client {
	return &Client{base: c.base, token: c.token, http: c.http, asUser: user, asGroups: groups}
}

// WithWarnings returns a client of the administrator that hands every
// Warning header the API server answers with (a ValidatingAdmissionPolicy's
// Warn action, a deprecation) to fn.
func (c *Client) WithWarnings(fn func(string)) *Client {
	return &Client{base: c.base, token: c.token, http: c.http, warnings: fn}
}

// Watch starts a watch at path (a collection URL with its query, without
// watch=true) and stops it as soon as the API server has answered: nil
// means the server accepted it and began streaming events.
func (c *Client) Watch(ctx context.Context, path string) error {
	sep := "?"
	if u, err := url.Parse(path); err == nil && u.RawQuery != "" {
		sep = "&"
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+sep+"watch=true&timeoutSeconds=10", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close() // stops the watch
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return apiError(resp.StatusCode, b)
	}
	return nil
}
