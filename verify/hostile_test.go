package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/verify"
)

// The tests in this file edit rendered trees the way an attacker with
// write access to the GitOps repository could, and assert that verify
// neither executes, includes nor fetches anything the tree supplies. They
// use only verify.Run and the report, so they also run against older
// versions of the package (see the commit that added them for how those
// fared).

// hostileFile returns a rendered file of out/ha with extra inserted on a
// new line after the line equal to after, and the 1-based number of the
// inserted line.
func hostileFile(t *testing.T, rendered, after, extra string) (string, int) {
	t.Helper()
	return hostileFileOf(t, "ha", rendered, after, extra)
}

// hostileFileOf is hostileFile for a file of out/<tree>.
func hostileFileOf(t *testing.T, tree, rendered, after, extra string) (string, int) {
	t.Helper()
	s, line := editedAt(t, tree, rendered, after, after+"\n"+extra)
	return s, line + 1
}

// edited returns a rendered file of out/<tree> with the first line equal to
// old replaced by new.
func edited(t *testing.T, tree, rendered, old, new string) string {
	t.Helper()
	s, _ := editedAt(t, tree, rendered, old, new)
	return s
}

// editedAt is edited, also returning the 1-based number of the line
// replaced.
func editedAt(t *testing.T, tree, rendered, old, new string) (string, int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../out", tree, rendered))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if l == old {
			lines[i] = new
			return strings.Join(lines, "\n"), i + 1
		}
	}
	t.Fatalf("%s has no line %q", rendered, old)
	return "", 0
}

// countingServer serves 127.0.0.1 and counts the requests that reach it.
func countingServer(t *testing.T) (string, func() int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fmt.Fprintln(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}")
	}))
	t.Cleanup(srv.Close)
	return srv.URL, n.Load
}

// nowhere finds no program, for checks that must fail before one runs.
func nowhere(dir string) verify.Options {
	return verify.Options{Dir: dir, LookPath: func(name string) (string, error) { return "", errors.New("not here") }}
}

// checkOf returns the one check of artifact named name.
func checkOf(t *testing.T, rep verify.Report, artifact, name string) verify.Check {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Artifact == artifact && c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s of %s in %+v", name, artifact, rep.Checks)
	return verify.Check{}
}

// printed returns the report as verify prints it, as text and as JSON.
func printed(t *testing.T, rep verify.Report) string {
	t.Helper()
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return b.String() + string(j)
}

// withFakeHAProxy verifies out/ha's haproxy.cfg with a stand-in haproxy
// that runs body (after answering -v), and returns the report and the
// check.
func withFakeHAProxy(t *testing.T, shell, body string) (verify.Report, verify.Check) {
	t.Helper()
	tools := fakeTool(t, "haproxy", "#!"+shell+"\n"+body+"\n[ \"$1\" = -v ] && { echo 'HAProxy version 2.6.12'; exit 0; }\nexit 1\n")
	cfg, err := os.ReadFile("../out/ha/loadbalancer/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(context.Background(), verify.Options{Dir: writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": string(cfg)}), ToolDirs: []string{tools}})
	if err != nil {
		t.Fatal(err)
	}
	return rep, checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c")
}

