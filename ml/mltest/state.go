package mltest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/ml"
)

// encodedArray is an ml.Array in EncodeState's format: the values as
// little-endian IEEE 754 bytes, base64 encoded, so that every bit (NaN
// payloads and negative zero included) survives.
type encodedArray struct {
	Shape []int  `json:"shape"`
	DType string `json:"dtype"` // "f64" or "f32"
	Data  string `json:"data"`
}

type encodedState struct {
	Arrays map[string]encodedArray    `json:"arrays"`
	Attrs  map[string]json.RawMessage `json:"attrs"`
}

// EncodeState writes st as JSON with the arrays' values as base64 of their
// little-endian bytes, so DecodeState gives back every value bit for bit. It
// fails if an array is not well formed (see CheckState).
func EncodeState(st *ml.State) ([]byte, error) {
	if err := CheckState(st); err != nil {
		return nil, err
	}
	e := encodedState{Arrays: map[string]encodedArray{}, Attrs: st.Attrs}
	for name, a := range st.Arrays {
		ea := encodedArray{Shape: a.Shape, DType: "f64"}
		var buf []byte
		if a.F32 != nil {
			ea.DType = "f32"
			buf = make([]byte, 0, 4*len(a.F32))
			for _, v := range a.F32 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
		} else {
			buf = make([]byte, 0, 8*len(a.F64))
			for _, v := range a.F64 {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
		}
		ea.Data = base64.StdEncoding.EncodeToString(buf)
		e.Arrays[name] = ea
	}
	return json.Marshal(e)
}

// DecodeState reads what EncodeState wrote.
func DecodeState(b []byte) (*ml.State, error) {
	var e encodedState
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("mltest: decoding state: %w", err)
	}
	st := ml.NewState()
	for name, ea := range e.Arrays {
		buf, err := base64.StdEncoding.DecodeString(ea.Data)
		if err != nil {
			return nil, fmt.Errorf("mltest: array %q: %w", name, err)
		}
		a := &ml.Array{Shape: ea.Shape}
		switch ea.DType {
		case "f64":
			if len(buf)%8 != 0 {
				return nil, fmt.Errorf("mltest: array %q: %d bytes is not a whole number of float64", name, len(buf))
			}
			a.F64 = make([]float64, len(buf)/8)
			for i := range a.F64 {
				a.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
			}
		case "f32":
			if len(buf)%4 != 0 {
				return nil, fmt.Errorf("mltest: array %q: %d bytes is not a whole number of float32", name, len(buf))
			}
			a.F32 = make([]float32, len(buf)/4)
			for i := range a.F32 {
				a.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			}
		default:
			return nil, fmt.Errorf("mltest: array %q has dtype %q, want f64 or f32", name, ea.DType)
		}
		st.Arrays[name] = a
	}
	for k, v := range e.Attrs {
		st.Attrs[k] = v
	}
	return st, nil
}

// CheckState checks that st is well formed: every array has a name, at most
// one of F64 and F32 set, non-negative dimensions and as many values as its
// shape says; every attribute is valid JSON.
func CheckState(st *ml.State) error {
	if st == nil {
		return fmt.Errorf("state is nil")
	}
	for name, a := range st.Arrays {
		if name == "" {
			return fmt.Errorf("state has an array with an empty name")
		}
		if a == nil {
			return fmt.Errorf("state array %q is nil", name)
		}
		if a.F64 != nil && a.F32 != nil {
			return fmt.Errorf("state array %q has both F64 and F32 set", name)
		}
		for _, d := range a.Shape {
			if d < 0 {
				return fmt.Errorf("state array %q has shape %v", name, a.Shape)
			}
		}
		if n := len(a.F64) + len(a.F32); n != a.Len() {
			return fmt.Errorf("state array %q holds %d values for shape %v (%d)", name, n, a.Shape, a.Len())
		}
	}
	for name, v := range st.Attrs {
		if name == "" {
			return fmt.Errorf("state has an attribute with an empty name")
		}
		if !json.Valid(v) {
			return fmt.Errorf("state attribute %q is not valid JSON: %q", name, v)
		}
	}
	return nil
}

// diffState describes how got differs from want (arrays bit for bit,
// attributes as compact JSON), or returns nil.
func diffState(got, want *ml.State) error {
	if g, w := got.Names(), want.Names(); !slices.Equal(g, w) {
		return fmt.Errorf("arrays %v, want %v", g, w)
	}
	for _, name := range want.Names() {
		g, w := got.Arrays[name], want.Arrays[name]
		if !slices.Equal(g.Shape, w.Shape) {
			return fmt.Errorf("array %q has shape %v, want %v", name, g.Shape, w.Shape)
		}
		if (g.F32 != nil) != (w.F32 != nil) {
			return fmt.Errorf("array %q changed element type", name)
		}
		if err := diffFloats("array "+name, g.F64, w.F64); err != nil && len(w.F64)+len(g.F64) > 0 {
			return err
		}
		if len(g.F32) != len(w.F32) {
			return fmt.Errorf("array %q has %d values, want %d", name, len(g.F32), len(w.F32))
		}
		for i := range w.F32 {
			if math.Float32bits(g.F32[i]) != math.Float32bits(w.F32[i]) {
				return fmt.Errorf("array %q[%d] = %v, want %v (bit for bit)", name, i, g.F32[i], w.F32[i])
			}
		}
	}
	gk, wk := attrNames(got), attrNames(want)
	if !slices.Equal(gk, wk) {
		return fmt.Errorf("attributes %v, want %v", gk, wk)
	}
	for _, k := range wk {
		var g, w bytes.Buffer
		if json.Compact(&g, got.Attrs[k]) != nil || json.Compact(&w, want.Attrs[k]) != nil || !bytes.Equal(g.Bytes(), w.Bytes()) {
			return fmt.Errorf("attribute %q is %s, want %s", k, got.Attrs[k], want.Attrs[k])
		}
	}
	return nil
}

