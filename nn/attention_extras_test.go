package nn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// maskTensor is a float mask whose values may be "-inf".
type maskTensor struct {
	Shape []int `json:"shape"`
	Data  []any `json:"data"`
}

func (m *maskTensor) tensor() *tensor.Tensor {
	t := &tensor.Tensor{Shape: m.Shape, Data: make([]float32, len(m.Data))}
	for i, v := range m.Data {
		switch v := v.(type) {
		case string:
			t.Data[i] = float32(math.Inf(-1))
		case float64:
			t.Data[i] = float32(v)
		}
	}
	return t
}

// TestAttentionExtrasMatchPyTorch checks MultiheadAttention's
// add_bias_kv, add_zero_attn and causal mask as a layer, and Attend with
// kdim/vdim (q_proj_weight, k_proj_weight, v_proj_weight), distinct
// query, key and value, float and boolean masks, key_padding_mask and
// need_weights, against PyTorch 1.13 (testdata/attention_extras.json,
// gen_attention_extras.py): outputs and weights to 1e-5, gradients of
// the inputs and every parameter to 1e-4.
func TestAttentionExtrasMatchPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
		Attend []struct {
			Name           string               `json:"name"`
			Args           map[string]any       `json:"args"`
			State          map[string]fixTensor `json:"state"`
			Query          fixTensor            `json:"query"`
			Key            fixTensor            `json:"key"`
			Value          fixTensor            `json:"value"`
			AttnMask       *maskTensor          `json:"attn_mask"`
			KeyPaddingMask []bool               `json:"key_padding_mask"`
			NeedWeights    bool                 `json:"need_weights"`
			Average        bool                 `json:"average_attn_weights"`
			Output         fixTensor            `json:"output"`
			Weights        *fixTensor           `json:"weights"`
			Upstream       fixTensor            `json:"upstream"`
			QueryGrad      fixTensor            `json:"query_grad"`
			KeyGrad        fixTensor            `json:"key_grad"`
			ValueGrad      fixTensor            `json:"value_grad"`
			ParamGrads     map[string]fixTensor `json:"param_grads"`
		} `json:"attend"`
	}
	loadJSON(t, "attention_extras.json", &fx)
	if len(fx.Layers) < 5 || len(fx.Attend) < 7 {
		t.Fatalf("%d layer and %d attend cases in attention_extras.json, want 5 and 7", len(fx.Layers), len(fx.Attend))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
	for _, c := range fx.Attend {
		t.Run(c.Name, func(t *testing.T) {
			raw, _ := json.Marshal(c.Args)
			var a struct {
				EmbedDim    int   `json:"embed_dim"`
				NumHeads    int   `json:"num_heads"`
				KDim        int   `json:"kdim"`
				VDim        int   `json:"vdim"`
				Bias        *bool `json:"bias"`
				AddBiasKV   bool  `json:"add_bias_kv"`
				AddZeroAttn bool  `json:"add_zero_attn"`
				BatchFirst  bool  `json:"batch_first"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			m, err := NewMultiheadAttention(MultiheadAttentionConfig{EmbedDim: a.EmbedDim, NumHeads: a.NumHeads, KDim: a.KDim, VDim: a.VDim,
				Bias: a.Bias == nil || *a.Bias, AddBiasKV: a.AddBiasKV, AddZeroAttn: a.AddZeroAttn, BatchFirst: a.BatchFirst}, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			sd := map[string]*tensor.Tensor{}
			for k, v := range c.State {
				sd[k] = v.tensor()
			}
			if err := LoadStateDict(m, sd); err != nil {
				t.Fatal(err)
			}
			if len(m.Parameters()) != len(c.State) {
				t.Errorf("%d parameters, PyTorch's state_dict has %d", len(m.Parameters()), len(c.State))
			}
			g := NewGraph()
			q, k, v := g.Input(c.Query.tensor()), g.Input(c.Key.tensor()), g.Input(c.Value.tensor())
			opt := AttendOptions{KeyPaddingMask: c.KeyPaddingMask, NeedWeights: c.NeedWeights, AverageAttnWeights: c.Average}
			if c.AttnMask != nil {
				opt.AttnMask = c.AttnMask.tensor()
			}
			out, w := m.Attend(g, q, k, v, opt)
			if err := g.Backward(g.Sum(g.Mul(out, g.Const(c.Upstream.tensor())))); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "output", out.Data.Data, out.Data.Shape, c.Output, fwdRtol, fwdAtol)
			if c.Weights != nil {
				if w == nil {
					t.Fatal("no weights")
				}
				closeTo(t, "weights", w.Data.Data, w.Data.Shape, *c.Weights, fwdRtol, fwdAtol)
			} else if w != nil {
				t.Error("weights without need_weights")
			}
			closeTo(t, "query grad", q.Grad.Data, q.Grad.Shape, c.QueryGrad, gradRtol, gradAtol)
			closeTo(t, "key grad", k.Grad.Data, k.Grad.Shape, c.KeyGrad, gradRtol, gradAtol)
			closeTo(t, "value grad", v.Grad.Data, v.Grad.Shape, c.ValueGrad, gradRtol, gradAtol)
			params := map[string]Param{}
			for _, p := range m.Parameters() {
				params[p.Name] = p
			}
			for name, want := range c.ParamGrads {
				p, ok := params[name]
				if !ok || p.Var.Grad == nil {
					t.Errorf("parameter %s has no gradient", name)
					continue
				}
				closeTo(t, name+" grad", p.Var.Grad.Data, p.Var.Grad.Shape, want, gradRtol, gradAtol)
			}
		})
	}
}

// TestAttentionExtrasErrors: a layer list refuses kdim/vdim other than
// embed_dim and unknown masks; Attend refuses shapes and masks that do
// not fit, naming them.
func TestAttentionExtrasErrors(t *testing.T) {
	for _, c := range []struct {
		spec LayerSpec
		want string
	}{
		{spec("MultiheadAttention", "num_heads", 2, "kdim", 4), "kdim is 4, but in a layer list the key and the value are the layer's input, of embed_dim 8 features"},
		{spec("MultiheadAttention", "num_heads", 2, "vdim", 3), "vdim is 3"},
		{spec("MultiheadAttention", "num_heads", 2, "attn_mask", "triangular"), "attn_mask"},
	} {
		_, err := Plan([]LayerSpec{c.spec}, []int{2, 5, 8})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.spec, err, c.want)
		}
	}
	if _, err := Plan([]LayerSpec{spec("MultiheadAttention", "num_heads", 2, "kdim", 8, "vdim", 8, "attn_mask", "causal")}, []int{2, 5, 8}); err != nil {
		t.Errorf("kdim = vdim = embed_dim: %v", err)
	}
	m, err := NewMultiheadAttention(MultiheadAttentionConfig{EmbedDim: 4, NumHeads: 2, KDim: 3, Bias: true}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	q, k := tensor.New(5, 2, 4), tensor.New(6, 2, 3)
	for _, c := range []struct {
		k    *tensor.Tensor
		opt  AttendOptions
		want string
	}{
		{tensor.New(6, 2, 4), AttendOptions{}, "MultiheadAttention key expects input of shape (L, N, 3)"},
		{k, AttendOptions{AttnMask: tensor.New(5, 5)}, "attn_mask of shape [5 5], expected (5, 6) or (4, 5, 6)"},
		{k, AttendOptions{KeyPaddingMask: make([]bool, 5)}, "key_padding_mask has 5 values, expected N·S = 12"},
	} {
		g := NewGraph()
		m.Attend(g, g.Const(q), g.Const(c.k), g.Const(tensor.New(6, 2, 4)), c.opt)
		if err := g.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
	if _, err := m.OutShape([]int{5, 2, 4}); err == nil || !strings.Contains(err.Error(), "kdim 3") {
		t.Errorf("as a layer with kdim 3: %v", err)
	}
}
