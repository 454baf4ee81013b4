package nn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/mlforge/mlforge/internal/budget"
)

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer: with
// NormFirst false x = norm1(x + sa(x)); x = norm2(x + ff(x)),
// else x = x + sa(norm1(x)); x = x + ff(norm2(x)), where sa is self
// attention followed by dropout1 and ff is linear2(dropout(activation(
// linear1(x)))) followed by dropout2. Its state_dict keys are PyTorch's:
// self_attn.in_proj_weight, self_attn.in_proj_bias, self_attn.out_proj.*,
// linear1.*, linear2.*, norm1.*, norm2.*. The one mask a layer list can
// give is the causal one (SelfAttn.Causal: the spec's "mask": "causal",
// PyTorch's forward(src, src_mask=generate_square_subsequent_mask(L))).
type TransformerEncoderLayer struct {
	SelfAttn                       *MultiheadAttention
	Linear1, Linear2, Norm1, Norm2 Module
	Activation, Drop, Drop1, Drop2 Module
	NormFirst                      bool
}

func (t *TransformerEncoderLayer) children() []Child {
	return []Child{{"self_attn", t.SelfAttn}, {"linear1", t.Linear1}, {"dropout", t.Drop}, {"linear2", t.Linear2},
		{"norm1", t.Norm1}, {"norm2", t.Norm2}, {"dropout1", t.Drop1}, {"dropout2", t.Drop2}, {"activation", t.Activation}}
}

func (t *TransformerEncoderLayer) sa(g *Graph, x *Var) *Var {
	return t.Drop1.Forward(g, t.SelfAttn.Forward(g, x))
}

func (t *TransformerEncoderLayer) ff(g *Graph, x *Var) *Var {
	h := t.Drop.Forward(g, t.Activation.Forward(g, t.Linear1.Forward(g, x)))
	return t.Drop2.Forward(g, t.Linear2.Forward(g, h))
}

// Forward applies the layer.
func (t *TransformerEncoderLayer) Forward(g *Graph, x *Var) *Var {
	if t.NormFirst {
		x = g.Add(x, t.sa(g, t.Norm1.Forward(g, x)))
		return g.Add(x, t.ff(g, t.Norm2.Forward(g, x)))
	}
	x = t.Norm1.Forward(g, g.Add(x, t.sa(g, x)))
	return t.Norm2.Forward(g, g.Add(x, t.ff(g, x)))
}

// Parameters returns PyTorch's state_dict keys.
func (t *TransformerEncoderLayer) Parameters() []Param {
	var out []Param
	for _, c := range t.children() {
		out = append(out, prefixed(c.Name, c.Module)...)
	}
	return out
}

// Train sets every part's mode.
func (t *TransformerEncoderLayer) Train(on bool) {
	for _, c := range t.children() {
		c.Module.Train(on)
	}
}

// OutShape returns in (attention's shapes).
func (t *TransformerEncoderLayer) OutShape(in []int) ([]int, error) { return t.SelfAttn.OutShape(in) }

// Name returns "TransformerEncoderLayer".
func (t *TransformerEncoderLayer) Name() string { return "TransformerEncoderLayer" }

func (t *TransformerEncoderLayer) allocate(rng *rand.Rand) {
	for _, c := range t.children() {
		allocate(c.Module, rng)
	}
}

// TransformerEncoderLayerParams are torch.nn.TransformerEncoderLayer's
// keyword arguments.
type TransformerEncoderLayerParams struct {
	DModel         int     `json:"d_model" auto:"true" min:"1" help:"features per position (the input's last dimension)"`
	Nhead          int     `json:"nhead" required:"true" min:"1" help:"attention heads; must divide d_model"`
	DimFeedforward int     `json:"dim_feedforward" min:"1" help:"width of the feed-forward network"`
	Dropout        float64 `json:"dropout" min:"0" max:"1" expect:"a probability" help:"dropout probability"`
	Activation     string  `json:"activation" enum:"relu,gelu" help:"activation of the feed-forward network"`
	LayerNormEps   float64 `json:"layer_norm_eps" min:"0" help:"eps of both LayerNorms"`
	BatchFirst     bool    `json:"batch_first" help:"inputs are (N, L, E) rather than (L, N, E)"`
	NormFirst      bool    `json:"norm_first" help:"normalise before attention and feed-forward (pre-LN) rather than after"`
	// Mask stands for forward's src_mask, which a layer list cannot pass.
	Mask *string `json:"mask" nullable:"true" type:"string" enum:"causal" help:"forward's src_mask: null, every position attends to all; \"causal\": to itself and earlier positions only (generate_square_subsequent_mask)"`
}

