package validate

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// stringField is one string-valued place of the spec model: a field of
// type string, *string, []string or map[string]string, reached from Spec
// through pointers and slices of blocks.
type stringField struct {
	path      []int // field indices from Spec
	name      string
	mapKey    bool // the string is a map key, not the value
	multiline bool
}

func (f stringField) String() string {
	if f.mapKey {
		return f.name + " (key)"
	}
	return f.name
}

// stringFields lists every string-valued place of the model by reflection,
// so that a field added later is listed without being named here.
func stringFields(t *testing.T) []stringField {
	t.Helper()
	var out []stringField
	var walk func(typ reflect.Type, path []int, name string)
	walk = func(typ reflect.Type, path []int, name string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() || f.Type == rangeType || f.Name == "Files" {
				continue
			}
			p := append(slices.Clone(path), i)
			n := name + "." + f.Name
			ft := f.Type
			ml := f.Tag.Get(textTag) == "multiline"
			switch {
			case ft.Kind() == reflect.String,
				ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.String,
				ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
				out = append(out, stringField{path: p, name: n, multiline: ml})
			case ft.Kind() == reflect.Map && ft.Key().Kind() == reflect.String && ft.Elem().Kind() == reflect.String:
				out = append(out, stringField{path: p, name: n, multiline: ml},
					stringField{path: p, name: n, mapKey: true, multiline: ml})
			case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), p, n)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Pointer && ft.Elem().Elem().Kind() == reflect.Struct:
				walk(ft.Elem().Elem(), p, n)
			case ft.Kind() == reflect.Int, ft.Kind() == reflect.Bool,
				ft.Kind() == reflect.Pointer && (ft.Elem().Kind() == reflect.Int || ft.Elem().Kind() == reflect.Bool):
			default:
				t.Errorf("%s has type %s, which this test does not know how to fill: teach it, so that the field is proven covered", n, ft)
			}
		}
	}
	walk(reflect.TypeOf(spec.Spec{}), nil, "Spec")
	return out
}

// fieldRange is the distinct range the test gives every range field: its
// line is the field's position in a walk of the model.
func fieldRange(line int) hcl.Range {
	return hcl.Range{Filename: "spec.hcl", Start: hcl.Pos{Line: line, Column: 1, Byte: line * 100}, End: hcl.Pos{Line: line, Column: 9, Byte: line*100 + 8}}
}

// fill builds a spec in which only the blocks on the way to field exist,
// with every range a distinct line, and the field holds text. It returns
// the range of the field's own attribute.
func fill(t *testing.T, field stringField, text string) (*spec.Spec, hcl.Range) {
	t.Helper()
	s := &spec.Spec{}
	line := 0
	setRanges := func(v reflect.Value) {
		for i := range v.NumField() {
			if v.Field(i).Type() == rangeType {
				line++
				v.Field(i).Set(reflect.ValueOf(fieldRange(line)))
			}
		}
	}
	v := reflect.ValueOf(s).Elem()
	setRanges(v)
	var own hcl.Range
	for depth, idx := range field.path {
		f := v.Type().Field(idx)
		fv := v.Field(idx)
		if depth == len(field.path)-1 {
			r, ok := v.Type().FieldByName(f.Name + "Range")
			if !ok {
				t.Fatalf("%s has no %sRange beside it: a diagnostic about it could only point at the whole block", field, f.Name)
			}
			own = v.FieldByIndex(r.Index).Interface().(hcl.Range)
			switch fv.Kind() {
			case reflect.String:
				fv.SetString(text)
			case reflect.Pointer:
				fv.Set(reflect.ValueOf(&text))
			case reflect.Slice:
				fv.Set(reflect.ValueOf([]string{"fine", text}))
			case reflect.Map:
				m := map[string]string{"fine": "fine"}
				if field.mapKey {
					m[text] = "fine"
				} else {
					m["key"] = text
				}
				fv.Set(reflect.ValueOf(m))
			}
			break
		}
		switch fv.Kind() {
		case reflect.Pointer:
			fv.Set(reflect.New(fv.Type().Elem()))
			v = fv.Elem()
		case reflect.Slice:
			elem := reflect.New(fv.Type().Elem().Elem())
			fv.Set(reflect.Append(reflect.MakeSlice(fv.Type(), 0, 1), elem))
			v = elem.Elem()
		}
		setRanges(v)
	}
	return s, own
}

// controlAt returns the control-character diagnostics of s.
func controlAt(s *spec.Spec) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range Spec(s) {
		if d.Summary == "Control character" {
			out = append(out, d)
		}
	}
	return out
}

// TestEveryStringFieldRefusesControlCharacters enumerates the model's string
// fields by reflection and proves, for each, that a control character in it
// is refused by Spec at that attribute's own range, and that a plain value
// is not. Multi-line fields take a newline and refuse everything else.
func TestEveryStringFieldRefusesControlCharacters(t *testing.T) {
	fields := stringFields(t)
	if len(fields) < 100 {
		t.Fatalf("found only %d string fields in the model; the walk is broken", len(fields))
	}
	var multiline []string
	for _, f := range fields {
		if f.multiline {
			multiline = append(multiline, f.String())
		}
		t.Run(f.String(), func(t *testing.T) {
			if s, _ := fill(t, f, "plain text"); len(controlAt(s)) > 0 {
				t.Fatalf("plain text is refused: %v", controlAt(s))
			}
			bad := []string{"a\rb", "a\x00b", "a\tb", "a\x1bb", "a\x7fb", "a\u0085b", "a\u009bb", "a\u2028b", "a\u2029b"}
			if f.multiline {
				if s, _ := fill(t, f, "line one\nline two\n"); len(controlAt(s)) > 0 {
					t.Errorf("a multi-line field refuses a newline: %v", controlAt(s))
				}
			} else {
				bad = append(bad, "a\nb")
			}
			for _, text := range bad {
				s, own := fill(t, f, text)
				diags := controlAt(s)
				if len(diags) != 1 {
					t.Errorf("%q: %d control-character diagnostics, want 1: %v", text, len(diags), diags)
					continue
				}
				if got := *diags[0].Subject; got != own {
					t.Errorf("%q: reported at %s, want the attribute's own range %s", text, got, own)
				}
				if !strings.Contains(diags[0].Detail, fmt.Sprintf("%U", []rune(text)[1])) || !strings.Contains(diags[0].Detail, "remove it") {
					t.Errorf("%q: the detail does not name the character or say what to do: %s", text, diags[0].Detail)
				}
			}
		})
	}
	// PEM text of CA certificates spans lines by its format.
	want := []string{"Spec.Namespaces.Reason", "Spec.BreakGlass.Reason", "Spec.Accepts.Reason", "Spec.Authentication.OIDC.CertificateAuthority"}
	slices.Sort(multiline)
	slices.Sort(want)
	if !slices.Equal(multiline, want) {
		t.Errorf("multi-line fields are %v, want %v: a field that spans lines must be one a reader expects to", multiline, want)
	}
}
