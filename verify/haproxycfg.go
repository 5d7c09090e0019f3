package verify

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// haproxy.cfg allow-list
//
// haproxy has many directives that run code or open files (lua-load,
// external-check, program sections, setenv, errorfile, acl -f, map files,
// crt and crt-list, server-state-file, stats sockets, log to a socket
// path, .if/.diag on the environment, "${VAR}" expansion), so verify does
// not try to list the dangerous ones: it accepts exactly what
// templates/loadbalancer/haproxy.cfg.tmpl can produce, directive by
// directive and argument by argument, and refuses everything else before
// haproxy sees the file.
//
// A line is blank, a comment (its first non-blank character is #), or a
// directive whose words use only haproxyWord's characters: no quotes,
// backslashes, $ or #, so haproxy's own parser splits it into exactly the
// words checked here and expands nothing.

// haproxyWord is the alphabet of every word blueprint writes in a directive.
var haproxyWord = regexp.MustCompile(`^[A-Za-z0-9._:/*\[\],-]+$`)

// maxConfigLine bounds a line of a config verify checks: haproxy and
// keepalived read lines into fixed buffers, and a line cut there would be
// parsed as two.
const maxConfigLine = 1024

// haproxySections are the section keywords blueprint writes, and whether
// each takes a name.
var haproxySections = map[string]bool{"global": false, "defaults": false, "frontend": true, "backend": true, "resolvers": true}

// argsCheck judges a directive's arguments and says what is wrong, or "".
type argsCheck func(args []string) string

// haproxyDirectives lists, per section, the directives blueprint writes and
// the argument forms each may take.
var haproxyDirectives = map[string]map[string]argsCheck{
	"global": {
		"daemon":  exactly(),
		"maxconn": words(isCount),
		// To haproxy's stdout in a static pod, or to syslog's socket.
		"log": oneOf([]string{"stdout", "format", "raw", "local0"}, []string{"/dev/log", "local0"}),
	},
	"defaults": {
		"mode":    oneOf([]string{"tcp"}),
		"log":     oneOf([]string{"global"}),
		"option":  oneOf([]string{"tcplog"}, []string{"dontlognull"}),
		"retries": words(isCount),
		"timeout": timeoutArgs,
	},
	"frontend": {
		"bind":            bindArgs,
		"default_backend": words(isName),
	},
	// Name servers for backends named by DNS: the host's own, read from
	// /etc/resolv.conf (a file of the host, not of the tree).
	"resolvers": {
		"parse-resolv-conf": exactly(),
		"hold":              hold,
	},
	"backend": {
		"option":         oneOf([]string{"httpchk"}),
		"http-check":     httpCheckArgs,
		"balance":        oneOf([]string{"roundrobin"}),
		"default-server": serverOptions,
		"server":         serverArgs,
	},
}

// checkHAProxyConfig returns one line per directive or argument of cfg that
// blueprint never writes, each starting with artifact:line.
func checkHAProxyConfig(artifact string, cfg []byte) []string {
	var refusals []string
	section := ""
	for i, line := range strings.Split(string(cfg), "\n") {
		at := fmt.Sprintf("%s:%d: ", artifact, i+1)
		fields, why := configLine(line, haproxyWord, '#')
		if why != "" {
			refusals = append(refusals, at+why)
			continue
		}
		if len(fields) == 0 {
			continue
		}
		keyword, args := fields[0], fields[1:]
		if named, ok := haproxySections[keyword]; ok {
			section = keyword
			if named && (len(args) != 1 || !isName(args[0])) || !named && len(args) != 0 {
				refusals = append(refusals, at+fmt.Sprintf("%s %s: not a section header blueprint writes", keyword, quoteWords(args)))
			}
			continue
		}
		if section == "" {
			refusals = append(refusals, at+fmt.Sprintf("%q: not a section blueprint writes (blueprint writes global, defaults, frontend and backend)", keyword))
			continue
		}
		check, ok := haproxyDirectives[section][keyword]
		if !ok {
			refusals = append(refusals, at+fmt.Sprintf("%s: %q is not a directive blueprint writes there", section, keyword))
			continue
		}
		if why := check(args); why != "" {
			refusals = append(refusals, at+fmt.Sprintf("%s: %s %s: %s", section, keyword, quoteWords(args), why))
		}
	}
	return refusals
}