// causalMask checks a mask key: null or "causal".
func causalMask(m *string) (bool, error) {
	if m == nil {
		return false, nil
	}
	if *m != "causal" {
		return false, fmt.Errorf("mask is %q, expected \"causal\" or null", *m)
	}
	return true, nil
}

func defaultEncoderLayer() TransformerEncoderLayerParams {
	return TransformerEncoderLayerParams{DimFeedforward: 2048, Dropout: 0.1, Activation: "relu", LayerNormEps: 1e-5}
}

// planEncoderLayer plans an encoder layer for shape in, adding its sizes to
// sum.
func planEncoderLayer(p TransformerEncoderLayerParams, c *layerCtx, sum *NetPlan) (*TransformerEncoderLayer, error) {
	d, err := orAuto(p.DModel, "d_model", c.lastDim)
	if err != nil {
		return nil, err
	}
	if d%p.Nhead != 0 {
		return nil, fmt.Errorf("nhead is %d, which does not divide d_model %d (expected a divisor of d_model)", p.Nhead, d)
	}
	causal, err := causalMask(p.Mask)
	if err != nil {
		return nil, err
	}
	b := &archBuilder{typ: "TransformerEncoderLayer", shape: c.in, depth: c.depth + 1, sum: sum}
	in := c.in
	t := &TransformerEncoderLayer{NormFirst: p.NormFirst}
	mha := b.leaf(spec("MultiheadAttention", "embed_dim", d, "num_heads", p.Nhead, "dropout", p.Dropout, "batch_first", p.BatchFirst))
	if b.err != nil {
		return nil, b.err
	}
	t.SelfAttn = mha.(*MultiheadAttention)
	t.SelfAttn.Causal = causal
	t.Drop1 = b.leaf(dropout(p.Dropout))
	t.Norm1 = b.leaf(spec("LayerNorm", "normalized_shape", d, "eps", p.LayerNormEps))
	t.Linear1 = b.leaf(spec("Linear", "in_features", d, "out_features", p.DimFeedforward))
	t.Activation = b.leaf(spec(map[string]string{"relu": "ReLU", "gelu": "GELU"}[p.Activation]))
	t.Drop = b.leaf(dropout(p.Dropout))
	t.Linear2 = b.leaf(spec("Linear", "in_features", p.DimFeedforward, "out_features", d))
	t.Drop2 = b.leaf(dropout(p.Dropout))
	t.Norm2 = b.leaf(spec("LayerNorm", "normalized_shape", d, "eps", p.LayerNormEps))
	if b.err != nil {
		return nil, b.err
	}
	if _, err := t.OutShape(in); err != nil {
		return nil, err
	}
	sum.Activations = budget.Add(sum.Activations, budget.Mul(2, mul(in...))) // the two residual sums
	return t, nil
}

// TransformerEncoder is torch.nn.TransformerEncoder, its one mask the
// causal one (the spec's "mask": "causal", given to every layer as
// PyTorch's forward(src, mask=...) gives it): num_layers encoder layers ("layers.0.self_attn.in_proj_weight") and an
// optional final norm ("norm.weight"). Unlike PyTorch, whose layers start
// as deep copies of one layer, each layer is initialised on its own.
type TransformerEncoder struct {
	Layers []*TransformerEncoderLayer
	Norm   Module
}

// Forward applies the layers and the norm.
func (e *TransformerEncoder) Forward(g *Graph, x *Var) *Var {
	for _, l := range e.Layers {
		x = l.Forward(g, x)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(g, x)
	}
	return x
}

// Parameters returns PyTorch's state_dict keys.
func (e *TransformerEncoder) Parameters() []Param {
	var out []Param
	for i, l := range e.Layers {
		out = append(out, prefixed("layers."+strconv.Itoa(i), l)...)
	}
	if e.Norm != nil {
		out = append(out, prefixed("norm", e.Norm)...)
	}
	return out
}

// Train sets every layer's mode.
func (e *TransformerEncoder) Train(on bool) {
	for _, l := range e.Layers {
		l.Train(on)
	}
	if e.Norm != nil {
		e.Norm.Train(on)
	}
}

// OutShape chains the layers' shapes.
func (e *TransformerEncoder) OutShape(in []int) ([]int, error) {
	for _, l := range e.Layers {
		out, err := l.OutShape(in)
		if err != nil {
			return nil, err
		}
		in = out
	}
	if e.Norm != nil {
		return e.Norm.OutShape(in)
	}
	return in, nil
}

