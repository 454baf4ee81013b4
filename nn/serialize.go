package nn

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlforge/mlforge/safetensors"
	"github.com/mlforge/mlforge/tensor"
)

// SaveSafetensors writes m's parameters and buffers to w in the safetensors
// format under their PyTorch state_dict names, so that
// model.load_state_dict(safetensors.torch.load_file(path)) works in
// PyTorch. Values are F32, except num_batches_tracked counters, which are
// I64 as in PyTorch.
func SaveSafetensors(w io.Writer, m Module, metadata map[string]string) error {
	ts := map[string]*safetensors.Tensor{}
	for _, p := range m.Parameters() {
		d := p.Var.Data
		if _, dup := ts[p.Name]; dup {
			return fmt.Errorf("nn: duplicate parameter name %q", p.Name)
		}
		if isCounter(p.Name) {
			i := make([]int64, len(d.Data))
			for k, v := range d.Data {
				i[k] = int64(v)
			}
			ts[p.Name] = &safetensors.Tensor{Shape: append([]int{}, d.Shape...), I64: i}
			continue
		}
		ts[p.Name] = &safetensors.Tensor{Shape: append([]int{}, d.Shape...), F32: append([]float32(nil), d.Data...)}
	}
	return safetensors.Encode(w, ts, metadata)
}

func isCounter(name string) bool {
	return name == "num_batches_tracked" || strings.HasSuffix(name, ".num_batches_tracked")
}

// LoadSafetensors reads at most limit bytes of a safetensors file from r and
// copies its tensors into m's parameters and buffers (strictly: the same
// names and shapes, nothing missing, nothing extra). F64 and I64 tensors
// are converted to float32. It returns the file's metadata.
func LoadSafetensors(r io.Reader, limit int64, m Module) (map[string]string, error) {
	f, err := safetensors.Read(r, limit)
	if err != nil {
		return nil, err
	}
	sd := make(map[string]*tensor.Tensor, len(f.Tensors))
	for name, t := range f.Tensors {
		n := tensor.Numel(t.Shape)
		data := make([]float32, n)
		switch {
		case t.F32 != nil:
			copy(data, t.F32)
		case t.F64 != nil:
			for i, v := range t.F64 {
				data[i] = float32(v)
			}
		case t.I64 != nil:
			for i, v := range t.I64 {
				data[i] = float32(v)
			}
		}
		sd[name] = &tensor.Tensor{Shape: append([]int{}, t.Shape...), Data: data}
	}
	if err := LoadStateDict(m, sd); err != nil {
		return nil, err
	}
	return f.Metadata, nil
}
