package nn

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestTransformerMaskMatchesPyTorch checks TransformerEncoderLayer and
// TransformerEncoder with "mask": "causal" against PyTorch 1.13 called
// with generate_square_subsequent_mask's mask (testdata/
// transformer_masks.json, gen_transformer_masks.py): outputs to 1e-5,
// gradients to 1e-4.
func TestTransformerMaskMatchesPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "transformer_masks.json", &fx)
	if len(fx.Layers) != 6 {
		t.Fatalf("%d cases in transformer_masks.json, want 6", len(fx.Layers))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

// TestTransformerMaskErrors: a mask other than "causal" or null is refused
// naming the key; null and "causal" plan, and "causal" makes the layers'
// attention causal.
func TestTransformerMaskErrors(t *testing.T) {
	in := []int{2, 5, 8}
	for _, c := range []struct {
		spec LayerSpec
		want string
	}{
		{spec("TransformerEncoderLayer", "nhead", 2, "mask", "square"), "mask is \"square\""},
		{spec("TransformerEncoderLayer", "nhead", 2, "mask", true), "mask"},
		{spec("TransformerEncoder", "num_layers", 1, "encoder_layer", map[string]any{"nhead": 2}, "mask", "padding"), "mask is \"padding\""},
		{spec("TransformerEncoder", "num_layers", 1, "encoder_layer", map[string]any{"nhead": 2, "mask": "upper"}), "encoder_layer: mask is \"upper\""},
	} {
		_, err := Plan([]LayerSpec{c.spec}, in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.spec["type"], err, c.want)
		}
	}
	for _, c := range []struct {
		spec   LayerSpec
		causal bool
	}{
		{spec("TransformerEncoderLayer", "nhead", 2, "mask", nil), false},
		{spec("TransformerEncoderLayer", "nhead", 2, "mask", "causal"), true},
		{spec("TransformerEncoder", "num_layers", 2, "encoder_layer", map[string]any{"nhead": 2}, "mask", "causal"), true},
		{spec("TransformerEncoder", "num_layers", 2, "encoder_layer", map[string]any{"nhead": 2}), false},
	} {
		m, _, err := NewLayer(c.spec, in, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatalf("%v: %v", c.spec, err)
		}
		var layers []*TransformerEncoderLayer
		switch l := m.(type) {
		case *TransformerEncoderLayer:
			layers = []*TransformerEncoderLayer{l}
		case *TransformerEncoder:
			layers = l.Layers
		}
		for i, l := range layers {
			if l.SelfAttn.Causal != c.causal {
				t.Errorf("%v: layer %d causal %v, want %v", c.spec, i, l.SelfAttn.Causal, c.causal)
			}
		}
	}
}
