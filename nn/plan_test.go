package nn

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/internal/budget"
)

func layers(t *testing.T, js string) []LayerSpec {
	t.Helper()
	var specs []LayerSpec
	if err := json.Unmarshal([]byte(js), &specs); err != nil {
		t.Fatal(err)
	}
	return specs
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestPlanCountsLikeBuild checks the plan's shapes and parameter counts
// against the built network's, for every layer family.
func TestPlanCountsLikeBuild(t *testing.T) {
	for _, c := range []struct {
		in    []int
		specs string
	}{
		{[]int{1, 4}, `[{"type":"Linear","in_features":"auto","out_features":8},{"type":"ReLU"},{"type":"Dropout"},{"type":"BatchNorm1d"},{"type":"Linear","in_features":8,"out_features":3,"bias":false}]`},
		{[]int{2, 1, 12, 12}, `[{"type":"Conv2d","in_channels":"auto","out_channels":6,"kernel_size":3,"padding":"same"},{"type":"BatchNorm2d"},{"type":"MaxPool2d","kernel_size":2},
			{"type":"ConvTranspose2d","in_channels":6,"out_channels":4,"kernel_size":2,"stride":2,"groups":2},{"type":"AdaptiveAvgPool2d","output_size":3},{"type":"Flatten"},{"type":"LayerNorm"},{"type":"Linear","in_features":"auto","out_features":2}]`},
		{[]int{3, 5}, `[{"type":"Embedding","num_embeddings":10,"embedding_dim":4,"padding_idx":0},{"type":"LSTM","input_size":"auto","hidden_size":6,"num_layers":2,"batch_first":true,"bidirectional":true},
			{"type":"GRU","input_size":"auto","hidden_size":3,"batch_first":true,"return_sequences":false},{"type":"Sequential","layers":[{"type":"Linear","in_features":"auto","out_features":7},{"type":"Tanh"}]},{"type":"RNN","input_size":7,"hidden_size":2,"bias":false}]`},
	} {
		specs := layers(t, c.specs)
		pl, err := Plan(specs, c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.specs, err)
		}
		seq, out, err := Build(specs, c.in, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out, pl.OutShape) {
			t.Errorf("out shape %v, plan %v", out, pl.OutShape)
		}
		var params, buffers int64
		for _, p := range seq.Parameters() {
			if p.Trainable {
				params += int64(len(p.Var.Data.Data))
			} else {
				buffers += int64(len(p.Var.Data.Data))
			}
		}
		if params != pl.Params || buffers != pl.Buffers {
			t.Errorf("%s: built %d parameters and %d buffer values, plan says %d and %d", c.specs, params, buffers, pl.Params, pl.Buffers)
		}
		for i, l := range pl.Layers {
			if want, _ := seq.Layers[i].OutShape(shapeBefore(t, seq, c.in, i)); !slices.Equal(l.OutShape, want) {
				t.Errorf("layer %d: plan shape %v, built %v", i, l.OutShape, want)
			}
			if l.Activations < int64(len(l.OutShape)) {
				t.Errorf("layer %d: activations %d", i, l.Activations)
			}
		}
	}
}

