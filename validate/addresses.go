package validate

import (
	"net/netip"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// hostAddress reads a machine's address, which is an IP address or a DNS
// name (a DNS-1123 subdomain). It returns the address or the name, or says
// why it is neither. Names that read as something else are refused: a
// last label of digits only (10.0.0.011 is a mistyped address, not a
// name; RFC 1123 keeps top-level labels alphabetic) and the words HCL
// makes of a boolean.
func hostAddress(s string) (netip.Addr, string, string) {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" || a.Is4In6() {
			return netip.Addr{}, "", "is not a plain IPv4 or IPv6 address"
		}
		return a, "", ""
	}
	if errs := validation.IsDNS1123Subdomain(s); len(errs) > 0 {
		return netip.Addr{}, "", "is neither an IP address nor a DNS name (" + strings.Join(errs, "; ") + ")"
	}
	if looksNumeric(s) {
		return netip.Addr{}, "", "is not a plain IPv4 address, and a DNS name's last label is not all digits"
	}
	if s == "true" || s == "false" {
		return netip.Addr{}, "", "is a boolean, not an address"
	}
	return netip.Addr{}, s, ""
}

// looksNumeric reports whether a would-be name ends in a label of digits,
// as a mistyped IPv4 address does.
func looksNumeric(s string) bool {
	last := s[strings.LastIndexByte(s, '.')+1:]
	return last != "" && strings.Trim(last, "0123456789") == ""
}
