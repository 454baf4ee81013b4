package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/tensor"
)

// sparseEmbedding builds an Embedding layer from its spec keys.
func sparseEmbedding(t *testing.T, keys string) *nn.Embedding {
	t.Helper()
	var spec nn.LayerSpec
	if err := json.Unmarshal([]byte(`{"type": "Embedding", `+keys+`}`), &spec); err != nil {
		t.Fatal(err)
	}
	m, _, err := nn.NewLayer(spec, []int{1, 5}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return m.(*nn.Embedding)
}

// TestSparseAdamMatchesPyTorch runs SparseAdam over an Embedding with
// sparse true for 20 steps of testdata/sparse_adam.json
// (gen_sparse_adam.py: PyTorch 1.13, Embedding(sparse=True), loss
// mse_loss(embedding(idx), target, reduction="sum")) and compares the
// weight after every step to 1e-5 (absolute, on weights of order 1). Rows
// absent from a step keep their weights exactly, and a state round trip
// at step 10 resumes the same steps.
func TestSparseAdamMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/sparse_adam.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []struct {
			Name       string          `json:"name"`
			Args       json.RawMessage `json:"args"`
			Num        int             `json:"num"`
			Dim        int             `json:"dim"`
			PaddingIdx *int            `json:"padding_idx"`
			Weight0    []float32       `json:"weight0"`
			Steps      []struct {
				Idx    []float32 `json:"idx"`
				Target []float32 `json:"target"`
				Weight []float32 `json:"weight"`
			} `json:"steps"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 4 {
		t.Fatalf("%d cases", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			keys := fmt.Sprintf(`"num_embeddings": %d, "embedding_dim": %d, "sparse": true`, c.Num, c.Dim)
			if c.PaddingIdx != nil {
				keys += fmt.Sprintf(`, "padding_idx": %d`, *c.PaddingIdx)
			}
			build := func() (*nn.Embedding, Optimizer) {
				e := sparseEmbedding(t, keys)
				copy(e.Weight.Data.Data, c.Weight0)
				opt, err := New("SparseAdam", []*nn.Var{e.Weight}, c.Args)
				if err != nil {
					t.Fatal(err)
				}
				return e, opt
			}
			step := func(e *nn.Embedding, opt Optimizer, i int) {
				s := c.Steps[i]
				g := nn.NewGraph()
				out := e.Forward(g, g.Const(&tensor.Tensor{Shape: []int{len(s.Idx)}, Data: s.Idx}))
				loss := (&nn.MSELoss{Reduction: "sum"}).Forward(g, out, g.Const(&tensor.Tensor{Shape: []int{len(s.Idx), c.Dim}, Data: s.Target}))
				if err := g.Backward(loss); err != nil {
					t.Fatal(err)
				}
				opt.Step()
				opt.ZeroGrad()
			}
			e, opt := build()
			var re *nn.Embedding
			var ropt Optimizer
			for i, s := range c.Steps {
				if i == 10 {
					re, ropt = build()
					copy(re.Weight.Data.Data, e.Weight.Data.Data)
					if err := ropt.LoadState(opt.State()); err != nil {
						t.Fatal(err)
					}
				}
				before := slices.Clone(e.Weight.Data.Data)
				step(e, opt, i)
				w := e.Weight.Data.Data
				for j, want := range s.Weight {
					if d := math.Abs(float64(w[j] - want)); !(d <= 1e-5) {
						t.Fatalf("step %d: weight[%d] %v, want %v", i+1, j, w[j], want)
					}
				}
				for r := range c.Num {
					if !slices.Contains(s.Idx, float32(r)) && !slices.Equal(w[r*c.Dim:(r+1)*c.Dim], before[r*c.Dim:(r+1)*c.Dim]) {
						t.Fatalf("step %d: row %d, absent from the batch, moved", i+1, r)
					}
				}
				if ropt != nil {
					step(re, ropt, i)
					if !slices.Equal(re.Weight.Data.Data, w) {
						t.Fatalf("step %d after a state round trip: weights differ", i+1)
					}
				}
			}
		})
	}
}

// TestSparseGradRefusals: SparseAdam refuses a dense gradient and the
// optimizers PyTorch's refuse sparse gradients, by name, in New and in
// CheckGrads (the check before a network is built).
func TestSparseGradRefusals(t *testing.T) {
	sparse := sparseEmbedding(t, `"num_embeddings": 4, "embedding_dim": 2, "sparse": true`).Weight
	dense := sparseEmbedding(t, `"num_embeddings": 4, "embedding_dim": 2`).Weight
	if !nn.SparseGrad(sparse) || nn.SparseGrad(dense) {
		t.Fatal("SparseGrad does not tell sparse true from false")
	}
	for _, c := range []struct {
		name, args string
		params     []*nn.Var
		want       string
	}{
		{"SparseAdam", `{}`, []*nn.Var{sparse, dense}, "SparseAdam does not support dense gradients"},
		{"Adam", `{}`, []*nn.Var{sparse}, "Adam does not support sparse gradients"},
		{"RMSprop", `{}`, []*nn.Var{sparse, dense}, "RMSprop does not support sparse gradients"},
		{"SGD", `{"lr": 0.1, "weight_decay": 0.01}`, []*nn.Var{sparse}, "weight_decay does not apply to sparse gradients"},
		{"Adagrad", `{"weight_decay": 0.01}`, []*nn.Var{sparse}, "weight_decay does not apply to sparse gradients"},
		{"SGD", `{"lr": 0.1, "momentum": 0.9}`, []*nn.Var{sparse, dense}, ""},
		{"Adagrad", `{}`, []*nn.Var{sparse}, ""},
		{"LBFGS", `{}`, []*nn.Var{sparse}, ""},
		{"SparseAdam", `{"lr": 0.1}`, []*nn.Var{sparse}, ""},
		{"Adam", `{}`, []*nn.Var{dense}, ""},
	} {
		_, err := New(c.name, c.params, json.RawMessage(c.args))
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s %s: %v, want %q", c.name, c.args, err, c.want)
		}
		hasS, hasD := slices.Contains(c.params, sparse), slices.Contains(c.params, dense)
		err = CheckGrads(c.name, json.RawMessage(c.args), hasS, hasD)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckGrads %s %s: %v, want %q", c.name, c.args, err, c.want)
		}
	}
	// Without parameters (a spec's validation) SparseAdam's settings are
	// checked alone.
	if _, err := New("SparseAdam", nil, json.RawMessage(`{"lr": 0.01, "betas": [0.8, 0.9], "eps": 1e-6, "maximize": true}`)); err != nil {
		t.Error(err)
	}
	if _, err := New("SparseAdam", nil, json.RawMessage(`{"weight_decay": 0.01}`)); err == nil || !strings.Contains(err.Error(), "weight_decay") {
		t.Errorf("SparseAdam weight_decay: %v", err)
	}
}
