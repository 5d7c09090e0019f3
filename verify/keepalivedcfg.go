package verify

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/blueprint-dev/blueprint/plan"
)

// keepalived.conf allow-list
//
// keepalived includes files (include), runs scripts (vrrp_script,
// notify*, track_script, script_user), expands $VARIABLES and evaluates
// conditional lines (@host). verify accepts exactly the blocks, directives
// and argument forms templates/loadbalancer/keepalived.conf.tmpl writes, and
// refuses everything else before keepalived sees the file. The one script
// allowed is blueprint's check script, by its path on the hosts
// (plan.CheckScriptPath), and verify replaces even that with one it writes
// itself; the tree's check_apiserver.sh is never copied or run.

// keepalivedWord is the alphabet of every word blueprint writes in
// keepalived.conf outside the check script's quoted path.
var keepalivedWord = regexp.MustCompile(`^[A-Za-z0-9._:/{}-]+$`)

// keepalivedScriptLine is the one line with quotes blueprint writes.
var keepalivedScriptLine = `script "` + plan.CheckScriptPath + `"`

// kaBlock is a block keepalived.conf may hold: which arguments its header
// takes, which directives it holds and which blocks nest in it. A list
// block holds entries instead of directives.
type kaBlock struct {
	header     func(args []string) bool
	directives map[string]argsCheck
	blocks     map[string]*kaBlock
	entry      argsCheck // for list blocks: the form of each line
}

var (
	ifaceRE   = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,15}$`)
	signedRE  = regexp.MustCompile(`^-?[0-9]{1,9}$`)
	noArgs    = func(args []string) bool { return len(args) == 0 }
	oneName   = func(args []string) bool { return len(args) == 1 && isName(args[0]) }
	isIface   = func(s string) bool { return ifaceRE.MatchString(s) }
	isAddress = func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.Zone() == "" }
	isPrefix  = func(s string) bool { p, err := netip.ParsePrefix(s); return err == nil && p.Addr().Zone() == "" }
)

// keepalivedTop is the top level of keepalived.conf as blueprint writes it.
var keepalivedTop = &kaBlock{blocks: map[string]*kaBlock{
	"global_defs": {
		header: noArgs,
		directives: map[string]argsCheck{
			"router_id":              words(isName),
			"enable_script_security": exactly(),
			"script_user":            exactly("root"),
		},
	},
	"vrrp_script": {
		header: func(args []string) bool { return len(args) == 1 && args[0] == "check_apiserver" },
		directives: map[string]argsCheck{
			// script is accepted only as keepalivedScriptLine, before this.
			"interval": words(isCount),
			"timeout":  words(isCount),
			"fall":     words(isCount),
			"rise":     words(isCount),
			"weight":   words(signedRE.MatchString),
		},
	},
	"vrrp_instance": {
		header: oneName,
		directives: map[string]argsCheck{
			"state":             oneOf([]string{"MASTER"}, []string{"BACKUP"}),
			"interface":         words(isIface),
			"virtual_router_id": words(isCount),
			"priority":          words(isCount),
			"advert_int":        words(isCount),
			"unicast_src_ip":    words(isAddress),
		},
		blocks: map[string]*kaBlock{
			"unicast_peer":      {header: noArgs, entry: words(isAddress)},
			"virtual_ipaddress": {header: noArgs, entry: words(isPrefix, func(s string) bool { return s == "dev" }, isIface)},
			"track_script":      {header: noArgs, entry: exactly("check_apiserver")},
		},
	},
}}

// checkKeepalivedConfig returns one line per block, directive or argument
// of cfg that blueprint never writes, each starting with artifact:line.
func checkKeepalivedConfig(artifact string, cfg []byte) []string {
	var refusals []string
	type open struct {
		name  string
		block *kaBlock // nil: a refused block, whose lines are skipped
	}
	stack := []open{{"top level", keepalivedTop}}
	for i, line := range strings.Split(string(cfg), "\n") {
		at := fmt.Sprintf("%s:%d: ", artifact, i+1)
		cur := stack[len(stack)-1]
		// Blanks as keepalived sees them (spaces and tabs), not Go's
		// TrimSpace, which would also take a vertical tab or U+0085 away.
		if trimmed := strings.Trim(strings.TrimSuffix(line, "\r"), " \t"); trimmed == keepalivedScriptLine && cur.name == "vrrp_script" {
			continue
		} else if f := strings.Fields(trimmed); len(f) > 0 && f[0] == "script" {
			refusals = append(refusals, at+fmt.Sprintf("%s: blueprint writes only %s, in vrrp_script check_apiserver", cur.name, keepalivedScriptLine))
			continue
		}
		fields, why := configLine(line, keepalivedWord, '!', '#')
		switch {
		case why != "":
			refusals = append(refusals, at+why)
			continue
		case len(fields) == 0:
			continue
		case len(fields) == 1 && fields[0] == "}":
			if len(stack) == 1 {
				refusals = append(refusals, at+"a } that closes no block")
			} else {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		last := fields[len(fields)-1]
		for _, f := range fields[:len(fields)-1] {
			if strings.ContainsAny(f, "{}") {
				refusals = append(refusals, at+"blueprint writes { only at the end of a block's first line and } alone on a line")
				fields = nil
				break
			}
		}
		if fields == nil {
			continue
		}
		if last == "{" {
			if len(fields) == 1 {
				// keepalived would take the { as a keyword of its own.
				refusals = append(refusals, at+"a { that names no block; blueprint writes { only at the end of a block's first line")
				stack = append(stack, open{"an unnamed block", nil})
				continue
			}
			keyword, args := fields[0], fields[1:len(fields)-1]
			var b *kaBlock
			if cur.block != nil {
				b = cur.block.blocks[keyword]
				switch {
				case b == nil:
					refusals = append(refusals, at+fmt.Sprintf("%s: %q is not a block blueprint writes there", cur.name, keyword))
				case !b.header(args):
					refusals = append(refusals, at+fmt.Sprintf("%s %s: not a block header blueprint writes", keyword, quoteWords(args)))
					b = nil
				}
			}
			stack = append(stack, open{keyword, b})
			continue
		}
		if strings.ContainsAny(last, "{}") {
			refusals = append(refusals, at+"blueprint writes { only at the end of a block's first line and } alone on a line")
			continue
		}
		if cur.block == nil {
			continue
		}
		if cur.block.entry != nil {
			if why := cur.block.entry(fields); why != "" {
				refusals = append(refusals, at+fmt.Sprintf("%s: %s: %s", cur.name, quoteWords(fields), why))
			}
			continue
		}
		keyword, args := fields[0], fields[1:]
		check, ok := cur.block.directives[keyword]
		if !ok {
			refusals = append(refusals, at+fmt.Sprintf("%s: %q is not a directive blueprint writes there", cur.name, keyword))
			continue
		}
		if why := check(args); why != "" {
			refusals = append(refusals, at+fmt.Sprintf("%s: %s %s: %s", cur.name, keyword, quoteWords(args), why))
		}
	}
	if len(stack) > 1 {
		refusals = append(refusals, fmt.Sprintf("%s: block %s is not closed", artifact, stack[len(stack)-1].name))
	}
	return refusals
}
