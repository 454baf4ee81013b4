package param

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/suggest"
)

// Decode sets the parameters named in raw, a JSON object, on the params
// struct dst points to (which holds the defaults), then validates every
// parameter. Empty input or null sets nothing. Keys are read in sorted
// order and the first error is returned, an *Error naming the parameter.
func Decode(raw json.RawMessage, dst any, o Options) error {
	raw = bytes.TrimSpace(raw)
	var obj map[string]json.RawMessage
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			return &Error{Param: "params", Expected: "an object", Got: abbrev(raw)}
		}
	}
	return DecodeObject(obj, dst, o)
}

// DecodeObject is Decode for an object already split into its keys.
func DecodeObject(obj map[string]json.RawMessage, dst any, o Options) error {
	rv, s := structOf(dst, true)
	if err := s.decode(rv, obj, o, ""); err != nil {
		return err
	}
	return Validate(dst)
}

func (s *schema) decode(rv reflect.Value, obj map[string]json.RawMessage, o Options, prefix string) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if !slices.Contains(o.Skip, k) || prefix != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		i, ok := s.byName[k]
		if !ok {
			return s.unknown(prefix, k, o.Owner)
		}
		f := &s.fields[i]
		if err := f.decode(rv.FieldByIndex(f.index), obj[k], o, prefix+f.Name); err != nil {
			return err
		}
	}
	for _, f := range s.fields {
		if _, ok := obj[f.Name]; f.Required && !ok {
			return &Error{Param: prefix + f.Name, Kind: Missing, Expected: f.Describe(), Msg: "required: expected " + f.Describe()}
		}
	}
	return nil
}

func (s *schema) unknown(prefix, k, owner string) *Error {
	what := "unknown parameter"
	if owner != "" {
		what += " of " + owner
	}
	hint := suggest.Hint(k, s.names)
	known := "it takes no parameters"
	if len(s.names) > 0 {
		known = "known: " + strings.Join(s.names, ", ")
	}
	name := k // at the top level as written: the caller joins it to its path
	if prefix != "" {
		if name = pathKey(k); strings.HasPrefix(name, "[") {
			name = strings.TrimSuffix(prefix, ".") + name
		} else {
			name = prefix + name
		}
	}
	return &Error{Param: name, Kind: Unknown, Known: append([]string(nil), s.names...), Hint: hint,
		Msg: what + hint + "; " + known}
}

// pathKey writes a key inside a nested params struct as a path element: as it is when it is a plain
// name, else quoted in brackets.
func pathKey(k string) string {
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "[" + strconv.Quote(k) + "]"
		}
	}
	if k == "" {
		return `[""]`
	}
	return k
}

// decode sets one parameter from its JSON value.
func (f *field) decode(v reflect.Value, raw json.RawMessage, o Options, path string) error {
	raw = bytes.TrimSpace(raw)
	bad := func() error {
		return &Error{Param: path, Expected: f.Describe(), Got: abbrev(raw)}
	}
	if bytes.Equal(raw, []byte("null")) {
		switch {
		case f.Nullable, v.Kind() == reflect.Slice, v.Kind() == reflect.Map, v.Kind() == reflect.Pointer && !f.Required:
			v.SetZero()
			return nil
		}
		return bad()
	}
	if autoKind(v.Kind()) && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			switch {
			case s == "auto" && f.Auto:
				v.SetZero()
				return nil
			case s == "n_labels" && f.NLabels && isInt(v.Kind()):
				if o.NLabels <= 0 {
					return &Error{Param: path, Msg: `"n_labels" is the number of classes, which is not known here (only a classification network has it)`}
				}
				v.SetInt(int64(o.NLabels))
				return nil
			}
		}
	}
	if u, ok := v.Addr().Interface().(json.Unmarshaler); ok {
		if err := u.UnmarshalJSON(raw); err != nil {
			if pe, ok := err.(*Error); ok {
				pe.Param = joinPath(path, pe.Param)
				return pe
			}
			if f.Expect == "" {
				if vt, ok := v.Addr().Interface().(Value); ok {
					if _, e := vt.ParamType(); e != "" {
						return &Error{Param: path, Expected: e, Got: abbrev(raw)}
					}
				}
				return &Error{Param: path, Msg: err.Error()}
			}
			e := bad().(*Error)
			e.Cause = err
			return e
		}
		return nil
	}
	if f.nested != nil {
		var obj map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			return bad()
		}
		return f.nested.decode(v, obj, Options{NLabels: o.NLabels}, path+".")
	}
	if err := decodeValue(v, raw, o); err != nil {
		return bad()
	}
	// A value written out is checked even where its zero means "auto".
	return f.checkValue(v, path, f.Nullable)
}

// autoKind reports whether "auto" can stand for the zero value of a field
// of kind k: numbers, lists and pointers (a string field takes "auto" as
// a string).
func autoKind(k reflect.Kind) bool {
	return isNumber(k) || k == reflect.Slice || k == reflect.Pointer
}

func joinPath(path, sub string) string {
	switch {
	case sub == "" || sub == path:
		return path
	case strings.HasPrefix(sub, "["):
		return path + sub
	}
	return path + "." + sub
}

func isInt(k reflect.Kind) bool {
	return isNumber(k) && k != reflect.Float32 && k != reflect.Float64
}

var errType = fmt.Errorf("wrong type")