// fakeTool writes a shell script named name into a new tools folder.
func fakeTool(t *testing.T, name, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHostileHAProxyLuaIsNotRun: a lua-load in haproxy.cfg made `haproxy -c`
// run the Lua file as the caller (os.execute) and the check pass.
func TestHostileHAProxyLuaIsNotRun(t *testing.T) {
	outside := t.TempDir()
	marker := filepath.Join(outside, "lua-ran")
	lua := filepath.Join(outside, "evil.lua")
	if err := os.WriteFile(lua, []byte(fmt.Sprintf("os.execute(\"touch %s\")\n", marker)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, line := hostileFile(t, "loadbalancer/haproxy.cfg", "global", "    lua-load "+lua)
	rep, err := verify.Run(context.Background(), options(writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": cfg})))
	if err != nil {
		t.Fatal(err)
	}
	c := checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c")
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("haproxy ran the tree's Lua")
	}
	if c.Result != verify.Failed {
		t.Errorf("a haproxy.cfg with lua-load: %s", c.Result)
	}
	if want := fmt.Sprintf("loadbalancer/haproxy.cfg:%d: global: \"lua-load\"", line); !strings.Contains(c.Output, want) {
		t.Errorf("output lacks %q:\n%s", want, c.Output)
	}
}

// TestHostileHAProxyEnvironmentIsNotEchoed: `nbthread "${VAR}"` made
// haproxy expand the caller's variable and print it in its error.
func TestHostileHAProxyEnvironmentIsNotEchoed(t *testing.T) {
	const token = "tok-5a8e1c0d9b7f"
	t.Setenv("BLUEPRINT_TEST_TOKEN", token)
	cfg, line := hostileFile(t, "loadbalancer/haproxy.cfg", "global", `    nbthread "${BLUEPRINT_TEST_TOKEN}"`)
	rep, err := verify.Run(context.Background(), options(writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": cfg})))
	if err != nil {
		t.Fatal(err)
	}
	c := checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c")
	if c.Result != verify.Failed {
		t.Errorf("a haproxy.cfg with ${VAR}: %s", c.Result)
	}
	if strings.Contains(printed(t, rep), token) {
		t.Errorf("the caller's environment reached the report:\n%s", c.Output)
	}
	if want := fmt.Sprintf("loadbalancer/haproxy.cfg:%d:", line); !strings.Contains(c.Output, want) {
		t.Errorf("output lacks %q:\n%s", want, c.Output)
	}
}

// TestHostileHAProxyDirectivesAreRefused inserts, one at a time, directives
// and argument forms blueprint never writes, each of which runs code, reads
// a file, opens a socket, resolves a name or reads the environment, and
// expects a failed check naming the line and the directive, without any
// program run.
func TestHostileHAProxyDirectivesAreRefused(t *testing.T) {
	for _, tc := range []struct {
		after, line, want string
	}{
		{"global", "    lua-load /tmp/evil.lua", `global: "lua-load"`},
		{"global", "    lua-prepend-path /tmp/?.lua", `"/tmp/?.lua"`},
		{"global", "    setenv SHELL /bin/sh", `global: "setenv"`},
		{"global", "    presetenv SHELL /bin/sh", `global: "presetenv"`},
		{"global", "    server-state-file /etc/passwd", `global: "server-state-file"`},
		{"global", "    stats socket /tmp/haproxy.sock mode 600 level admin", `global: "stats"`},
		{"global", "    log /var/log/evil local0", `global: log /var/log/evil local0`},
		{"global", "    log 127.0.0.1:514 local0", `global: log 127.0.0.1:514 local0`},
		{"global", "    ca-base /etc/ssl", `global: "ca-base"`},
		{"global", "    maxconn \"${GITHUB_TOKEN}\"", `"\"${GITHUB_TOKEN}\""`},
		{"global", "    maxconn $MAXCONN", `"$MAXCONN"`},
		{"global", "    maxconn '100'", `"'100'"`},
		{"global", "    maxconn 100 # trailing", `"#"`},
		{"global", "    maxconn 1\\", `"1\\"`},
		{"global", ".if defined(HOME)", `".if"`},
		{"global", ".diag \"${HOME}\"", `".diag"`},
		{"global", ".include /etc/passwd", `".include"`},
		{"global", "program evil", `"program"`},
		{"global", "userlist admins", `"userlist"`},
		{"defaults", "    errorfile 503 /etc/passwd", `defaults: "errorfile"`},
		{"defaults", "    mode http", `defaults: mode http`},
		{"frontend kube-apiserver", "    acl bad src -f /etc/passwd", `frontend: "acl"`},
		{"frontend kube-apiserver", "    use_backend %[req.hdr(host),lower,map(/etc/hosts)]", `"%[req.hdr(host),lower,map(/etc/hosts)]"`},
		{"frontend kube-apiserver", "    bind :443 ssl crt /etc/shadow", `frontend: bind :443 ssl crt /etc/shadow`},
		{"frontend kube-apiserver", "    bind :443 ssl crt-list /etc/crts", `frontend: bind :443 ssl crt-list /etc/crts`},
		{"frontend kube-apiserver", "    bind /tmp/haproxy.sock", `frontend: bind /tmp/haproxy.sock`},
		{"frontend kube-apiserver", "    bind unix@/tmp/haproxy.sock", `"unix@/tmp/haproxy.sock"`},
		{"frontend kube-apiserver", "    bind abns@evil", `"abns@evil"`},
		{"backend kube-apiserver", "    option external-check", `backend: option external-check`},
		{"backend kube-apiserver", "    external-check command /bin/sh", `backend: "external-check"`},
		{"backend kube-apiserver", "    server evil attacker_example:443 check", `"attacker_example:443"`},
		{"backend kube-apiserver", "    server evil 10.0.0.300:443 check", `"10.0.0.300:443"`},
		{"backend kube-apiserver", "    server evil attacker.example:443@evil check", `"attacker.example:443@evil"`},
		{"backend kube-apiserver", "    server evil 10.0.0.1:443 check ca-file /etc/shadow", `"ca-file"`},
		{"backend kube-apiserver", "    http-check send meth GET uri /healthz hdr Host evil", `backend: http-check`},
		{"global", "    maxconn 1\x1b[2J", `control character`},
	} {
		t.Run(tc.line, func(t *testing.T) {
			cfg, line := hostileFile(t, "loadbalancer/haproxy.cfg", tc.after, tc.line)
			rep, err := verify.Run(context.Background(), nowhere(writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": cfg})))
			if err != nil {
				t.Fatal(err)
			}
			c := checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c")
			at := fmt.Sprintf("loadbalancer/haproxy.cfg:%d: ", line)
			if c.Result != verify.Failed || !strings.Contains(c.Output, at) || !strings.Contains(c.Output, tc.want) {
				t.Errorf("%s, want a refusal at %q naming %q:\n%s", c.Result, at, tc.want, c.Output)
			}
			if strings.ContainsAny(printed(t, rep), "\x1b") {
				t.Errorf("the report holds a raw escape character")
			}
		})
	}
}

// TestHostileHAProxyNamesAreNotResolved: a server named by DNS (which
// blueprint writes where the spec names a machine so) passes the
// allow-list, and haproxy checks a copy where the name is 127.0.0.1, so it
// resolves nothing the tree names. haproxy would fail on the name itself:
// nothing resolves where verify runs it.
func TestHostileHAProxyNamesAreNotResolved(t *testing.T) {
	cfg, _ := hostileFile(t, "loadbalancer/haproxy.cfg", "backend kube-apiserver", "    server evil attacker.example:443 check verify none")
	rep, err := verify.Run(context.Background(), verify.Options{Dir: writeTree(t, map[string]string{"loadbalancer/haproxy.cfg": cfg})})
	if err != nil {
		t.Fatal(err)
	}
	c := checkOf(t, rep, "loadbalancer/haproxy.cfg", "haproxy -c")
	switch {
	case c.Result == verify.NotRun && os.Getenv("CI") == "":
		t.Skipf("SKIPPED, not passed: haproxy is not installed here (%s)", c.Reason)
	case c.Result != verify.Passed:
		t.Errorf("a haproxy.cfg with a named server: %s\n%s", c.Result, c.Output)
	}
}

// TestHostileKeepalivedIncludeIsNotRead: `include FILE` made keepalived read
// any file and print its lines as unknown keywords.
func TestHostileKeepalivedIncludeIsNotRead(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.conf")
	if err := os.WriteFile(secret, []byte("secret-line-7d41\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf, line := hostileFile(t, "loadbalancer/keepalived/kmaster1.conf", "}", "include "+secret)
	rep, err := verify.Run(context.Background(), options(writeTree(t, map[string]string{"loadbalancer/keepalived/kmaster1.conf": conf})))
	if err != nil {
		t.Fatal(err)
	}
	c := checkOf(t, rep, "loadbalancer/keepalived/kmaster1.conf", "keepalived -t")
	if strings.Contains(printed(t, rep), "secret-line-7d41") {
		t.Errorf("keepalived read the included file:\n%s", c.Output)
	}
	if want := fmt.Sprintf("kmaster1.conf:%d: top level: \"include\"", line); c.Result != verify.Failed || !strings.Contains(c.Output, want) {
		t.Errorf("%s, want %q:\n%s", c.Result, want, c.Output)
	}
}

// TestHostileKeepalivedDirectivesAreRefused inserts what runs scripts,
// includes files or expands variables in keepalived.conf.
func TestHostileKeepalivedDirectivesAreRefused(t *testing.T) {
	const conf = "loadbalancer/keepalived/kmaster1.conf"
	for _, tc := range []struct {
		after, line, want string
	}{
		{"}", "include /etc/passwd", `top level: "include"`},
		{"}", "vrrp_script evil {", `vrrp_script evil: not a block header`},
		{"}", "virtual_server 10.0.0.1 80 {", `top level: "virtual_server"`},
		{"}", "$EVIL=/tmp/x", `"$EVIL=/tmp/x"`},
		{"}", "@kmaster1 include /etc/passwd", `"@kmaster1"`},
		{"    enable_script_security", "    script_user nobody", `global_defs: script_user nobody`},
		{"    enable_script_security", "    notify_fifo /tmp/fifo", `global_defs: "notify_fifo"`},
		{"vrrp_script check_apiserver {", `    script "/tmp/evil.sh"`, `vrrp_script: blueprint writes only script "/etc/keepalived/check_apiserver.sh"`},
		{"vrrp_script check_apiserver {", `    script "/etc/keepalived/check_apiserver.sh; id"`, `vrrp_script: blueprint writes only`},
		{"vrrp_instance kube_apiserver {", `    notify "/tmp/evil.sh"`, `"\"/tmp/evil.sh\""`},
		{"vrrp_instance kube_apiserver {", "    notify_master /tmp/evil.sh", `vrrp_instance: "notify_master"`},
		{"vrrp_instance kube_apiserver {", "    track_file evil", `vrrp_instance: "track_file"`},
		{"    track_script {", "        evil_script", `track_script: evil_script`},
		{"    unicast_peer {", "        attacker.example", `unicast_peer: attacker.example`},
		{"vrrp_instance kube_apiserver {", "    track_script { evil }", `blueprint writes { only`},
		{"vrrp_instance kube_apiserver {", "    priority 100 \\", `"\\"`},
		{"vrrp_instance kube_apiserver {", "    priority 100 ! comment", `"!"`},
	} {
		t.Run(tc.line, func(t *testing.T) {
			cfg, line := hostileFile(t, conf, tc.after, tc.line)
			rep, err := verify.Run(context.Background(), nowhere(writeTree(t, map[string]string{conf: cfg})))
			if err != nil {
				t.Fatal(err)
			}
			c := checkOf(t, rep, conf, "keepalived -t")
			at := fmt.Sprintf("%s:%d: ", conf, line)
			if c.Result != verify.Failed || !strings.Contains(c.Output, at) || !strings.Contains(c.Output, tc.want) {
				t.Errorf("%s, want a refusal at %q naming %q:\n%s", c.Result, at, tc.want, c.Output)
			}
		})
	}
}

// TestHostileCheckScriptIsNeverRun gives keepalived a stand-in that runs
// every script its config names, as keepalived itself would on a host: the
// tree's check_apiserver.sh must not be among them.
func TestHostileCheckScriptIsNeverRun(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "tree-script-ran")
	conf, err := os.ReadFile("../out/ha/loadbalancer/keepalived/kmaster1.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{
		"loadbalancer/keepalived/kmaster1.conf": string(conf),
		"loadbalancer/check_apiserver.sh":       "#!/bin/sh\ntouch " + marker + "\n",
	})
	if err := os.Chmod(filepath.Join(dir, "loadbalancer/check_apiserver.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	tools := fakeTool(t, "keepalived", "#!/bin/sh\n"+
		"[ \"$1\" = -v ] && { echo 'Keepalived v2.2.7 (01/16,2022)'; exit 0; }\n"+
		"for s in $(sed -n 's/^ *script \"\\(.*\\)\"/\\1/p' \"$3\"); do [ -x \"$s\" ] && \"$s\"; done\n"+
		"exit 0\n")
	rep, err := verify.Run(context.Background(), verify.Options{Dir: dir, ToolDirs: []string{tools}, Interface: "eth0"})
	if err != nil {
		t.Fatal(err)
	}
	c := checkOf(t, rep, "loadbalancer/keepalived/kmaster1.conf", "keepalived -t")
	if c.Result != verify.Passed {
		t.Errorf("%s: %s %s", c.Result, c.Reason, c.Output)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the tree's check script ran")
	}
}

// TestHostileToolsGetAMinimalEnvironment: every program ran with the
// caller's whole environment, which a config can expand and a program
// echo.
func TestHostileToolsGetAMinimalEnvironment(t *testing.T) {
	const token = "tok-0c2b7e91aa"
	t.Setenv("BLUEPRINT_TEST_TOKEN", token)
	rep, c := withFakeHAProxy(t, "/bin/sh", "env")
	if strings.Contains(printed(t, rep), token) {
		t.Errorf("the caller's environment reached the program:\n%s", c.Output)
	}
	for _, want := range []string{"PATH=/usr/local/sbin:", "HOME=", "LANG=C"} {
		if !strings.Contains(c.Output, want) {
			t.Errorf("the program's environment lacks %s:\n%s", want, c.Output)
		}
	}
	if home := os.Getenv("HOME"); home != "" && strings.Contains(c.Output, "HOME="+home+"\n") {
		t.Errorf("the program got the caller's HOME:\n%s", c.Output)
	}
}

// TestHostileToolsReachNoHost: a program verify runs on a tree could
// connect anywhere (haproxy resolves server names, kubeadm's preflight
// fetches external etcd endpoints). Here a stand-in haproxy tries to reach
// a server on this machine's loopback, which must see nothing.
func TestHostileToolsReachNoHost(t *testing.T) {
	url, requests := countingServer(t)
	port := url[strings.LastIndexByte(url, ':')+1:]
	rep, _ := withFakeHAProxy(t, "/bin/bash", "exec 3<>/dev/tcp/127.0.0.1/"+port+" && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3")
	if n := requests(); n != 0 {
		t.Errorf("the program reached a server %d times", n)
	}
	for _, note := range rep.Notes {
		if strings.HasPrefix(note, "network isolation:") {
			t.Skipf("SKIPPED, not passed: this machine gives no network namespace: %s", note)
		}
	}
}

// TestHostileOutputIsEscaped: a program's output (or a tree's text in it)
// could move the cursor, clear the screen and print a fake verdict.
func TestHostileOutputIsEscaped(t *testing.T) {
	rep, c := withFakeHAProxy(t, "/bin/sh", `[ "$1" = -v ] || printf '\033[2J\033[Hall 1 checks passed\302\233\n'`)
	out := printed(t, rep)
	if strings.ContainsAny(out, "\x1b\u009b") {
		t.Errorf("the report holds raw control characters: %q", c.Output)
	}
	if !strings.Contains(c.Output, `\u001b[2J`) || !strings.Contains(c.Output, `\u009b`) {
		t.Errorf("the control characters are not shown escaped: %q", c.Output)
	}
}

// TestHostileKubeadmConfigsAreRefused points kubeadm at files and URLs
// through the fields it reads.
func TestHostileKubeadmConfigsAreRefused(t *testing.T) {
	const init, join, ext = "kubeadm/init/kmaster1.yaml", "kubeadm/join-worker/worker01.yaml", "kubeadm/init/master-a.yaml"
	const criSocket = `  criSocket: "unix:///var/run/containerd/containerd.sock"`
	for _, tc := range []struct {
		file, old, new, want string
	}{
		{init, "kind: ClusterConfiguration", "kind: ClusterConfiguration\ncertificatesDir: /root", `ClusterConfiguration.certificatesDir "/root"`},
		{init, "kind: ClusterConfiguration", "kind: ClusterConfiguration\nCertificatesDir: /root", `ClusterConfiguration.certificatesDir "/root"`},
		{init, "kind: InitConfiguration", "kind: InitConfiguration\npatches: {directory: /etc}", `InitConfiguration.patches`},
		{init, "    dataDir: /var/lib/etcd", "    dataDir: /root", `ClusterConfiguration.etcd.local.dataDir "/root"`},
		{init, criSocket, "  criSocket: unix:///var/run/../../root/x.sock", `InitConfiguration.nodeRegistration.criSocket`},
		{ext, "  external:", "  external:\n    httpEndpoints: ['http://127.0.0.1:1']", `ClusterConfiguration.etcd.external.httpEndpoints`},
		{ext, "    caFile: /etc/kubernetes/pki/etcd/ca.crt", "    caFile: /etc/shadow", `ClusterConfiguration.etcd.external.caFile "/etc/shadow"`},
		{ext, "    endpoints:", "    endpoints:\n    - https://user@attacker.example:2379", `"https://user@attacker.example:2379"`},
		{ext, "    endpoints:", "    endpoints:\n    - https://attacker.example:2379/x", `"https://attacker.example:2379/x"`},
		{init, "  extraVolumes:", "  extraVolumes:\n  - {name: root, hostPath: /, mountPath: /host}", `apiServer.extraVolumes[].hostPath "/"`},
		{init, "  extraVolumes:", "  extraVolumes:\n  - {name: up, hostPath: /etc/kubernetes/../../root, mountPath: /x}", `"/etc/kubernetes/../../root"`},
		{init, "kind: KubeProxyConfiguration", "kind: KubeProxyConfiguration\n---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ResetConfiguration", `not a document blueprint writes`},
		{join, criSocket, "  criSocket: tcp://127.0.0.1:1", `JoinConfiguration.nodeRegistration.criSocket "tcp://127.0.0.1:1"`},
		{join, "kind: JoinConfiguration", "kind: JoinConfiguration\ncaCertPath: /etc/shadow", `JoinConfiguration.caCertPath "/etc/shadow"`},
		{join, "discovery:", "discovery:\n  file: {kubeConfigPath: 'https://127.0.0.1:1/kubeconfig'}", `JoinConfiguration.discovery.file`},
		{join, `  directory: "/etc/kubernetes/patches"`, "  directory: /root", `JoinConfiguration.patches`},
		{join, `  directory: "/etc/kubernetes/patches"`, "  directory: /etc/kubernetes/patches\n  other: x", `JoinConfiguration.patches`},
	} {
		t.Run(tc.new, func(t *testing.T) {
			tree := "ha"
			if tc.file == ext {
				tree = "external-etcd"
			}
			cfg := edited(t, tree, tc.file, tc.old, tc.new)
			rep, err := verify.Run(context.Background(), nowhere(writeTree(t, map[string]string{tc.file: cfg})))
			if err != nil {
				t.Fatal(err)
			}
			c := checkOf(t, rep, tc.file, "kubeadm config validate")
			if c.Result != verify.Failed || !strings.Contains(c.Output, tc.file+": ") || !strings.Contains(c.Output, tc.want) {
				t.Errorf("%s, want a refusal naming %q:\n%s", c.Result, tc.want, c.Output)
			}
			if strings.HasPrefix(tc.file, "kubeadm/init/") {
				if d := checkOf(t, rep, tc.file, "kubeadm init --dry-run"); d.Result != verify.Failed {
					t.Errorf("dry run: %s", d.Result)
				}
			}
		})
	}
}

// TestHostileKubeadmFetchesNothing: with external etcd's httpEndpoints and
// client certificate files that exist, kubeadm init --dry-run's preflight
// read the files and fetched /version from each endpoint.
func TestHostileKubeadmFetchesNothing(t *testing.T) {
	url, requests := countingServer(t)
	ca, cert, key := clientCertificate(t)
	const file = "kubeadm/init/master-a.yaml"
	cfg := edited(t, "external-etcd", file, "  external:", "  external:\n    httpEndpoints: ["+fmt.Sprintf("%q", url)+"]")
	for from, to := range map[string]string{"/etc/kubernetes/pki/etcd/ca.crt": ca, "/etc/kubernetes/pki/apiserver-etcd-client.crt": cert, "/etc/kubernetes/pki/apiserver-etcd-client.key": key} {
		cfg = strings.Replace(cfg, from, to, 1)
	}
	rep, err := verify.Run(context.Background(), options(writeTree(t, map[string]string{file: cfg})))
	if err != nil {
		t.Fatal(err)
	}
	if n := requests(); n != 0 {
		t.Errorf("kubeadm fetched from the tree's endpoint %d times", n)
	}
	if c := checkOf(t, rep, file, "kubeadm init --dry-run"); c.Result != verify.Failed {
		t.Errorf("dry run %s: %s", c.Result, c.Output)
	}
}

// clientCertificate writes a self-signed certificate, usable as CA and as
// client certificate, and its key, and returns the three paths.
func clientCertificate(t *testing.T) (ca, cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	for p, b := range map[string][]byte{
		cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}),
	} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, cert, key
}

// TestHostilePrometheusConfigsAreRefused names files outside the pod and
// the environment in prometheus.yml.
func TestHostilePrometheusConfigsAreRefused(t *testing.T) {
	const file = "manifests/monitoring/prometheus/prometheus.yml"
	for _, tc := range []struct {
		old, new, want string
	}{
		{`- "*.rules.yml"`, "- /etc/*", `rule_files "/etc/*"`},
		{`- "*.rules.yml"`, "- ../../*.yml", `rule_files "../../*.yml"`},
		{"scrape_configs:", "scrape_configs:\n- {job_name: x, file_sd_configs: [{files: [/etc/passwd]}]}", `file_sd_configs`},
		{"rule_files:", "scrape_config_files: [/etc/*]\nrule_files:", `scrape_config_files`},
		{"scrape_configs:", "scrape_configs:\n- {job_name: x, authorization: {credentials_file: /root/.ssh/id_rsa}}", `credentials_file "/root/.ssh/id_rsa"`},
		{"scrape_configs:", "scrape_configs:\n- {job_name: x, tls_config: {ca_file: /etc/prometheus/../../etc/shadow}}", `ca_file "/etc/prometheus/../../etc/shadow"`},
		{"  external_labels:", "  external_labels:\n    token: ${GITHUB_TOKEN}", `global.external_labels.token "${GITHUB_TOKEN}"`},
	} {
		t.Run(tc.new, func(t *testing.T) {
			cfg := edited(t, "ha", file, tc.old, tc.new)
			rep, err := verify.Run(context.Background(), nowhere(writeTree(t, map[string]string{file: cfg})))
			if err != nil {
				t.Fatal(err)
			}
			c := checkOf(t, rep, file, "promtool check config --syntax-only")
			if c.Result != verify.Failed || !strings.Contains(c.Output, tc.want) {
				t.Errorf("%s, want a refusal naming %q:\n%s", c.Result, tc.want, c.Output)
			}
		})
	}
}

// TestHostileKustomizationsFetchNothing: kustomize fetched URLs with an
// HTTP GET and ran git for remote bases while verify built manifests/.
// Every form is refused before the build, naming file and line, and the
// server sees no request.
func TestHostileKustomizationsFetchNothing(t *testing.T) {
	url, requests := countingServer(t)
	host := strings.TrimPrefix(url, "http://")
	for _, tc := range []struct{ file, body, want string }{
		{"manifests/kustomization.yaml", "resources:\n- namespaces\n- " + url + "/evil.yaml\n", url + "/evil.yaml"},
		{"manifests/kustomization.yaml", "resources:\n- git::" + url + "/repo.git?ref=main\n", "git::"},
		{"manifests/kustomization.yaml", "resources:\n- ssh://git@" + host + "/org/repo\n", "ssh://"},
		{"manifests/kustomization.yaml", "components:\n- github.com/org/repo/component?ref=v1\n", "github.com/org/repo"},
		{"manifests/kustomization.yaml", "bases:\n- git@github.com:org/repo\n", "git@github.com:org/repo"},
		{"manifests/kustomization.yaml", "Resources:\n- " + url + "/case.yaml\n", url + "/case.yaml"},
		{"manifests/kustomization.yaml", "resources: [namespaces]\nconfigMapGenerator:\n- name: x\n  files: [key=" + url + "/f]\n", "configMapGenerator[].files"},
		{"manifests/kustomization.yaml", "resources: [namespaces]\nopenapi:\n  path: " + url + "/schema.json\n", "openapi.path"},
		{"manifests/kustomization.yaml", "resources: [namespaces]\npatches:\n- path: " + url + "/p.yaml\n", "patches[].path"},
		{"manifests/kustomization.yaml", "resources: [namespaces]\nhelmCharts:\n- {name: x, repo: " + url + "}\n", "helmCharts"},
		{"manifests/kustomization.yaml", "resources: [namespaces]\ngenerators:\n- gen.yaml\n", "generators"},
		{"manifests/namespaces/kustomization.yml", "resources:\n- " + url + "/yml.yaml\n", "kustomization.yml"},
		{"manifests/namespaces/Kustomization", "resources:\n- " + url + "/plain.yaml\n", "manifests/namespaces/Kustomization:2"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			files := map[string]string{
				"manifests/kustomization.yaml":            "resources:\n- namespaces\n",
				"manifests/namespaces/kustomization.yaml": "resources: [namespaces.yaml]\n",
				"manifests/namespaces/namespaces.yaml":    "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
			}
			if tc.file != "manifests/kustomization.yaml" {
				delete(files, "manifests/namespaces/kustomization.yaml")
			}
			files[tc.file] = tc.body
			rep, err := verify.Run(context.Background(), options(writeTree(t, files)))
			if err != nil {
				t.Fatal(err)
			}
			c := checkOf(t, rep, "manifests/", "kube-apiserver server-side dry run")
			if c.Result != verify.Failed || !strings.Contains(c.Output, tc.want) {
				t.Errorf("%s, want a refusal naming %q:\n%s %s", c.Result, tc.want, c.Reason, c.Output)
			}
			if n := requests(); n != 0 {
				t.Fatalf("the tree's URL was fetched %d times", n)
			}
		})
	}
}
