package ml

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Array is a named n-dimensional array in an estimator's fitted state, stored
// row-major. Exactly one of F64 and F32 is set.
type Array struct {
	Shape []int
	F64   []float64
	F32   []float32
}

// Len returns the number of elements the shape describes.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// State is an estimator's fitted state as plain data: numeric arrays and JSON
// attributes (scalars, small lists, strings). Model files store nothing else,
// so loading a model never runs code from the file.
type State struct {
	Arrays map[string]*Array
	Attrs  map[string]json.RawMessage
}

// NewState returns an empty State.
func NewState() *State {
	return &State{Arrays: map[string]*Array{}, Attrs: map[string]json.RawMessage{}}
}

// SetFloats stores a float64 array under name; shape nil means a vector.
func (s *State) SetFloats(name string, data []float64, shape ...int) {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	s.Arrays[name] = &Array{Shape: append([]int(nil), shape...), F64: append([]float64(nil), data...)}
}

// SetFloat32s stores a float32 array under name.
func (s *State) SetFloat32s(name string, data []float32, shape ...int) {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	s.Arrays[name] = &Array{Shape: append([]int(nil), shape...), F32: append([]float32(nil), data...)}
}

// SetInts stores integers as a float64 array (exact below 2^53).
func (s *State) SetInts(name string, data []int, shape ...int) {
	f := make([]float64, len(data))
	for i, v := range data {
		f[i] = float64(v)
	}
	s.SetFloats(name, f, shape...)
}

// Floats returns the float64 array called name and its shape. It fails if the
// array is missing, of another type, or (when want is given) of another shape;
// a -1 in want matches any size in that dimension.
func (s *State) Floats(name string, want ...int) ([]float64, []int, error) {
	a, ok := s.Arrays[name]
	if !ok {
		return nil, nil, fmt.Errorf("state: missing array %q", name)
	}
	if a.F64 == nil && a.Len() != 0 {
		return nil, nil, fmt.Errorf("state: array %q is not float64", name)
	}
	if err := checkShape(name, a, want); err != nil {
		return nil, nil, err
	}
	return a.F64, a.Shape, nil
}

// Float32s is Floats for float32 arrays.
func (s *State) Float32s(name string, want ...int) ([]float32, []int, error) {
	a, ok := s.Arrays[name]
	if !ok {
		return nil, nil, fmt.Errorf("state: missing array %q", name)
	}
	if a.F32 == nil && a.Len() != 0 {
		return nil, nil, fmt.Errorf("state: array %q is not float32", name)
	}
	if err := checkShape(name, a, want); err != nil {
		return nil, nil, err
	}
	return a.F32, a.Shape, nil
}

// Ints returns an array stored by SetInts, checking every value is an integer
// in [lo, hi].
func (s *State) Ints(name string, lo, hi int, want ...int) ([]int, []int, error) {
	f, shape, err := s.Floats(name, want...)
	if err != nil {
		return nil, nil, err
	}
	out := make([]int, len(f))
	for i, v := range f {
		if v != float64(int(v)) || int(v) < lo || int(v) > hi {
			return nil, nil, fmt.Errorf("state: array %q element %d is %v, expected an integer in [%d, %d]", name, i, v, lo, hi)
		}
		out[i] = int(v)
	}
	return out, shape, nil
}

func checkShape(name string, a *Array, want []int) error {
	if len(a.Shape) > 0 && (a.F64 != nil || a.F32 != nil) {
		n := len(a.F64) + len(a.F32)
		if n != a.Len() {
			return fmt.Errorf("state: array %q holds %d values for shape %v", name, n, a.Shape)
		}
	}
	if want == nil {
		return nil
	}
	bad := len(want) != len(a.Shape)
	for i := 0; !bad && i < len(want); i++ {
		bad = want[i] >= 0 && want[i] != a.Shape[i]
	}
	if bad {
		return fmt.Errorf("state: array %q has shape %v, expected %v", name, a.Shape, want)
	}
	return nil
}

// SetAttr stores v, which must marshal to JSON.
func (s *State) SetAttr(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ml.State.SetAttr(%q): %v", name, err))
	}
	s.Attrs[name] = b
}

// Attr decodes the attribute called name into v.
func (s *State) Attr(name string, v any) error {
	b, ok := s.Attrs[name]
	if !ok {
		return fmt.Errorf("state: missing attribute %q", name)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("state: attribute %q: %v", name, err)
	}
	return nil
}

// Names returns the array names in sorted order.
func (s *State) Names() []string {
	names := make([]string, 0, len(s.Arrays))
	for k := range s.Arrays {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
