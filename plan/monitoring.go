package plan

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Ports of the monitoring stack. The templates under
// templates/manifests/monitoring use the same numbers.
const (
	AlertmanagerClusterPort = 9094
	// retentionSizeShare is the part of a Prometheus volume the TSDB may
	// fill: the rest is head for the write-ahead log and compaction, which
	// size-based retention does not count.
	retentionSizeShare = 85
)

// derive fills in what the monitoring manifests need beyond the spec's
// values: the receiver that drops the Watchdog, the ports Alertmanager and
// Prometheus talk to, the Alertmanager peers and the TSDB size cap.
func (m *Monitoring) derive(p *Plan) {
	m.RetentionSize = retentionSize(m.VolumeSize)

	// A receiver without a target drops what reaches it. Reuse one named
	// "null" if the spec has none of its own with that name.
	named := map[string]Receiver{}
	for _, r := range m.Receivers {
		named[r.Name] = r
	}
	m.NullReceiver = "null"
	for {
		r, taken := named[m.NullReceiver]
		if !taken {
			m.Receivers = append(m.Receivers, Receiver{Name: m.NullReceiver})
			break
		}
		if r.WebhookURL == "" && r.EmailTo == "" {
			break
		}
		m.NullReceiver += "-drop"
	}

	ports := map[int]bool{}
	for _, r := range m.Receivers {
		if port := receiverPort(r); port > 0 {
			ports[port] = true
		}
	}
	m.ReceiverPorts = sortedPorts(ports)
	m.APIServerPorts = sortedPorts(map[int]bool{APIServerPort: true, p.Endpoint.Port: p.Endpoint.Port > 0})

	m.MeshListenAddress = HostPort("0.0.0.0", AlertmanagerClusterPort)
	first, _, _ := strings.Cut(p.PodSubnet, ",")
	if pfx, err := netip.ParsePrefix(first); err == nil && pfx.Addr().Is6() {
		m.MeshListenAddress = HostPort("::", AlertmanagerClusterPort)
	}
	m.AlertmanagerPeers = nil
	for i := 0; i < m.AlertmanagerReplicas; i++ {
		m.AlertmanagerPeers = append(m.AlertmanagerPeers,
			fmt.Sprintf("alertmanager-%d.alertmanager-cluster.%s.svc.%s:%d", i, m.Namespace, p.DNSDomain, AlertmanagerClusterPort))
	}
}

// retentionSize returns retentionSizeShare percent of a volume size in the
// units of Prometheus' --storage.tsdb.retention.size (MB is 2^20 bytes), or
// "" when the size does not parse (validate has reported it).
func retentionSize(volume string) string {
	q, err := resource.ParseQuantity(volume)
	if err != nil || q.Value() <= 0 {
		return ""
	}
	mb := q.Value() / 100 * retentionSizeShare >> 20
	if mb < 1 {
		mb = 1
	}
	return strconv.FormatInt(mb, 10) + "MB"
}

// receiverPort returns the TCP port a receiver's notifications go to, or 0
// for a receiver without a target.
func receiverPort(r Receiver) int {
	var port string
	switch {
	case r.WebhookURL != "":
		u, err := url.Parse(r.WebhookURL)
		if err != nil {
			return 0
		}
		port = u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
	case r.Smarthost != "":
		_, p, err := net.SplitHostPort(r.Smarthost)
		if err != nil {
			return 0
		}
		port = p
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return 0
	}
	return n
}

func sortedPorts(set map[int]bool) []int {
	var out []int
	for p, on := range set {
		if on {
			out = append(out, p)
		}
	}
	sort.Ints(out)
	return out
}
