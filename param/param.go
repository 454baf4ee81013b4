package param

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/internal/text"
)

// Info describes one parameter for catalogues and forms. Its JSON form is
// what GET /api/classes serves for every class.
type Info struct {
	// Name is the parameter's name, the library's keyword argument.
	Name string `json:"name"`
	// Type is int, float, bool, string, "[]" + an element type, object,
	// any, or a type's own name (pair, size, padding, list, ...).
	Type string `json:"type"`
	// Default is the value used when the parameter is left out: the
	// constructor's default, "auto" for an inferred size, or null when the
	// parameter is required or its zero means "none".
	Default any `json:"default"`
	// Enum lists the accepted values.
	Enum []string `json:"enum,omitempty"`
	// Min and Max bound numbers (each element of a list); MinExcl and
	// MaxExcl make the bounds exclusive.
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	MinExcl bool     `json:"min_exclusive,omitempty"`
	MaxExcl bool     `json:"max_exclusive,omitempty"`
	// Nullable marks parameters that accept null (the zero value).
	Nullable bool `json:"nullable,omitempty"`
	// Help is a one-line description.
	Help string `json:"help,omitempty"`
	// Expect says in words what values are accepted, where the type and
	// bounds do not say it.
	Expect string `json:"expect,omitempty"`
	// Auto marks parameters that accept "auto" (inferred from the input
	// shape).
	Auto bool `json:"auto"`
	// NLabels marks parameters for which "n_labels" (the number of classes
	// of a training spec) is the usual value.
	NLabels bool `json:"n_labels"`
	// Required marks parameters without a default.
	Required bool `json:"required,omitempty"`
}

// Describe says in words what values p accepts, e.g. "an integer ≥ 1" or
// `one of "min", "max"`.
func (p *Info) Describe() string {
	if p.Expect != "" {
		return p.Expect
	}
	if len(p.Enum) > 0 {
		q := make([]string, len(p.Enum))
		for i, e := range p.Enum {
			if p.Type == "string" {
				q[i] = strconv.Quote(e)
			} else {
				q[i] = e
			}
		}
		s := "one of " + strings.Join(q, ", ")
		if p.Nullable {
			s += " or null"
		}
		return s
	}
	s := typeWords(p.Type)
	var r []string
	if p.Min != nil {
		op := "≥"
		if p.MinExcl {
			op = ">"
		}
		r = append(r, op+" "+FormatNumber(*p.Min))
	}
	if p.Max != nil {
		op := "≤"
		if p.MaxExcl {
			op = "<"
		}
		r = append(r, op+" "+FormatNumber(*p.Max))
	}
	if len(r) > 0 {
		if strings.HasPrefix(p.Type, "[]") {
			s += " each"
		}
		s += " " + strings.Join(r, " and ")
	}
	if p.Auto {
		s = `"auto" or ` + s
	}
	if p.NLabels {
		s += ` or "n_labels"`
	}
	if p.Nullable {
		s += " or null"
	}
	return s
}

func typeWords(t string) string {
	switch t {
	case "int":
		return "an integer"
	case "float":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "object":
		return "an object"
	case "[]int":
		return "a list of integers"
	case "[]float":
		return "a list of numbers"
	case "[]string":
		return "a list of strings"
	case "[]bool":
		return "a list of true or false"
	}
	return "a value"
}

// FormatNumber writes f as an error message shows it: integers without an
// exponent, other numbers in the shortest form.
func FormatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// ErrorKind says what is wrong with a parameter.
type ErrorKind int

// The kinds of Error.
const (
	BadValue ErrorKind = iota // a value of the wrong type or out of range
	Unknown                   // a name that is not a parameter
	Missing                   // a required parameter left out
)

// Error reports a bad parameter. Without Msg it reads "PARAM: expected
// EXPECTED, got GOT"; with Msg, "PARAM: MSG".
type Error struct {
	// Param is the parameter's path, e.g. "n_neighbors", "betas[1]",
	// "params" for the whole object.
	Param string
	// Expected says what is accepted, e.g. "an integer ≥ 1".
	Expected string
	// Got is the offending value as written (JSON), shortened.
	Got string
	// Msg, when set, is the whole message after the path.
	Msg string
	// Kind says whether the parameter was unknown, missing or bad.
	Kind ErrorKind
	// Known lists the parameter names, for Unknown.
	Known []string
	// Hint is ` (did you mean "x"?)` or "", for Unknown and for a string
	// outside an enum.
	Hint string
	// Bound marks a BadValue of the right type that lies outside the
	// parameter's bounds or enum; Got is then the offending number (one
	// element of a list) or the quoted string.
	Bound bool
	// Cause is the error of a value type's own UnmarshalJSON where the
	// parameter's expect tag words the error instead, for registries that
	// word errors themselves.
	Cause error
}

// Error formats e.
func (e *Error) Error() string {
	if e.Msg != "" {
		return e.Param + ": " + e.Msg
	}
	return fmt.Sprintf("%s: expected %s, got %s", e.Param, e.Expected, e.Got)
}

// BadInput marks e as the user's input rather than a bug.
func (e *Error) BadInput() bool { return true }

// Value is implemented by value types with their own JSON form (through
// json.Unmarshaler) that describe themselves: the type name the catalogue
// shows (e.g. "pair") and the accepted values in words for errors (e.g. "an
// integer or a list of two integers"); with an empty expect, the
// UnmarshalJSON error is the message.
type Value interface {
	ParamType() (name, expect string)
}

// Numbers is implemented by value types that hold numbers the bounds of
// their parameter apply to (each element of a pair, say).
type Numbers interface {
	ParamNumbers() []float64
}

