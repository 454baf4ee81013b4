package ml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/internal/suggest"
)

// ClassInfo describes a registered estimator class.
type ClassInfo struct {
	// Name is the scikit-learn class name, e.g. "KNeighborsClassifier".
	Name string `json:"name"`
	// Task is what the class learns.
	Task Task `json:"task"`
	// Family is the package it lives in, e.g. "neighbors".
	Family string `json:"family"`
	// Doc is a one-line description.
	Doc string `json:"doc"`
	// New returns an estimator with scikit-learn's default hyperparameters.
	// The value must be a pointer to a struct whose exported fields with json
	// tags are the hyperparameters.
	New func() Estimator `json:"-"`
	// Params describes the hyperparameters; filled in by Register.
	Params []ParamInfo `json:"params"`
}

// ParamInfo describes one hyperparameter, read from the struct field's tags:
//
//	json:"n_neighbors" min:"1" help:"number of neighbours"
//
// Recognised tags: min and max (inclusive bounds), gt and lt (exclusive
// bounds), enum (comma-separated allowed strings), expect (a description of
// the accepted values for fields with custom JSON decoding) and help.
type ParamInfo struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"` // int, float, bool, string, []int, []float, any
	Default  any      `json:"default"`
	Enum     []string `json:"enum,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	MinExcl  bool     `json:"min_exclusive,omitempty"`
	MaxExcl  bool     `json:"max_exclusive,omitempty"`
	Nullable bool     `json:"nullable,omitempty"` // null sets the zero value, documented in help
	Help     string   `json:"help,omitempty"`

	expect string
	index  []int
}

var registry = struct {
	sync.RWMutex
	byName map[string]*ClassInfo
	byType map[reflect.Type]*ClassInfo
}{byName: map[string]*ClassInfo{}, byType: map[reflect.Type]*ClassInfo{}}

// Register adds a class to the registry. It panics on a duplicate name or a
// New that does not return a pointer to a struct: both are programming errors
// caught at init.
func Register(info ClassInfo) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byName[info.Name]; dup {
		panic("ml: duplicate registration of " + info.Name)
	}
	e := info.New()
	rt := reflect.TypeOf(e)
	if rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
		panic("ml: " + info.Name + ".New must return a pointer to a struct")
	}
	info.Params = paramInfos(reflect.ValueOf(e).Elem())
	registry.byName[info.Name] = &info
	registry.byType[rt] = &info
}

// Classes returns every registered class, sorted by name.
func Classes() []ClassInfo {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]ClassInfo, 0, len(registry.byName))
	for _, c := range registry.byName {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ClassNames returns the registered class names, sorted.
func ClassNames() []string {
	cs := Classes()
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// Lookup returns the class registered under name. The error, for an unknown
// name, suggests the closest registered one.
func Lookup(name string) (*ClassInfo, error) {
	registry.RLock()
	c, ok := registry.byName[name]
	registry.RUnlock()
	if !ok {
		return nil, &ParamError{Param: "class", Msg: fmt.Sprintf("unknown class %q%s", name, suggest.Hint(name, ClassNames()))}
	}
	return c, nil
}

// ClassOf returns the registration of e's type, or nil if it is not registered.
func ClassOf(e Estimator) *ClassInfo {
	registry.RLock()
	defer registry.RUnlock()
	return registry.byType[reflect.TypeOf(e)]
}

// ClassName returns the registered class name of e, or its Go type name.
func ClassName(e Estimator) string {
	if c := ClassOf(e); c != nil {
		return c.Name
	}
	return reflect.TypeOf(e).String()
}

// New builds the estimator registered as class with its default
// hyperparameters overridden by params, a JSON object (nil or empty means all
// defaults). Unknown parameters, values of the wrong type and values out of
// range are reported as *ParamError naming the parameter. New runs the
// estimator's Validate if it has one.
func New(class string, params json.RawMessage) (Estimator, error) {
	c, err := Lookup(class)
	if err != nil {
		return nil, err
	}
	e := c.New()
	if err := SetParams(e, params); err != nil {
		return nil, err
	}
	return e, nil
}

// SetParams sets the hyperparameters named in params (a JSON object) on e,
// which must be a registered estimator, then validates all of them.
func SetParams(e Estimator, params json.RawMessage) error {
	c := ClassOf(e)
	if c == nil {
		return fmt.Errorf("ml: %T is not a registered estimator", e)
	}
	v := reflect.ValueOf(e).Elem()
	params = bytes.TrimSpace(params)
	if len(params) > 0 && !bytes.Equal(params, []byte("null")) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(params, &obj); err != nil {
			return &ParamError{Param: "params", Expected: "an object", Got: abbrev(params)}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := c.param(k)
			if p == nil {
				return &ParamError{Param: k, Msg: fmt.Sprintf("unknown parameter of %s%s; known: %s", c.Name, suggest.Hint(k, c.paramNames()), strings.Join(c.paramNames(), ", "))}
			}
			if err := decodeParam(v.FieldByIndex(p.index), p, obj[k]); err != nil {
				return err
			}
		}
	}
	return ValidateParams(e)
}

// ValidateParams checks every hyperparameter of a registered estimator against
// its tags (min, max, enum) and runs Validate if the estimator has one. Fit
// methods call it first.
func ValidateParams(e Estimator) error {
	if c := ClassOf(e); c != nil {
		v := reflect.ValueOf(e).Elem()
		for i := range c.Params {
			p := &c.Params[i]
			if err := checkBounds(v.FieldByIndex(p.index), p); err != nil {
				return err
			}
		}
	}
	if val, ok := e.(Validator); ok {
		return val.Validate()
	}
	return nil
}

// Params returns e's hyperparameters as a JSON object.
func Params(e Estimator) (json.RawMessage, error) {
	c := ClassOf(e)
	if c == nil {
		return nil, fmt.Errorf("ml: %T is not a registered estimator", e)
	}
	v := reflect.ValueOf(e).Elem()
	m := make(map[string]any, len(c.Params))
	for _, p := range c.Params {
		m[p.Name] = v.FieldByIndex(p.index).Interface()
	}
	return json.Marshal(m)
}

// Clone returns a new, unfitted estimator of e's class with the same
// hyperparameters, like sklearn.base.clone.
func Clone(e Estimator) (Estimator, error) {
	c := ClassOf(e)
	if c == nil {
		return nil, fmt.Errorf("ml: %T is not a registered estimator", e)
	}
	p, err := Params(e)
	if err != nil {
		return nil, err
	}
	n := c.New()
	if err := SetParams(n, p); err != nil {
		return nil, err
	}
	return n, nil
}

func (c *ClassInfo) param(name string) *ParamInfo {
	for i := range c.Params {
		if c.Params[i].Name == name {
			return &c.Params[i]
		}
	}
	return nil
}

func (c *ClassInfo) paramNames() []string {
	names := make([]string, len(c.Params))
	for i, p := range c.Params {
		names[i] = p.Name
	}
	return names
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func paramInfos(v reflect.Value) []ParamInfo {
	var out []ParamInfo
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		p := ParamInfo{Name: name, Help: f.Tag.Get("help"), expect: f.Tag.Get("expect"), index: f.Index, Default: v.Field(i).Interface()}
		p.Type = typeName(f.Type)
		if e := f.Tag.Get("enum"); e != "" {
			p.Enum = strings.Split(e, ",")
		}
		p.Min, p.MinExcl = bound(f.Tag, "min", "gt")
		p.Max, p.MaxExcl = bound(f.Tag, "max", "lt")
		p.Nullable = f.Tag.Get("nullable") == "true"
		out = append(out, p)
	}
	return out
}

func bound(tag reflect.StructTag, incl, excl string) (*float64, bool) {
	for _, k := range []string{incl, excl} {
		if s := tag.Get(k); s != "" {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				panic("ml: bad " + k + " tag " + s)
			}
			return &f, k == excl
		}
	}
	return nil, false
}

func typeName(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return "any"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "int"
	case reflect.Float64, reflect.Float32:
		return "float"
	case reflect.Bool:
		return "bool"
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "[]" + typeName(t.Elem())
	}
	return "any"
}

// describe says in words what values p accepts, e.g. "an integer ≥ 1".
func (p *ParamInfo) describe() string {
	if p.expect != "" {
		return p.expect
	}
	if len(p.Enum) > 0 {
		q := make([]string, len(p.Enum))
		for i, e := range p.Enum {
			q[i] = strconv.Quote(e)
		}
		return "one of " + strings.Join(q, ", ")
	}
	var s string
	switch p.Type {
	case "int":
		s = "an integer"
	case "float":
		s = "a number"
	case "bool":
		s = "true or false"
	case "string":
		s = "a string"
	case "[]int":
		s = "a list of integers"
	case "[]float":
		s = "a list of numbers"
	default:
		s = "a value"
	}
	var r []string
	if p.Min != nil {
		op := "≥"
		if p.MinExcl {
			op = ">"
		}
		r = append(r, op+" "+fmtNum(*p.Min))
	}
	if p.Max != nil {
		op := "≤"
		if p.MaxExcl {
			op = "<"
		}
		r = append(r, op+" "+fmtNum(*p.Max))
	}
	if len(r) > 0 {
		if strings.HasPrefix(p.Type, "[]") {
			s += " each"
		}
		s += " " + strings.Join(r, " and ")
	}
	if p.Nullable {
		s += " or null"
	}
	return s
}

func fmtNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func abbrev(b []byte) string {
	s := string(bytes.TrimSpace(b))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

func decodeParam(field reflect.Value, p *ParamInfo, raw json.RawMessage) error {
	bad := &ParamError{Param: p.Name, Expected: p.describe(), Got: abbrev(raw)}
	raw = bytes.TrimSpace(raw)
	if bytes.Equal(raw, []byte("null")) {
		// A list may always be null (no list), as Params writes nil slices.
		if !p.Nullable && field.Kind() != reflect.Slice {
			return bad
		}
		field.Set(reflect.Zero(field.Type()))
		return nil
	}
	if field.Addr().Type().Implements(unmarshalerType) {
		if err := field.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			return bad
		}
		return nil
	}
	if err := decodeValue(field, raw); err != nil {
		return bad
	}
	return checkBounds(field, p)
}

func decodeValue(field reflect.Value, raw json.RawMessage) error {
	switch field.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return err
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return fmt.Errorf("not an integer")
		}
		field.SetInt(int64(f))
		return nil
	case reflect.Slice:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		s := reflect.MakeSlice(field.Type(), len(items), len(items))
		for i, it := range items {
			if err := decodeValue(s.Index(i), it); err != nil {
				return err
			}
		}
		field.Set(s)
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(field.Addr().Interface())
}

func checkBounds(field reflect.Value, p *ParamInfo) error {
	if p.Nullable && field.IsZero() {
		return nil
	}
	if field.Kind() == reflect.Slice {
		for i := 0; i < field.Len(); i++ {
			if err := checkBounds(field.Index(i), &ParamInfo{Name: p.Name, Type: p.Type, Min: p.Min, Max: p.Max, MinExcl: p.MinExcl, MaxExcl: p.MaxExcl, Enum: p.Enum, expect: p.expect}); err != nil {
				return err
			}
		}
		return nil
	}
	var x float64
	switch field.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		x = float64(field.Int())
	case reflect.Float64, reflect.Float32:
		x = field.Float()
		if math.IsNaN(x) {
			return &ParamError{Param: p.Name, Expected: p.describe(), Got: "NaN"}
		}
	case reflect.String:
		if len(p.Enum) > 0 && !contains(p.Enum, field.String()) {
			return &ParamError{Param: p.Name, Expected: p.describe() + suggest.Hint(field.String(), p.Enum), Got: strconv.Quote(field.String())}
		}
		return nil
	default:
		return nil
	}
	got := fmtNum(x)
	if p.Min != nil && (x < *p.Min || p.MinExcl && x == *p.Min) ||
		p.Max != nil && (x > *p.Max || p.MaxExcl && x == *p.Max) {
		return &ParamError{Param: p.Name, Expected: p.describe(), Got: got}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