// configLine splits a line of haproxy.cfg or keepalived.conf into words,
// or says why verify will not read it. A line whose first non-blank
// character is a comment mark is a comment; a comment mark anywhere else,
// a character outside the allowed alphabet, or an overlong line is refused,
// so that the program cannot read the line differently.
func configLine(line string, word *regexp.Regexp, comments ...byte) ([]string, string) {
	line = strings.TrimSuffix(line, "\r")
	if len(line) > maxConfigLine {
		return nil, fmt.Sprintf("a line of %d bytes; blueprint writes none longer than %d", len(line), maxConfigLine)
	}
	if strings.ContainsFunc(line, func(r rune) bool { return r != '\t' && isControl(r) }) {
		return nil, "a control character; blueprint writes none"
	}
	trimmed := strings.TrimLeft(line, " \t")
	if trimmed == "" || slices.Contains(comments, trimmed[0]) {
		return nil, ""
	}
	fields := strings.Fields(trimmed)
	for i, f := range fields {
		if !word.MatchString(f) {
			at := fmt.Sprintf("%q", f)
			if i > 0 {
				at = fmt.Sprintf("%q %q", fields[0], f)
			}
			return nil, fmt.Sprintf("%s: blueprint writes no word with quotes, $ (environment variables), comment marks, \\ or other characters outside %s here", at, strings.Trim(word.String(), "^$+"))
		}
	}
	return fields, ""
}

// quoteWords shows arguments as they were written, for a refusal.
func quoteWords(ws []string) string { return strings.Join(ws, " ") }

func exactly(want ...string) argsCheck { return oneOf(want) }

// oneOf accepts exactly one of the given argument lists.
func oneOf(forms ...[]string) argsCheck {
	return func(args []string) string {
		for _, f := range forms {
			if slices.Equal(args, f) {
				return ""
			}
		}
		var shown []string
		for _, f := range forms {
			shown = append(shown, strconv.Quote(strings.Join(f, " ")))
		}
		return "blueprint writes only " + strings.Join(shown, " or ")
	}
}

// words accepts arguments that each pass one check, in order.
func words(checks ...func(string) bool) argsCheck {
	return func(args []string) string {
		if len(args) != len(checks) {
			return fmt.Sprintf("blueprint writes %d argument(s) here", len(checks))
		}
		for i, a := range args {
			if !checks[i](a) {
				return fmt.Sprintf("%q is not a form blueprint writes here", a)
			}
		}
		return ""
	}
}

var (
	countRE    = regexp.MustCompile(`^[0-9]{1,9}$`)
	durationRE = regexp.MustCompile(`^[0-9]{1,9}(us|ms|s|m|h|d)?$`)
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)
	httpPathRE = regexp.MustCompile(`^/[A-Za-z0-9_./-]{0,200}$`)
)

func isCount(s string) bool    { return countRE.MatchString(s) }
func isDuration(s string) bool { return durationRE.MatchString(s) }
func isName(s string) bool     { return nameRE.MatchString(s) }

func timeoutArgs(args []string) string {
	if len(args) == 2 && slices.Contains([]string{"connect", "client", "server", "check"}, args[0]) && isDuration(args[1]) {
		return ""
	}
	return "blueprint writes timeout connect|client|server|check DURATION"
}