// Options changes how Decode reads an object.
type Options struct {
	// Owner names the class, for "unknown parameter of Owner".
	Owner string
	// Skip lists keys of the object that are not parameters (e.g. "type").
	Skip []string
	// NLabels is the value "n_labels" stands for in integer parameters
	// tagged nlabels; 0 means the number of classes is not known, and
	// "n_labels" is an error.
	NLabels int
}

// field is one parameter of a params struct type.
type field struct {
	Info
	index  []int
	typ    reflect.Type
	nested *schema // a params struct held by value
}

type schema struct {
	fields []field
	byName map[string]int
	names  []string
}

var schemas sync.Map // reflect.Type -> *schema

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// schemaOf returns the schema of struct type t, building it once. It
// panics on a bad declaration (a malformed bound, a duplicate name): those
// are programming errors, caught when the class registers.
func schemaOf(t reflect.Type) *schema {
	if s, ok := schemas.Load(t); ok {
		return s.(*schema)
	}
	s := &schema{byName: map[string]int{}}
	s.collect(t, nil)
	for i, f := range s.fields {
		s.names = append(s.names, f.Name)
		s.byName[f.Name] = i
	}
	got, _ := schemas.LoadOrStore(t, s)
	return got.(*schema)
}

func (s *schema) collect(t reflect.Type, index []int) {
	for i := range t.NumField() {
		f := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			s.collect(f.Type, idx)
			continue
		}
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		for _, g := range s.fields {
			if g.Name == name {
				panic(fmt.Sprintf("param: %s declares parameter %q twice", t, name))
			}
		}
		p := field{index: idx, typ: f.Type}
		p.Name = name
		p.Help = f.Tag.Get("help")
		p.Expect = f.Tag.Get("expect")
		p.Nullable = f.Tag.Get("nullable") == "true"
		p.Auto = f.Tag.Get("auto") == "true"
		p.NLabels = f.Tag.Get("nlabels") == "true"
		p.Required = f.Tag.Get("required") == "true"
		if e := f.Tag.Get("enum"); e != "" {
			p.Enum = strings.Split(e, ",")
		}
		p.Min, p.MinExcl = bound(t, f, "min", "gt")
		p.Max, p.MaxExcl = bound(t, f, "max", "lt")
		p.Type = typeName(f.Type)
		if v, ok := valueOf(f.Type); ok {
			var expect string
			p.Type, expect = v.ParamType()
			if p.Expect == "" {
				p.Expect = expect
			}
		}
		if tn := f.Tag.Get("type"); tn != "" {
			p.Type = tn
		}
		if f.Type.Kind() == reflect.Struct && !implements(f.Type, unmarshalerType) {
			p.nested = schemaOf(f.Type)
			if p.Type == "any" {
				p.Type = "object"
			}
		}
		s.fields = append(s.fields, p)
	}
}

func bound(t reflect.Type, f reflect.StructField, incl, excl string) (*float64, bool) {
	for _, k := range []string{incl, excl} {
		if s := f.Tag.Get(k); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				panic(fmt.Sprintf("param: %s.%s: bad %s tag %q", t, f.Name, k, s))
			}
			return &v, k == excl
		}
	}
	return nil, false
}

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || reflect.PointerTo(t).Implements(iface)
}

// valueOf returns t's Value implementation (on t or *t), if any.
func valueOf(t reflect.Type) (Value, bool) {
	v, ok := reflect.New(t).Interface().(Value)
	return v, ok
}

func typeName(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return "any"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float64, reflect.Float32:
		return "float"
	case reflect.Bool:
		return "bool"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "[]" + typeName(t.Elem())
	case reflect.Map:
		return "object"
	}
	return "any"
}

// structOf returns the struct v points to (or is, for Describe and
// Encode), and its schema.
func structOf(v any, settable bool) (reflect.Value, *schema) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	} else if settable {
		panic(fmt.Sprintf("param: %T is not a pointer to a params struct", v))
	}
	if rv.Kind() != reflect.Struct {
		panic(fmt.Sprintf("param: %T is not a params struct", v))
	}
	return rv, schemaOf(rv.Type())
}

// Check panics unless v is a pointer to a params struct whose tags are
// well formed; registries call it when a class registers.
func Check(v any) {
	structOf(v, true)
}

// Names returns the parameter names of the params struct v (or v points
// to), in declaration order.
func Names(v any) []string {
	_, s := structOf(v, false)
	return append([]string(nil), s.names...)
}

// Describe returns the parameters of the params struct v (or v points to)
// in declaration order, with the defaults read from v.
func Describe(v any) []Info {
	rv, s := structOf(v, false)
	out := make([]Info, 0, len(s.fields))
	for _, f := range s.fields {
		p := f.Info
		fv := rv.FieldByIndex(f.index)
		switch {
		case p.Required:
			p.Default = nil
		case p.Auto && fv.IsZero() && autoKind(fv.Kind()):
			p.Default = "auto"
		default:
			p.Default = fv.Interface()
		}
		p.Enum = append([]string(nil), p.Enum...)
		out = append(out, p)
	}
	return out
}

// Encode returns the parameters of the params struct v (or v points to) as
// a JSON object that Decode reads back.
func Encode(v any) (json.RawMessage, error) {
	rv, s := structOf(v, false)
	m := make(map[string]any, len(s.fields))
	for _, f := range s.fields {
		fv := rv.FieldByIndex(f.index)
		if f.Auto && fv.IsZero() && autoKind(fv.Kind()) {
			m[f.Name] = "auto"
			continue
		}
		m[f.Name] = fv.Interface()
	}
	return json.Marshal(m)
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// abbrev shortens a JSON value for an error message without cutting a
// character in two.
func abbrev(b []byte) string { return text.Abbrev(strings.TrimSpace(string(b))) }
