package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sample() map[string]*Tensor {
	return map[string]*Tensor{
		"0.weight": {Shape: []int{2, 3}, F32: []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}},
		"0.bias":   {Shape: []int{2}, F32: []float32{-1, 0.5}},
		"mean_":    {Shape: []int{3}, F64: []float64{math.Pi, -0.0, 1e-300}},
		"steps":    {Shape: []int{}, I64: []int64{-7}},
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sample(), map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if hl := binary.LittleEndian.Uint64(buf.Bytes()); hl%8 != 0 {
		t.Errorf("header length %d is not 8-aligned", hl)
	}
	f, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" {
		t.Errorf("metadata = %v", f.Metadata)
	}
	for name, want := range sample() {
		got := f.Tensors[name]
		if got == nil || got.DType() != want.DType() || len(got.Shape) != len(want.Shape) {
			t.Fatalf("%s: got %+v, want %+v", name, got, want)
		}
		for i := range want.F32 {
			if math.Float32bits(got.F32[i]) != math.Float32bits(want.F32[i]) {
				t.Errorf("%s[%d] = %v, want %v", name, i, got.F32[i], want.F32[i])
			}
		}
		for i := range want.F64 {
			if math.Float64bits(got.F64[i]) != math.Float64bits(want.F64[i]) {
				t.Errorf("%s[%d] = %v, want %v", name, i, got.F64[i], want.F64[i])
			}
		}
		for i := range want.I64 {
			if got.I64[i] != want.I64[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, got.I64[i], want.I64[i])
			}
		}
	}
}

// damaged returns damaged versions of a good file, by what is wrong with
// them, with the text Decode's error must contain.
func damaged(t testing.TB) map[string]struct {
	b    []byte
	want string
} {
	var buf bytes.Buffer
	if err := Encode(&buf, sample(), nil); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	hl := int(binary.LittleEndian.Uint64(good))
	header := string(good[8 : 8+hl])
	withHeader := func(h string) []byte {
		for len(h)%8 != 0 {
			h += " "
		}
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		return append(append(b, h...), good[8+hl:]...)
	}
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"empty":           {nil, "truncated"},
		"truncated data":  {good[:len(good)-3], "do not match"},
		"huge header len": {append(binary.LittleEndian.AppendUint64(nil, 1<<40), good[8:]...), "exceeds the file"},
		"not json":        {withHeader("{nope"), "not a JSON object"},
		"bad dtype":       {withHeader(strings.Replace(header, `"F64"`, `"Q8"`, 1)), "unsupported dtype"},
		"trailing bytes":  {append(append([]byte(nil), good...), 1, 2, 3, 4), "follow the last tensor"},
		"negative shape":  {withHeader(strings.Replace(header, `"shape":[3]`, `"shape":[-3]`, 1)), "does not fit"},
		"unknown field":   {withHeader(strings.Replace(header, `"dtype"`, `"evil":1,"dtype"`, 1)), "bad header entry"},
	}
	return cases
}

func TestDecodeRejectsDamage(t *testing.T) {
	cases := damaged(t)
	for name, c := range cases {
		_, err := Decode(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", name, err, c.want)
		}
	}
}

// FuzzDecode decodes mutated files: seeded with a good file, each damaged
// version of it, and every safetensors file in the repository's testdata
// (model files, a PyTorch state dict). A file that decodes encodes again
// to a file that decodes to the same tensors and metadata.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	if err := Encode(&buf, sample(), map[string]string{"a": "b"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	for _, c := range damaged(f) {
		f.Add(c.b)
	}
	for _, glob := range []string{"testdata/*", "../*/testdata/*.safetensors", "../*/testdata/*/*.safetensors"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Decode(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Fatalf("error without the package's prefix: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Encode(&out, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("a decoded file does not encode: %v", err)
		}
		again, err := Decode(out.Bytes())
		if err != nil {
			t.Fatalf("an encoded file does not decode: %v", err)
		}
		if len(again.Tensors) != len(file.Tensors) || len(again.Metadata) != len(file.Metadata) {
			t.Fatalf("%d tensors and %d metadata entries became %d and %d", len(file.Tensors), len(file.Metadata), len(again.Tensors), len(again.Metadata))
		}
		for k, v := range file.Metadata {
			if again.Metadata[k] != v {
				t.Fatalf("metadata %q: %q became %q", k, v, again.Metadata[k])
			}
		}
		for name, x := range file.Tensors {
			y := again.Tensors[name]
			if y == nil || x.DType() != y.DType() || !slices.Equal(x.Shape, y.Shape) || x.count() != y.count() {
				t.Fatalf("tensor %q: %+v became %+v", name, x, y)
			}
			for i := range x.F32 {
				if math.Float32bits(x.F32[i]) != math.Float32bits(y.F32[i]) {
					t.Fatalf("tensor %q[%d]: %v became %v", name, i, x.F32[i], y.F32[i])
				}
			}
			for i := range x.F64 {
				if math.Float64bits(x.F64[i]) != math.Float64bits(y.F64[i]) {
					t.Fatalf("tensor %q[%d]: %v became %v", name, i, x.F64[i], y.F64[i])
				}
			}
			if !slices.Equal(x.I64, y.I64) {
				t.Fatalf("tensor %q: %v became %v", name, x.I64, y.I64)
			}
		}
	})
}
