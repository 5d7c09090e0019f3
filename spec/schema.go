package spec

import (
	"reflect"
	"strings"
	"sync"
)

// BlockSchema describes one block type of the spec as the model's struct
// tags declare it: what gohcl decodes is exactly what the schema says, so
// tools that describe the spec (the loader's checks on variables today;
// a schema or explain command, a generated reference) read it from here
// rather than keeping a list of their own.
type BlockSchema struct {
	// Type is the block type ("node_pool"); "" for the top level of a file.
	Type string
	// Labels name the block's labels, in order ("name").
	Labels []string
	// Repeated says the block may appear several times.
	Repeated bool
	// Attributes and Blocks are in the order the model declares them.
	Attributes []*AttributeSchema
	Blocks     []*BlockSchema
	// Model is the Go type the block decodes into.
	Model reflect.Type
}

// AttributeSchema describes one attribute.
type AttributeSchema struct {
	Name     string
	Required bool
	// Type is the HCL type in words: "string", "number", "whole number",
	// "bool", "list of string", "map of string".
	Type string
	// Whole says the attribute takes a whole number: a count, a port, a
	// size in cores.
	Whole bool
	// Field is the model's field the attribute decodes into.
	Field reflect.StructField
}

// Block returns the schema of a nested block type, or nil.
func (b *BlockSchema) Block(typ string) *BlockSchema {
	for _, c := range b.Blocks {
		if c.Type == typ {
			return c
		}
	}
	return nil
}

// Attribute returns the schema of an attribute, or nil.
func (b *BlockSchema) Attribute(name string) *AttributeSchema {
	for _, a := range b.Attributes {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Schema returns the schema of a spec file's top level.
var Schema = sync.OnceValue(func() *BlockSchema {
	return schemaOf("", reflect.TypeFor[Spec]())
})

func schemaOf(typ string, t reflect.Type) *BlockSchema {
	b := &BlockSchema{Type: typ, Model: t}
	for i := range t.NumField() {
		f := t.Field(i)
		name, kind, ok := strings.Cut(f.Tag.Get("hcl"), ",")
		if !ok {
			continue
		}
		switch kind {
		case "label":
			b.Labels = append(b.Labels, name)
		case "attr", "optional":
			b.Attributes = append(b.Attributes, &AttributeSchema{
				Name: name, Required: kind == "attr", Field: f,
				Type: typeWords(f.Type), Whole: isWhole(f.Type),
			})
		case "block":
			et := f.Type
			repeated := et.Kind() == reflect.Slice
			if repeated {
				et = et.Elem()
			}
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			c := schemaOf(name, et)
			c.Repeated = repeated
			b.Blocks = append(b.Blocks, c)
		}
	}
	return b
}

func isWhole(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// typeWords names a model field's type as HCL users know it.
func typeWords(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case isWhole(t):
		return "whole number"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "number"
	case t.Kind() == reflect.Bool:
		return "bool"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Slice:
		return "list of " + typeWords(t.Elem())
	case t.Kind() == reflect.Map:
		return "map of " + typeWords(t.Elem())
	}
	return "any value"
}