// decodeValue decodes raw into v strictly: integers without a fraction,
// lists of the array's length, no unknown fields in structs.
func decodeValue(v reflect.Value, raw json.RawMessage, o Options) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return errType
	}
	if u, ok := v.Addr().Interface().(json.Unmarshaler); ok {
		return u.UnmarshalJSON(raw)
	}
	switch k := v.Kind(); {
	case isInt(k):
		var n json.Number
		if raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
			return errType
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return errType
		}
		switch k {
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if f < 0 || v.OverflowUint(uint64(f)) {
				return errType
			}
			v.SetUint(uint64(f))
		default:
			if v.OverflowInt(int64(f)) {
				return errType
			}
			v.SetInt(int64(f))
		}
		return nil
	case k == reflect.Float64 || k == reflect.Float32:
		var f float64
		if raw[0] == '"' || json.Unmarshal(raw, &f) != nil {
			return errType
		}
		v.SetFloat(f)
		return nil
	case k == reflect.Slice || k == reflect.Array:
		var items []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
			return errType
		}
		if k == reflect.Array {
			if len(items) != v.Len() {
				return errType
			}
			for i, it := range items {
				if err := decodeValue(v.Index(i), it, o); err != nil {
					return err
				}
			}
			return nil
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, it := range items {
			if err := decodeValue(s.Index(i), it, o); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case k == reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return errType
		}
		var items map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &items) != nil {
			return errType
		}
		m := reflect.MakeMapWithSize(v.Type(), len(items))
		for key, it := range items {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(e, it, o); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), e)
		}
		v.Set(m)
		return nil
	case k == reflect.Pointer:
		if bytes.Equal(raw, []byte("null")) {
			v.SetZero()
			return nil
		}
		e := reflect.New(v.Type().Elem())
		if err := decodeValue(e.Elem(), raw, o); err != nil {
			return err
		}
		v.Set(e)
		return nil
	case k == reflect.Struct:
		var obj map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			return errType
		}
		return schemaOf(v.Type()).decode(v, obj, Options{NLabels: o.NLabels}, "")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v.Addr().Interface()); err != nil {
		return err
	}
	if d.More() {
		return errType
	}
	return nil
}

// Validate checks every parameter of the params struct v points to (or
// is) against its bounds and enum, and that nested params structs are
// valid. It returns the first *Error, naming the parameter.
func Validate(v any) error {
	rv, s := structOf(v, false)
	return s.validate(rv, "")
}

func (s *schema) validate(rv reflect.Value, prefix string) error {
	for i := range s.fields {
		f := &s.fields[i]
		fv := rv.FieldByIndex(f.index)
		if f.nested != nil {
			if err := f.nested.validate(fv, prefix+f.Name+"."); err != nil {
				return err
			}
			continue
		}
		if err := f.check(fv, prefix+f.Name); err != nil {
			return err
		}
	}
	return nil
}

// check tests one value (or each element of a list) against f's bounds
// and enum.
func (f *field) check(v reflect.Value, path string) error {
	return f.checkValue(v, path, f.Nullable || f.Auto)
}

// checkValue is check, skipping zero values when skipZero is set.
func (f *field) checkValue(v reflect.Value, path string, skipZero bool) error {
	if skipZero && v.IsZero() {
		return nil
	}
	if n, ok := v.Interface().(Numbers); ok {
		for _, x := range n.ParamNumbers() {
			if err := f.checkNumber(x, path); err != nil {
				return err
			}
		}
		return nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch k := v.Kind(); {
	case k == reflect.Slice || k == reflect.Array:
		for i := range v.Len() {
			ev := v.Index(i)
			if ev.Kind() == reflect.Pointer || ev.Kind() == reflect.Slice || ev.Kind() == reflect.Array {
				continue
			}
			if err := f.checkScalar(ev, path); err != nil {
				return err
			}
		}
		return nil
	}
	return f.checkScalar(v, path)
}

func (f *field) checkScalar(v reflect.Value, path string) error {
	switch k := v.Kind(); {
	case isInt(k):
		var x float64
		if k >= reflect.Uint && k <= reflect.Uint64 {
			x = float64(v.Uint())
		} else {
			x = float64(v.Int())
		}
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, FormatNumber(x)) {
			return &Error{Param: path, Expected: f.Describe(), Got: FormatNumber(x), Bound: true}
		}
		return f.checkNumber(x, path)
	case k == reflect.Float64 || k == reflect.Float32:
		x := v.Float()
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, FormatNumber(x)) {
			return &Error{Param: path, Expected: f.Describe(), Got: FormatNumber(x), Bound: true}
		}
		return f.checkNumber(x, path)
	case k == reflect.String:
		s := v.String()
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
			return &Error{Param: path, Expected: f.Describe() + suggest.Hint(s, f.Enum), Got: abbrev([]byte(strconv.Quote(s))),
				Bound: true, Hint: suggest.Hint(s, f.Enum)}
		}
	}
	return nil
}

func (f *field) checkNumber(x float64, path string) error {
	if math.IsNaN(x) {
		return &Error{Param: path, Expected: f.Describe(), Got: "NaN"}
	}
	if f.Min != nil && (x < *f.Min || f.MinExcl && x == *f.Min) ||
		f.Max != nil && (x > *f.Max || f.MaxExcl && x == *f.Max) {
		return &Error{Param: path, Expected: f.Describe(), Got: FormatNumber(x), Bound: true}
	}
	return nil
}
