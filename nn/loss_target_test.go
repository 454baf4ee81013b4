package nn

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/tensor"
)

// TestClassTargets checks every registered loss says its target form and
// that class labels converted by ClassTargets train with it: the loss is
// finite and its gradient is that of the converted target.
func TestClassTargets(t *testing.T) {
	labels := &tensor.Tensor{Shape: []int{3}, Data: []float32{2, 0, 1}}
	want := map[TargetForm][]float32{
		TargetMultiHot:     {0, 0, 1, 1, 0, 0, 0, 1, 0},
		TargetSigned:       {-1, -1, 1, 1, -1, -1, -1, 1, -1},
		TargetDistribution: {0, 0, 1, 1, 0, 0, 0, 1, 0},
		TargetValue:        {0, 0, 1, 1, 0, 0, 0, 1, 0},
		TargetClassList:    {2, -1, -1, 0, -1, -1, 1, -1, -1},
	}
	forms := map[string]TargetForm{
		"CrossEntropyLoss": TargetClass, "NLLLoss": TargetClass, "MultiMarginLoss": TargetClass,
		"BCELoss": TargetMultiHot, "BCEWithLogitsLoss": TargetMultiHot, "MultiLabelSoftMarginLoss": TargetMultiHot,
		"HingeEmbeddingLoss": TargetSigned, "SoftMarginLoss": TargetSigned, "KLDivLoss": TargetDistribution,
		"MultiLabelMarginLoss": TargetClassList, "MSELoss": TargetValue, "L1Loss": TargetValue, "SmoothL1Loss": TargetValue,
		"HuberLoss": TargetValue, "PoissonNLLLoss": TargetValue,
		// Losses of packed inputs, which a spec refuses (PackedInputs);
		// their Forward checks its own target.
		"GaussianNLLLoss": TargetValue, "CTCLoss": TargetValue, "MarginRankingLoss": TargetValue, "CosineEmbeddingLoss": TargetValue, "TripletMarginLoss": TargetValue,
	}
	for _, name := range LossTypes() {
		l, err := NewLoss(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		form, ok := forms[name]
		if !ok {
			t.Errorf("%s: add its target form to the test", name)
			continue
		}
		if got := TargetFormOf(l); got != form {
			t.Errorf("%s: target form %s, want %s", name, got, form)
		}
		if PackedInputs(l) != "" {
			continue
		}
		y, err := ClassTargets(l, labels, 3, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if form == TargetClass {
			if y != labels {
				t.Errorf("%s: class targets converted", name)
			}
		} else if !slices.Equal(y.Data, want[form]) || !slices.Equal(y.Shape, []int{3, 3}) {
			t.Errorf("%s: targets %v %v, want %v", name, y.Shape, y.Data, want[form])
		}
		x := randParam(rand.New(rand.NewPCG(1, 1)), 1, 3, 3)
		g := NewGraph()
		in := x
		if name == "BCELoss" {
			in = g.Sigmoid(x)
		}
		if name == "KLDivLoss" || name == "NLLLoss" {
			in = g.LogSoftmax(x, 1)
		}
		loss := l.Forward(g, in, g.Const(y))
		if err := g.Backward(loss); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	kl, _ := NewLoss("KLDivLoss", []byte(`{"log_target": true}`))
	if _, err := ClassTargets(kl, labels, 3, nil); err == nil || !strings.Contains(err.Error(), "log_target") {
		t.Errorf("KLDivLoss log_target: %v", err)
	}
	bce, _ := NewLoss("BCELoss", nil)
	// A destination with room is reused: no allocation in a loop.
	dst := tensor.New(4, 3)
	got, err := ClassTargets(bce, labels, 3, dst)
	if err != nil || got != dst || !slices.Equal(got.Shape, []int{3, 3}) || !slices.Equal(got.Data, want[TargetMultiHot]) {
		t.Errorf("reused destination: %v %v %v", got.Shape, got.Data, err)
	}
	if n := testing.AllocsPerRun(10, func() { ClassTargets(bce, labels, 3, dst) }); n != 0 {
		t.Errorf("ClassTargets into a destination allocates %v times", n)
	}
	if _, err := ClassTargets(bce, &tensor.Tensor{Shape: []int{2}, Data: []float32{0, 3}}, 3, nil); err == nil || !strings.Contains(err.Error(), "label 3 at position 1") {
		t.Errorf("label out of range: %v", err)
	}
}

// TestMoreLossGradients checks the new losses' gradients against finite
// differences, on inputs away from their kinks.
func TestMoreLossGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	labels := &tensor.Tensor{Shape: []int{4}, Data: []float32{2, 0, 1, 2}}
	for _, c := range []struct{ name, args string }{
		{"HuberLoss", `{"delta": 0.7}`}, {"PoissonNLLLoss", `{"full": true}`}, {"KLDivLoss", `{"reduction": "batchmean"}`},
		{"HingeEmbeddingLoss", `{"margin": 0.3}`}, {"SoftMarginLoss", `{"reduction": "sum"}`},
		{"MultiLabelSoftMarginLoss", `{"weight": [1, 2, 0.5]}`}, {"MultiMarginLoss", `{"p": 2, "weight": [1, 2, 0.5]}`},
		{"MultiLabelMarginLoss", `{"reduction": "none"}`}, {"BCEWithLogitsLoss", `{"weight": [1, 2, 0.5], "pos_weight": [2, 1, 1]}`},
	} {
		l, err := NewLoss(c.name, []byte(c.args))
		if err != nil {
			t.Fatal(err)
		}
		y, err := ClassTargets(l, labels, 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.name == "PoissonNLLLoss" {
			y = &tensor.Tensor{Shape: []int{4, 3}, Data: []float32{0, 1, 2, 3, 4, 5, 0, 2, 1, 7, 3, 1}}
		}
		x := randParam(rng, 1, 4, 3)
		fdCheck(t, c.name, []*Var{x}, func(g *Graph) *Var { return l.Forward(g, x, g.Const(y)) })
	}
}
