package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"time"

	"sigs.k8s.io/yaml"
)

// Kubeconfig is the part of a kubeconfig file a client needs: the current
// context's server, cluster CA and client certificate, as kubeadm writes
// them (data embedded, not file paths).
type Kubeconfig struct {
	Server        string
	CA            []byte // PEM
	Cert, Key     []byte // PEM
	Context, User string
	ClusterName   string
}

// ParseKubeconfig reads the current context of a kubeconfig file.
func ParseKubeconfig(b []byte) (*Kubeconfig, error) {
	var f struct {
		CurrentContext string `json:"current-context"`
		Clusters       []struct {
			Name    string
			Cluster struct {
				Server string
				CAData string `json:"certificate-authority-data"`
			}
		}
		Contexts []struct {
			Name    string
			Context struct{ Cluster, User string }
		}
		Users []struct {
			Name string
			User struct {
				CertData string `json:"client-certificate-data"`
				KeyData  string `json:"client-key-data"`
			}
		}
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	k := &Kubeconfig{Context: f.CurrentContext}
	for _, c := range f.Contexts {
		if c.Name == f.CurrentContext {
			k.ClusterName, k.User = c.Context.Cluster, c.Context.User
		}
	}
	if k.ClusterName == "" {
		return nil, fmt.Errorf("kubeconfig: no context %q", f.CurrentContext)
	}
	dec := func(what, s string) ([]byte, error) {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("kubeconfig: no %s", what)
		}
		return b, nil
	}
	var err error
	for _, c := range f.Clusters {
		if c.Name == k.ClusterName {
			k.Server = c.Cluster.Server
			if k.CA, err = dec("certificate-authority-data", c.Cluster.CAData); err != nil {
				return nil, err
			}
		}
	}
	for _, u := range f.Users {
		if u.Name == k.User {
			if k.Cert, err = dec("client-certificate-data", u.User.CertData); err != nil {
				return nil, err
			}
			if k.Key, err = dec("client-key-data", u.User.KeyData); err != nil {
				return nil, err
			}
		}
	}
	if k.Server == "" || k.Cert == nil {
		return nil, fmt.Errorf("kubeconfig: context %q lacks a server or a client certificate", k.Context)
	}
	return k, nil
}

// Dialer opens connections, for clients that must dial from elsewhere than
// this process's network namespace.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// NewClient returns a client of the API server at server (an https URL)
// that trusts the kubeconfig's CA, authenticates with its client
// certificate and dials with dial (nil: directly). Each request opens its
// own connection, so that a client follows the network as it changes.
func (k *Kubeconfig) NewClient(server string, dial Dialer, timeout time.Duration) (*Client, error) {
	if server == "" {
		server = k.Server
	}
	cert, err := tls.X509KeyPair(k.Cert, k.Key)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(k.CA) {
		return nil, fmt.Errorf("kubeconfig: the cluster CA is not PEM")
	}
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}},
		DisableKeepAlives: true,
	}
	if dial != nil {
		tr.DialContext = dial
	}
	return &Client{base: server, http: &http.Client{Timeout: timeout, Transport: tr}}, nil
}