// Name returns "TransformerEncoder".
func (e *TransformerEncoder) Name() string { return "TransformerEncoder" }

func (e *TransformerEncoder) allocate(rng *rand.Rand) {
	for _, l := range e.Layers {
		l.allocate(rng)
	}
	if e.Norm != nil {
		allocate(e.Norm, rng)
	}
}

// TransformerEncoderParams are torch.nn.TransformerEncoder's keyword
// arguments; encoder_layer is a TransformerEncoderLayer's parameters as an
// object ("type" may be left out) and norm a layer object such as
// {"type": "LayerNorm"} or null.
type TransformerEncoderParams struct {
	EncoderLayer       LayerSpec `json:"encoder_layer" type:"object" required:"true" help:"the TransformerEncoderLayer to repeat, as an object of its parameters"`
	NumLayers          int       `json:"num_layers" required:"true" min:"1" help:"number of encoder layers"`
	Norm               LayerSpec `json:"norm" type:"object" nullable:"true" help:"a layer applied after the last encoder layer, e.g. {\"type\": \"LayerNorm\"} (default: none)"`
	EnableNestedTensor bool      `json:"enable_nested_tensor" help:"accepted for PyTorch's signature; without a key padding mask it changes nothing"`
	MaskCheck          bool      `json:"mask_check" help:"accepted for PyTorch's signature (its check of the mask for nested tensors); it changes nothing here"`
	// Mask stands for forward's mask, which a layer list cannot pass.
	Mask *string `json:"mask" nullable:"true" type:"string" enum:"causal" help:"forward's mask, for every layer: null, every position attends to all; \"causal\": to itself and earlier positions only (generate_square_subsequent_mask)"`
}

func buildEncoder(p TransformerEncoderParams, c *layerCtx) (Module, error) {
	ls := LayerSpec{}
	for k, v := range p.EncoderLayer {
		ls[k] = v
	}
	if raw, ok := ls["type"]; ok {
		var typ string
		if json.Unmarshal(raw, &typ) != nil || typ != "TransformerEncoderLayer" {
			return nil, fmt.Errorf("encoder_layer: type is %s, expected \"TransformerEncoderLayer\"", abbrev(raw))
		}
		delete(ls, "type")
	}
	cls, err := layerTypes.Lookup("TransformerEncoderLayer")
	if err != nil {
		return nil, err
	}
	causal, err := causalMask(p.Mask)
	if err != nil {
		return nil, err
	}
	sum := &NetPlan{}
	e := &TransformerEncoder{}
	for i := range p.NumLayers {
		cfg, _, err := decodeLayer(cls, ls)
		if err != nil {
			return nil, fmt.Errorf("encoder_layer: %w", err)
		}
		l, err := planEncoderLayer(*cfg.(*TransformerEncoderLayerParams), c, sum)
		if err != nil {
			return nil, fmt.Errorf("encoder_layer: %w", err)
		}
		l.SelfAttn.Causal = l.SelfAttn.Causal || causal
		if i == 0 && p.NumLayers > 1 && sum.Params > MaxElements/int64(p.NumLayers) {
			return nil, &PlanError{Path: "num_layers", Msg: fmt.Sprintf("%d layers would hold more than 2^40 parameters: beyond any machine", p.NumLayers)}
		}
		e.Layers = append(e.Layers, l)
	}
	if len(p.Norm) > 0 {
		m, _, lp, err := planLayer(p.Norm, c.in, c.depth+1)
		if err != nil {
			return nil, fmt.Errorf("norm: %w", err)
		}
		sum.Params = budget.Add(sum.Params, lp.Params)
		sum.Buffers = budget.Add(sum.Buffers, lp.Buffers)
		sum.Activations = budget.Add(sum.Activations, lp.Activations)
		e.Norm = m
	}
	c.nested = sum
	return e, nil
}

func init() {
	registerLayer("TransformerEncoderLayer", "self-attention and a feed-forward network with residual connections and LayerNorms, as torch.nn.TransformerEncoderLayer",
		defaultEncoderLayer, func(p TransformerEncoderLayerParams, c *layerCtx) (Module, error) {
			sum := &NetPlan{}
			l, err := planEncoderLayer(p, c, sum)
			if err != nil {
				return nil, err
			}
			c.nested = sum
			return l, nil
		})
	registerLayer("TransformerEncoder", "num_layers TransformerEncoderLayers and an optional final norm, as torch.nn.TransformerEncoder",
		func() TransformerEncoderParams {
			return TransformerEncoderParams{EnableNestedTensor: true, MaskCheck: true}
		}, buildEncoder)
}
