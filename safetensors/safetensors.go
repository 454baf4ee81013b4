// Package safetensors reads and writes the safetensors file format used by
// Hugging Face and PyTorch: an 8-byte little-endian header length, a JSON
// header mapping tensor names to dtype, shape and byte offsets (plus an
// optional "__metadata__" map of strings), then the raw little-endian data.
//
// Decode validates everything it reads (header size, dtypes, shapes, offsets
// that must tile the data section exactly) so a truncated or tampered file is
// an error, never a panic or a huge allocation.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// Tensor is one named array. Exactly one of F32, F64 and I64 holds the data,
// row-major.
type Tensor struct {
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
}

// DType returns the safetensors dtype name: "F32", "F64" or "I64".
func (t *Tensor) DType() string {
	switch {
	case t.F64 != nil:
		return "F64"
	case t.I64 != nil:
		return "I64"
	}
	return "F32"
}

func (t *Tensor) count() int { return len(t.F32) + len(t.F64) + len(t.I64) }

// MaxHeader caps the JSON header size accepted by Decode.
const MaxHeader = 100 << 20

type entry struct {
	DType   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
}

// Encode writes tensors and metadata to w. Tensors are laid out in sorted
// name order.
func Encode(w io.Writer, tensors map[string]*Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		if n == "__metadata__" || n == "" {
			return fmt.Errorf("safetensors: invalid tensor name %q", n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	header := make(map[string]any, len(names)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	off := 0
	for _, n := range names {
		t := tensors[n]
		if want := numel(t.Shape); want != t.count() {
			return fmt.Errorf("safetensors: tensor %q has %d values for shape %v", n, t.count(), t.Shape)
		}
		size := t.count() * elemSize(t.DType())
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[n] = entry{DType: t.DType(), Shape: shape, Offsets: [2]int{off, off + size}}
		off += size
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return err
	}
	if pad := len(hb) % 8; pad != 0 {
		hb = append(hb, bytes.Repeat([]byte{' '}, 8-pad)...)
	}
	var lenb [8]byte
	binary.LittleEndian.PutUint64(lenb[:], uint64(len(hb)))
	if _, err := w.Write(lenb[:]); err != nil {
		return err
	}
	if _, err := w.Write(hb); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, n := range names {
		t := tensors[n]
		for i := 0; i < t.count(); i++ {
			switch {
			case t.F64 != nil:
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(t.F64[i]))
			case t.I64 != nil:
				buf = binary.LittleEndian.AppendUint64(buf, uint64(t.I64[i]))
			default:
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(t.F32[i]))
			}
			if len(buf) >= 1<<16-8 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err = w.Write(buf)
	return err
}

// File is a decoded safetensors file.
type File struct {
	Tensors  map[string]*Tensor
	Metadata map[string]string
	// Data is the raw data section, for checksums over the exact bytes.
	Data []byte
}

// Decode parses a whole safetensors file held in b.
func Decode(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, errors.New("safetensors: file is truncated: shorter than its 8-byte header length")
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n > MaxHeader || n > uint64(len(b)-8) {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the file (%d bytes): truncated or not a safetensors file", n, len(b))
	}
	hb := b[8 : 8+n]
	data := b[8+n:]
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(hb))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("safetensors: header is not a JSON object: %v", err)
	}
	f := &File{Tensors: map[string]*Tensor{}, Data: data}
	type span struct {
		name     string
		from, to int
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: __metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		var e entry
		d := json.NewDecoder(bytes.NewReader(msg))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: bad header entry: %v", name, err)
		}
		es := elemSize(e.DType)
		if es == 0 {
			return nil, fmt.Errorf("safetensors: tensor %q: unsupported dtype %q (supported: F32, F64, I64)", name, e.DType)
		}
		count := 1
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && count > len(data)/d) {
				return nil, fmt.Errorf("safetensors: tensor %q: shape %v does not fit the file", name, e.Shape)
			}
			count *= d
		}
		from, to := e.Offsets[0], e.Offsets[1]
		if from < 0 || to < from || to > len(data) || to-from != count*es {
			return nil, fmt.Errorf("safetensors: tensor %q: offsets [%d, %d] do not match shape %v of %s in %d data bytes", name, from, to, e.Shape, e.DType, len(data))
		}
		spans = append(spans, span{name, from, to})
		t := &Tensor{Shape: e.Shape}
		src := data[from:to]
		switch e.DType {
		case "F32":
			t.F32 = make([]float32, count)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
			}
		case "F64":
			t.F64 = make([]float64, count)
			for i := range t.F64 {
				t.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
			}
		case "I64":
			t.I64 = make([]int64, count)
			for i := range t.I64 {
				t.I64[i] = int64(binary.LittleEndian.Uint64(src[8*i:]))
			}
		}
		f.Tensors[name] = t
	}
	sort.Slice(spans, func(i, j int) bool {
		return spans[i].from < spans[j].from || spans[i].from == spans[j].from && spans[i].to < spans[j].to
	})
	pos := 0
	for _, s := range spans {
		if s.from != pos {
			return nil, fmt.Errorf("safetensors: tensor %q starts at byte %d, expected %d: tensors overlap or leave a hole", s.name, s.from, pos)
		}
		pos = s.to
	}
	if pos != len(data) {
		return nil, fmt.Errorf("safetensors: %d bytes of data follow the last tensor", len(data)-pos)
	}
	return f, nil
}

// Read reads at most limit bytes from r and decodes them; a larger input is
// an error.
func Read(r io.Reader, limit int64) (*File, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("safetensors: file is larger than the %d-byte limit", limit)
	}
	return Decode(b)
}

func elemSize(dtype string) int {
	switch dtype {
	case "F32":
		return 4
	case "F64", "I64":
		return 8
	}
	return 0
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