func attrNames(st *ml.State) []string {
	names := make([]string, 0, len(st.Attrs))
	for k := range st.Attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// copyState deep-copies st.
func copyState(st *ml.State) *ml.State {
	c := ml.NewState()
	for name, a := range st.Arrays {
		c.Arrays[name] = &ml.Array{Shape: slices.Clone(a.Shape), F64: slices.Clone(a.F64), F32: slices.Clone(a.F32)}
	}
	for k, v := range st.Attrs {
		c.Attrs[k] = slices.Clone(v)
	}
	return c
}

// tampered is a corrupted copy of a fitted state.
type tampered struct {
	what string
	// strict: UnmarshalState must fail. Otherwise it may succeed, but the
	// estimator must then not panic.
	strict bool
	st     *ml.State
}

// tamperings returns corrupted copies of st: each array removed, of the
// other element type, with one value missing, of another number of
// dimensions, and grown by one in its first dimension; each attribute
// removed and of another JSON type.
func tamperings(st *ml.State) []tampered {
	var out []tampered
	for _, name := range st.Names() {
		a := st.Arrays[name]
		c := copyState(st)
		delete(c.Arrays, name)
		out = append(out, tampered{fmt.Sprintf("array %q removed", name), true, c})

		if a.Len() > 0 {
			c = copyState(st)
			ca := c.Arrays[name]
			if ca.F64 != nil {
				ca.F32 = make([]float32, len(ca.F64))
				for i, v := range ca.F64 {
					ca.F32[i] = float32(v)
				}
				ca.F64 = nil
			} else {
				ca.F64 = make([]float64, len(ca.F32))
				for i, v := range ca.F32 {
					ca.F64[i] = float64(v)
				}
				ca.F32 = nil
			}
			out = append(out, tampered{fmt.Sprintf("array %q of the other element type", name), true, c})

			c = copyState(st)
			ca = c.Arrays[name]
			if ca.F64 != nil {
				ca.F64 = ca.F64[:len(ca.F64)-1]
			} else {
				ca.F32 = ca.F32[:len(ca.F32)-1]
			}
			out = append(out, tampered{fmt.Sprintf("array %q with one value fewer than its shape %v says", name, a.Shape), true, c})
		}

		c = copyState(st)
		ca := c.Arrays[name]
		if len(ca.Shape) == 1 {
			ca.Shape = []int{ca.Shape[0], 1}
		} else {
			ca.Shape = []int{a.Len()}
		}
		out = append(out, tampered{fmt.Sprintf("array %q reshaped from %v to %v", name, a.Shape, ca.Shape), true, c})

		if len(a.Shape) > 0 {
			c = copyState(st)
			ca = c.Arrays[name]
			ca.Shape[0]++
			extra := a.Len() / max(a.Shape[0], 1)
			if a.Shape[0] == 0 {
				extra = 1
				for _, d := range a.Shape[1:] {
					extra *= d
				}
			}
			if ca.F32 != nil {
				ca.F32 = append(ca.F32, make([]float32, extra)...)
			} else {
				ca.F64 = append(ca.F64, make([]float64, extra)...)
			}
			out = append(out, tampered{fmt.Sprintf("array %q grown from %v to %v", name, a.Shape, ca.Shape), false, c})
		}
	}
	for _, k := range attrNames(st) {
		c := copyState(st)
		delete(c.Attrs, k)
		out = append(out, tampered{fmt.Sprintf("attribute %q removed", k), true, c})

		c = copyState(st)
		c.Attrs[k] = otherJSONType(st.Attrs[k])
		out = append(out, tampered{fmt.Sprintf("attribute %q changed from %s to %s", k, abbrev(st.Attrs[k]), c.Attrs[k]), true, c})
	}
	return out
}

// otherJSONType returns a JSON value of another type than v.
func otherJSONType(v json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return json.RawMessage(`"tampered"`)
	}
	switch t[0] {
	case '"':
		return json.RawMessage(`12345`)
	case '[':
		return json.RawMessage(`{"tampered": true}`)
	case '{':
		return json.RawMessage(`[1, 2, 3]`)
	}
	return json.RawMessage(`"tampered"`) // numbers, booleans, null
}

func abbrev(b []byte) string { return text.Abbrev(string(bytes.TrimSpace(b))) }