func shapeBefore(t *testing.T, s *Sequential, in []int, i int) []int {
	t.Helper()
	out, err := (&Sequential{Layers: s.Layers[:i]}).OutShape(in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBuildDrawsLikeBefore checks that planning first leaves the weights
// as a layer-by-layer build draws them.
func TestBuildDrawsLikeBefore(t *testing.T) {
	specs := layers(t, `[{"type":"Linear","in_features":3,"out_features":4},{"type":"Dropout","p":0.3},{"type":"Linear","in_features":4,"out_features":2}]`)
	a, _, err := Build(specs, []int{1, 3}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	want := NewLinear(3, 4, true, rng)
	_ = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())) // the Dropout's generator
	want2 := NewLinear(4, 2, true, rng)
	if !slices.Equal(a.Layers[0].(*Linear).Weight.Data.Data, want.Weight.Data.Data) ||
		!slices.Equal(a.Layers[2].(*Linear).Bias.Data.Data, want2.Bias.Data.Data) {
		t.Error("Build draws the weights differently from NewLinear in layer order")
	}
}

// TestPlanBombsAllocateNothing plans layers whose weights would need tens
// of gigabytes or overflow, and checks that planning allocates almost
// nothing and that the budget error names the layer and the parameter.
func TestPlanBombsAllocateNothing(t *testing.T) {
	limits := budget.Limits{MaxModelBytes: 12e9, MaxRunMemory: 24e9}
	for _, c := range []struct {
		specs, field, msg string
		in                []int
	}{
		{`[{"type":"Linear","in_features":"auto","out_features":10000000000}]`, "layers[0].out_features",
			"the network needs about 200 GB (50,000,000,000 parameters), over the budget of 12 GB (--max-model-bytes)", []int{1, 4}},
		{`[{"type":"ReLU"},{"type":"Sequential","layers":[{"type":"Linear","in_features":"auto","out_features":8},{"type":"Embedding","num_embeddings":1000000000,"embedding_dim":64}]}]`,
			"layers[1].layers[1].num_embeddings", "over the budget of 12 GB", []int{1, 4}},
		{`[{"type":"Conv2d","in_channels":"auto","out_channels":100000,"kernel_size":3,"padding":1}]`, "layers[0].out_channels",
			"training the network needs about", []int{1, 3, 512, 512}},
		{`[{"type":"LSTM","input_size":"auto","hidden_size":200000}]`, "layers[0].hidden_size", "(--max-model-bytes)", []int{1, 4}},
	} {
		specs := layers(t, c.specs)
		var err error
		n := allocated(func() {
			var pl *NetPlan
			pl, err = Plan(specs, c.in)
			if err == nil {
				err = pl.CheckBudget(limits, 64, "Adam")
			}
		})
		var be *budget.Error
		if !errors.As(err, &be) {
			t.Fatalf("%s: got %v, want a *budget.Error", c.specs, err)
		}
		if be.Field != c.field || !strings.Contains(be.Error(), c.msg) {
			t.Errorf("%s:\ngot  %s (field %s)\nwant %s (field %s)", c.specs, be, be.Field, c.msg, c.field)
		}
		if n > 1<<20 {
			t.Errorf("%s: planning allocated %d bytes", c.specs, n)
		}
	}
}

// TestPlanAbsurdSizes checks the sizes that no budget could hold.
func TestPlanAbsurdSizes(t *testing.T) {
	for _, c := range []struct{ specs, want string }{
		{`[{"type":"Linear","in_features":"auto","out_features":1000000000000000}]`, "layers[0]: Linear: out_features is 1000000000000000, which is beyond any size"},
		{`[{"type":"Linear","in_features":"auto","out_features":-5}]`, "layers[0]: Linear: out_features is -5, expected a value of at least 1"},
		{`[{"type":"Linear","in_features":"auto","out_features":1000000000000}]`, "layers[0].out_features: Linear would hold 5,000,000,000,000 parameters, more than 2^40"},
		{`[{"type":"Linear","in_features":"auto","out_features":100000000000},{"type":"Linear","in_features":"auto","out_features":100000000000}]`, "layers[1].out_features: Linear would hold"},
		{`[{"type":"Unflatten","dim":1,"unflattened_size":[1,2,2]},{"type":"Conv2d","in_channels":"auto","out_channels":1,"kernel_size":1,"padding":1099511627776}]`, "layers[1].padding: Conv2d outputs shape"},
	} {
		_, err := Plan(layers(t, c.specs), []int{1, 4})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s:\ngot  %v\nwant %s...", c.specs, err, c.want)
		}
	}
	deep := `{"type":"ReLU"}`
	for range maxDepth + 2 {
		deep = `{"type":"Sequential","layers":[` + deep + `]}`
	}
	if _, err := Plan(layers(t, "["+deep+"]"), []int{1, 4}); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep nesting: %v", err)
	}
}

// TestTrainingBytesFormula pins the documented estimate on a small network.
func TestTrainingBytesFormula(t *testing.T) {
	pl, err := Plan(layers(t, `[{"type":"Linear","in_features":"auto","out_features":10},{"type":"ReLU"}]`), []int{1, 4})
	if err != nil {
		t.Fatal(err)
	}
	// 50 parameters, activations 10 + 10 per sample, input 4 per sample.
	want := int64(50*4*(2+2) + 20*32*4*2 + 4*32*4)
	if got := pl.TrainingBytes(32, OptimizerStates("Adam")); got != want {
		t.Errorf("TrainingBytes = %d, want %d", got, want)
	}
	if got := pl.WeightBytes(); got != 200 {
		t.Errorf("WeightBytes = %d", got)
	}
	if err := pl.CheckBudget(budget.Limits{MaxModelBytes: 199, MaxRunMemory: -1}, 32, "SGD"); err == nil {
		t.Error("200 bytes of weights fit a budget of 199")
	}
	if err := pl.CheckBudget(budget.Limits{MaxModelBytes: 200, MaxRunMemory: want - 1}, 32, "Adam"); err == nil || !strings.Contains(err.Error(), "--max-run-memory") {
		t.Errorf("run budget: %v", err)
	}
}
