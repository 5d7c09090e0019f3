package spec

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/go-cty-funcs/cidr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// MaxRange bounds range(): go-cty's own range stops at 1,024 elements, and a
// spec describes machines, so a longer list is a typo.
const MaxRange = 1024

// functions is the library a spec may call: go-cty's standard library and
// HashiCorp's CIDR functions, under the names Terraform users know. Like
// every expression, a call charges its result to b; functions that can build
// far more than they are given (setproduct, format, replace, …) are refused
// up front when their estimate does not fit.
func functions(b *budget) map[string]function.Function {
	lib := map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"cidrhost":        cidr.HostFunc,
		"cidrnetmask":     cidr.NetmaskFunc,
		"cidrsubnet":      cidr.SubnetFunc,
		"cidrsubnets":     cidr.SubnetsFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"format":          stdlib.FormatFunc,
		"formatlist":      stdlib.FormatListFunc,
		"indent":          stdlib.IndentFunc,
		"index":           stdlib.IndexFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          stdlib.LengthFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"range":           stdlib.RangeFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"title":           stdlib.TitleFunc,
		"tostring":        stdlib.MakeToFunc(cty.String),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"upper":           stdlib.UpperFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
	for name, f := range lib {
		lib[name] = bounded(f, b, estimates[name])
	}
	return lib
}

// rangeLength estimates how many elements range(args...) yields.
func rangeLength(args []cty.Value) (float64, bool) {
	nums := make([]float64, 0, 3)
	for _, a := range args {
		if !a.IsKnown() || a.IsNull() || a.Type() != cty.Number {
			return 0, false
		}
		f, _ := a.AsBigFloat().Float64()
		nums = append(nums, f)
	}
	start, step := 0.0, 1.0
	var end float64
	switch len(nums) {
	case 1:
		end = nums[0]
	case 2:
		start, end = nums[0], nums[1]
	case 3:
		start, end, step = nums[0], nums[1], nums[2]
	default:
		return 0, false
	}
	if step == 0 {
		return 0, false
	}
	n := (end - start) / step
	if n < 0 {
		n = -n
	}
	return n, true
}

// estimate returns an upper bound of the values and text bytes a call will
// build from its known arguments, or an error when the call is refused
// outright.
type estimate func(args []cty.Value) (values, bytes int64, err error)

// bounded wraps f so that a call whose estimate does not fit the budget is
// refused before it runs.
func bounded(f function.Function, b *budget, est estimate) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			if est != nil && allKnown(args) {
				values, bytes, err := est(args)
				if err != nil {
					return cty.NilType, err
				}
				if values > b.values || bytes > b.bytes {
					p := tooMuch(bytes > b.bytes)
					if !b.spent() {
						b.overrun = p.detail
					}
					return cty.NilType, errors.New(p.detail)
				}
			}
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return f.Call(args) // the call expression charges the result
		},
	})
}

func allKnown(args []cty.Value) bool {
	for _, a := range args {
		if !a.IsWhollyKnown() {
			return false
		}
	}
	return true
}

