package nn

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestSoftsignMatchesPyTorch compares the forward pass and the input's
// gradient with PyTorch 1.13's on the cases of testdata/softsign.json
// (written by gen_softsign.py), to the tolerances of every layer: 1e-5
// relative forward, 1e-4 relative for gradients.
func TestSoftsignMatchesPyTorch(t *testing.T) {
	var fx struct {
		Layers []layerFixture `json:"layers"`
	}
	loadJSON(t, "softsign.json", &fx)
	if len(fx.Layers) < 3 {
		t.Fatalf("only %d Softsign cases", len(fx.Layers))
	}
	for _, c := range fx.Layers {
		t.Run(c.Name, func(t *testing.T) { checkLayerCase(t, c) })
	}
}

// TestSoftsignGradient checks the gradient against finite differences.
func TestSoftsignGradient(t *testing.T) {
	x := randParam(rand.New(rand.NewPCG(3, 1)), 2, 3, 5)
	fdCheck(t, "Softsign", []*Var{x}, func(g *Graph) *Var { return g.Softsign(x) })
}

// TestSoftsignSpec checks the registration: no parameters, a strict spec.
func TestSoftsignSpec(t *testing.T) {
	m, out, err := NewLayer(LayerSpec{"type": json.RawMessage(`"Softsign"`)}, []int{2, 3}, nil)
	if err != nil || LayerName(m) != "Softsign" || len(out) != 2 || out[1] != 3 {
		t.Fatalf("NewLayer: %v %v %v", m, out, err)
	}
	_, _, err = NewLayer(LayerSpec{"type": json.RawMessage(`"Softsign"`), "inplace": json.RawMessage(`true`)}, []int{2, 3}, nil)
	if err == nil || !strings.Contains(err.Error(), `Softsign: unknown parameter "inplace"`) {
		t.Errorf("inplace: %v", err)
	}
}