// bindArgs accepts ADDRESS:PORT with an IP address or * (never a socket
// path, a unix@/abns@/fd@ address or certificate options), and v4v6.
func bindArgs(args []string) string {
	if len(args) < 1 || len(args) > 2 || len(args) == 2 && args[1] != "v4v6" {
		return "blueprint writes bind ADDRESS:PORT [v4v6] only"
	}
	if !isHostPort(args[0], true) {
		return fmt.Sprintf("%q is not an IP address (or *) and port", args[0])
	}
	return ""
}

// isHostPort reports whether s is IP:PORT, [IPv6]:PORT or, with wildcard,
// *:PORT or :PORT. A host name would make haproxy resolve it.
func isHostPort(s string, wildcard bool) bool {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return false
	}
	host, port := s[:i], s[i+1:]
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || !countRE.MatchString(port) {
		return false
	}
	if wildcard && (host == "*" || host == "") {
		return true
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	a, err := netip.ParseAddr(host)
	return err == nil && a.Zone() == ""
}

func httpCheckArgs(args []string) string {
	switch {
	case slices.Equal(args, []string{"connect", "ssl"}):
	case len(args) == 5 && slices.Equal(args[:4], []string{"send", "meth", "GET", "uri"}) && httpPathRE.MatchString(args[4]):
	case len(args) == 3 && args[0] == "expect" && args[1] == "status" && countRE.MatchString(args[2]):
	default:
		return "blueprint writes http-check connect ssl, send meth GET uri /PATH, and expect status CODE only"
	}
	return ""
}

// serverSettings are the server options blueprint writes with a value, and
// the form of each value.
var serverSettings = map[string]func(string) bool{
	"inter": isDuration, "downinter": isDuration, "slowstart": isDuration,
	"rise": isCount, "fall": isCount, "maxconn": isCount, "maxqueue": isCount, "weight": isCount,
	"verify": func(s string) bool { return s == "none" },
	// A named server that does not resolve starts without an address.
	"init-addr": func(s string) bool { return s == "last,libc,none" },
	"resolvers": isName,
}

// hold accepts "hold valid DURATION".
func hold(args []string) string {
	if len(args) == 2 && args[0] == "valid" && isDuration(args[1]) {
		return ""
	}
	return "blueprint writes hold valid DURATION only"
}

// serverOptions accepts NAME VALUE pairs of serverSettings and the word
// check.
func serverOptions(args []string) string {
	for i := 0; i < len(args); i++ {
		if args[i] == "check" {
			continue
		}
		valid, ok := serverSettings[args[i]]
		if !ok {
			return fmt.Sprintf("%q is not a server option blueprint writes", args[i])
		}
		if i+1 == len(args) || !valid(args[i+1]) {
			return fmt.Sprintf("%s takes a value of the form blueprint writes", args[i])
		}
		i++
	}
	return ""
}

// serverArgs accepts NAME ADDRESS:PORT and server options, the address an
// IP address or a DNS name (which haproxy resolves with the host's name
// servers; verify runs it where nothing resolves).
func serverArgs(args []string) string {
	if len(args) < 2 || !isName(args[0]) {
		return "blueprint writes server NAME ADDRESS:PORT OPTIONS"
	}
	if !isHostPort(args[1], false) && !isDNSHostPort(args[1]) {
		return fmt.Sprintf("%q is not an IP address or DNS name and a port", args[1])
	}
	return serverOptions(args[2:])
}

// dnsLabel is one label of a DNS-1123 name.
const dnsLabel = `[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?`

// dnsHostRE is a DNS-1123 subdomain whose last label is not all digits, as
// validate allows a machine's address to be.
var dnsHostRE = regexp.MustCompile(`^(` + dnsLabel + `\.)*` + dnsLabel + `$`)

// isDNSHostPort reports whether s is NAME:PORT with a DNS name.
func isDNSHostPort(s string) bool {
	host, port, ok := strings.Cut(s, ":")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if !ok || len(host) > 253 || !dnsHostRE.MatchString(host) || strings.Trim(last, "0123456789") == "" {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && countRE.MatchString(port)
}