// estimates holds the functions that can build much more than they are
// given. The others build at most about what they are given, which the
// budget has already counted.
var estimates = map[string]estimate{
	"range": func(args []cty.Value) (int64, int64, error) {
		for i, a := range args {
			if n, whole, ok := wholeNumber(a); ok && !whole {
				return 0, 0, function.NewArgErrorf(i, "a spec counts with range, so its arguments must be whole numbers; got %s, and a fraction would silently add one more (range(7.5) has 8 elements)", n.Text('g', -1))
			}
		}
		if n, ok := rangeLength(args); ok && n > MaxRange {
			return 0, 0, fmt.Errorf("range would have %.0f elements; a spec may build at most %d", n, MaxRange)
		}
		return 0, 0, nil
	},
	"setproduct": func(args []cty.Value) (int64, int64, error) {
		n := int64(1)
		for _, a := range args {
			if a.IsNull() || !a.CanIterateElements() {
				return 0, 0, nil
			}
			n = satMul(n, int64(a.LengthInt()))
		}
		return satMul(n, int64(len(args)+1)), 0, nil
	},
	"split": func(args []cty.Value) (int64, int64, error) {
		sep, s := str(args[0]), str(args[1])
		return int64(strings.Count(s, sep)) + 1, int64(len(s)), nil
	},
	"regex":    regexEstimate,
	"regexall": regexEstimate,
	"jsondecode": func(args []cty.Value) (int64, int64, error) {
		s := str(args[0])
		if jsonDepth(s) > MaxNesting {
			return 0, 0, fmt.Errorf("the JSON nests more than %d levels deep; blueprint stops there rather than risk exhausting its stack", MaxNesting)
		}
		return int64(len(s)) + 1, int64(len(s)), nil
	},
	"replace": func(args []cty.Value) (int64, int64, error) {
		s, substr, repl := str(args[0]), str(args[1]), str(args[2])
		n := int64(len(s)) + 1 // a regular expression may match everywhere
		if substr != "" && !(len(substr) > 1 && strings.HasPrefix(substr, "/") && strings.HasSuffix(substr, "/")) {
			n = int64(strings.Count(s, substr))
		}
		return 1, satAdd(int64(len(s)), satMul(n, int64(len(repl)))), nil
	},
	"indent": func(args []cty.Value) (int64, int64, error) {
		s := str(args[1])
		lines := int64(strings.Count(s, "\n")) + 1
		return 1, satAdd(int64(len(s)), satMul(lines, num(args[0]))), nil
	},
	"join": func(args []cty.Value) (int64, int64, error) {
		sep := int64(len(str(args[0])))
		values, bytes := sizeOf(args[1:])
		return 1, satAdd(bytes, satMul(values, sep)), nil
	},
	"format": func(args []cty.Value) (int64, int64, error) {
		f := str(args[0])
		values, bytes := sizeOf(args[1:])
		return 1, satAdd(satAdd(int64(len(f)), widths(f)), satAdd(satMul(6, bytes), satMul(maxNumberBits, values))), nil
	},
	"formatlist": func(args []cty.Value) (int64, int64, error) {
		f := str(args[0])
		rows := int64(1)
		for _, a := range args[1:] {
			if a.CanIterateElements() {
				rows = max(rows, int64(a.LengthInt()))
			}
		}
		values, bytes := sizeOf(args[1:])
		row := satAdd(satAdd(int64(len(f)), widths(f)), satAdd(satMul(6, bytes), satMul(maxNumberBits, values)))
		return rows + 1, satMul(rows, row), nil
	},
	"jsonencode": func(args []cty.Value) (int64, int64, error) {
		values, bytes := sizeOf(args)
		return 1, satAdd(satMul(6, bytes), satMul(maxNumberBits, values)), nil
	},
	"parseint": func(args []cty.Value) (int64, int64, error) {
		// big.Int takes quadratic time over long digit strings.
		if args[0].Type() == cty.String && len(args[0].AsString()) > maxNumberBits {
			return 0, 0, fmt.Errorf("the number has more than %d digits", maxNumberBits)
		}
		return 1, 0, nil
	},
}

func regexEstimate(args []cty.Value) (int64, int64, error) {
	groups := int64(strings.Count(str(args[0]), "(")) + 2
	return satMul(int64(len(str(args[1])))+1, groups), 0, nil
}

// str is a string argument, or "" for one of another type; estimates run
// before go-cty converts arguments.
func str(v cty.Value) string {
	if v.Type() != cty.String || v.IsNull() {
		return ""
	}
	return v.AsString()
}

// num is a whole-number argument saturated to int64, or 0.
func num(v cty.Value) int64 {
	if v.Type() != cty.Number || v.IsNull() {
		return 0
	}
	n, _ := v.AsBigFloat().Int64()
	return max(n, 0)
}

// sizeOf measures arguments, capped at what the budget could ever allow.
func sizeOf(args []cty.Value) (values, bytes int64) {
	for _, a := range args {
		m := measure(a, MaxValues, MaxTextBytes)
		if m.problem != nil {
			return MaxValues + 1, MaxTextBytes + 1
		}
		values, bytes = values+m.values, bytes+m.bytes
	}
	return values, bytes
}

// widths sums the numbers in a format string, an upper bound of the padding
// its widths and precisions add.
func widths(f string) int64 {
	var total, n int64
	for i := 0; i <= len(f); i++ {
		if i < len(f) && f[i] >= '0' && f[i] <= '9' {
			n = satAdd(satMul(n, 10), int64(f[i]-'0'))
			continue
		}
		total, n = satAdd(total, n), 0
	}
	return total
}

// jsonDepth is how deeply a JSON text nests, strings skipped.
func jsonDepth(s string) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

const saturated = math.MaxInt64 / 2

func satAdd(a, b int64) int64 { return min(a+b, saturated) }

func satMul(a, b int64) int64 {
	if a != 0 && b > saturated/a {
		return saturated
	}
	return min(a*b, saturated)
}
