package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// duplicateKeys reports object literals that name a key twice, such as
// labels = { "a" = "x", "a" = "y" }: HCL keeps the last value without a
// word, which hides a typo or a merge mistake. Keys computed from
// expressions are not known before evaluation and are not checked.
func duplicateKeys(f *hcl.File) hcl.Diagnostics {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		obj, ok := n.(*hclsyntax.ObjectConsExpr)
		if !ok {
			return nil
		}
		seen := map[string]hcl.Range{}
		for _, item := range obj.Items {
			v, d := item.KeyExpr.Value(nil)
			if d.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
				continue
			}
			key := v.AsString()
			if first, dup := seen[key]; dup {
				r := item.KeyExpr.Range()
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate key",
					Detail:   fmt.Sprintf("Key %q is already set at line %d; HCL would silently keep the later value. Remove one of them.", key, first.Start.Line),
					Subject:  &r,
					Context:  obj.SrcRange.Ptr(),
				})
				continue
			}
			seen[key] = item.KeyExpr.Range()
		}
		return nil
	})
	return diags
}
