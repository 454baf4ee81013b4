package nn

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mlforge/mlforge/safetensors"
	"github.com/mlforge/mlforge/tensor"
)

// Fine-tuning from weights a user brings ("pretrained_weights" and
// "freeze" in a spec): LoadPretrained copies a state_dict into a built
// network by name, leaving out only a classification head whose shape
// differs (a checkpoint for 1000 ImageNet classes fine-tuned on 10), and
// Freeze stops gradients everywhere but the head.

// Head returns the state_dict prefix of m's classification head: the
// module of its last parameter ("fc." for ResNet18, "classifier.6." for
// VGG16, "3." for a plain layer list whose last weights are layer 3), or
// "" when m has no parameters.
func Head(m Module) string {
	ps := m.Parameters()
	if len(ps) == 0 {
		return ""
	}
	last := ps[len(ps)-1].Name
	return last[:strings.LastIndexByte(last, '.')+1]
}

// LoadPretrained copies sd into m's parameters and buffers by state_dict
// name. Every key of m must be in sd with the same shape, except those of
// the head (Head) when their shapes differ, which keep their
// initialisation and are returned; sd may hold no other key. Nothing is
// copied when it returns an error.
func LoadPretrained(m Module, sd map[string]*tensor.Tensor) (skipped []string, err error) {
	head := Head(m)
	params := m.Parameters()
	known := make(map[string]bool, len(params))
	var load []Param
	for _, p := range params {
		known[p.Name] = true
		t, ok := sd[p.Name]
		if !ok {
			return nil, fmt.Errorf("nn: pretrained weights lack %q (shape %v)", p.Name, p.Var.Data.Shape)
		}
		if !sameShape(t.Shape, p.Var.Data.Shape) || len(t.Data) != len(p.Var.Data.Data) {
			if head != "" && strings.HasPrefix(p.Name, head) {
				skipped = append(skipped, p.Name)
				continue
			}
			return nil, fmt.Errorf("nn: pretrained weight %q has shape %v, the network's is %v", p.Name, t.Shape, p.Var.Data.Shape)
		}
		load = append(load, p)
	}
	var extra []string
	for k := range sd {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		if len(extra) > 5 {
			extra = append(extra[:5], fmt.Sprintf("and %d more", len(extra)-5))
		}
		return nil, fmt.Errorf("nn: pretrained weights hold keys the network lacks: %q (a different architecture?)", extra)
	}
	for _, p := range load {
		copy(p.Var.Data.Data, sd[p.Name].Data)
	}
	return skipped, nil
}

// LoadPretrainedSafetensors reads at most limit bytes of a safetensors file
// and loads it with LoadPretrained.
func LoadPretrainedSafetensors(r io.Reader, limit int64, m Module) (skipped []string, err error) {
	f, err := safetensors.Read(r, limit)
	if err != nil {
		return nil, err
	}
	sd := make(map[string]*tensor.Tensor, len(f.Tensors))
	for name, t := range f.Tensors {
		data := make([]float32, tensor.Numel(t.Shape))
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
	return LoadPretrained(m, sd)
}

// Freeze stops the gradients of every trainable parameter of m outside
// its head (Head) and returns the head's, which an optimizer built for
// fine-tuning takes instead of TrainableVars(m). Buffers (BatchNorm's
// running statistics) still update in training mode, as in PyTorch with
// requires_grad_(False).
func Freeze(m Module) []*Var {
	head := Head(m)
	var out []*Var
	for _, p := range m.Parameters() {
		if !p.Trainable {
			continue
		}
		if strings.HasPrefix(p.Name, head) {
			out = append(out, p.Var)
			continue
		}
		p.Var.SetRequiresGrad(false)
	}
	return out
}
