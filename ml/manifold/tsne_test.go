package manifold

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/ml"
)

type fixture struct {
	ExactP []struct {
		Perplexity float64     `json:"perplexity"`
		X          [][]float64 `json:"X"`
		P          [][]float64 `json:"P"`
	} `json:"exact_p"`
	BHP []struct {
		Perplexity float64     `json:"perplexity"`
		X          [][]float64 `json:"X"`
		P          [][]float64 `json:"P"`
	} `json:"bh_p"`
	Runs []struct {
		Data   string          `json:"data"`
		N      int             `json:"n"`
		Params json.RawMessage `json:"params"`
		Runs   []struct {
			Seed  int     `json:"seed"`
			KL    float64 `json:"kl_divergence"`
			NIter int     `json:"n_iter"`
			Trust float64 `json:"trustworthiness"`
			LR    float64 `json:"learning_rate"`
		} `json:"runs"`
	} `json:"runs"`
	Trust []struct {
		X     [][]float64 `json:"X"`
		E     [][]float64 `json:"E"`
		K     int         `json:"k"`
		Value float64     `json:"value"`
	} `json:"trust"`
}

func load(t testing.TB) *fixture {
	b, err := os.ReadFile("testdata/tsne.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func dense(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

func flat(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// TestExactP compares the joint P of the exact method with scikit-learn
// 1.2.1's _joint_probabilities (testdata/gen_tsne.py) on 60×5 data for
// perplexities 5, 10 and 30: within 1e-6 relative to each entry (the
// same float32 distances and the same bisection; the reference run
// differed by at most 3.8e-15, and a distance rounded to the other
// float32 neighbour would move P by about 1e-7).
func TestExactP(t *testing.T) {
	for _, c := range load(t).ExactP {
		n := len(c.X)
		P := ExactP(flat(c.X), n, len(c.X[0]), c.Perplexity)
		var worst float64
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				worst = math.Max(worst, math.Abs(P[i*n+j]-c.P[i][j])/math.Max(c.P[i][j], 1e-300))
			}
		}
		if worst > 1e-6 {
			t.Errorf("perplexity %v: P differs from scikit-learn's by %.3g relative, more than 1e-6", c.Perplexity, worst)
		}
	}
}

// TestBarnesHutP compares the sparse joint P of the Barnes-Hut method
// with scikit-learn 1.2.1's _joint_probabilities_nn on its
// kneighbors_graph (120×4 uniform data, no ties among distances) for
// perplexities 5 and 20: the same non-zero pattern, values within 1e-6
// relative (the reference run: at most 2.4e-15).
func TestBarnesHutP(t *testing.T) {
	for _, c := range load(t).BHP {
		n := len(c.X)
		ts := NewTSNE()
		ts.Perplexity = c.Perplexity
		P, err := ts.sparseP(flat(c.X), n, len(c.X[0]))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for e := P.ptr[i]; e < P.ptr[i+1]; e++ {
				got[i*n+int(P.ind[e])] = P.val[e]
			}
		}
		var worst float64
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				w := c.P[i][j]
				if (w == 0) != (got[i*n+j] == 0) {
					t.Fatalf("perplexity %v: P[%d, %d] = %v, scikit-learn %v", c.Perplexity, i, j, got[i*n+j], w)
				}
				if w != 0 {
					worst = math.Max(worst, math.Abs(got[i*n+j]-w)/w)
				}
			}
		}
		if worst > 1e-6 {
			t.Errorf("perplexity %v: P differs from scikit-learn's by %.3g relative, more than 1e-6", c.Perplexity, worst)
		}
	}
}

// TestTrustworthiness compares Trustworthiness with
// sklearn.manifold.trustworthiness on a fixed 150-row pair, k 5 and 12:
// within 1e-12.
func TestTrustworthiness(t *testing.T) {
	for _, c := range load(t).Trust {
		v, err := Trustworthiness(dense(c.X), dense(c.E), c.K)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(v-c.Value) > 1e-12 {
			t.Errorf("k %d: trustworthiness %v, scikit-learn %v", c.K, v, c.Value)
		}
	}
}

// TestTSNEReference runs TSNE on the digits subsets of
// testdata/gen_tsne.py and compares with scikit-learn 1.2.1's runs for
// seeds 0-4, and on all of digits with its defaults
// (testdata/gen_tsne_digits.py, seeds 0 and 1): learning_rate_ exactly; trustworthiness (k 5) within 0.01
// of scikit-learn's mean and kl_divergence_ within 10% of it, the bounds
// of issue 13 (scikit-learn's own five seeds spread over 0.0004 in
// trustworthiness and 1% in KL on digits500, 0.0017 and 5% with the exact
// method on digits300, 0.0001 and 0.1% on all of digits; mlforge's
// reference run: 0.9947 / 0.3924 against 0.9957 / 0.3973 on digits500,
// 0.9956 / 0.7505 against 0.9949 / 0.7534 on all of digits).
func TestTSNEReference(t *testing.T) {
	if testing.Short() {
		t.Skip("four t-SNE runs of 1000 iterations")
	}
	f := load(t)
	b, err := os.ReadFile("testdata/tsne_digits.json")
	if err != nil {
		t.Fatal(err)
	}
	f.Runs = append(f.Runs, f.Runs[0])
	f.Runs[len(f.Runs)-1].Runs = nil // not to decode into digits500's runs
	if err := json.Unmarshal(b, &f.Runs[len(f.Runs)-1]); err != nil {
		t.Fatal(err)
	}
	digits := digitsData(t)
	for _, r := range f.Runs {
		t.Run(r.Data, func(t *testing.T) {
			var kl, tr float64
			for _, x := range r.Runs {
				kl += x.KL / float64(len(r.Runs))
				tr += x.Trust / float64(len(r.Runs))
			}
			e, err := ml.New("TSNE", r.Params)
			if err != nil {
				t.Fatal(err)
			}
			ts := e.(*TSNE)
			X := digits.Slice(0, r.N, 0, 64).(*mat.Dense)
			E, err := ts.FitTransform(context.Background(), X)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Trustworthiness(X, E, 5)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("kl %.4f (scikit-learn %.4f), trustworthiness %.4f (%.4f), n_iter %d", ts.KLDivergence(), kl, got, tr, ts.NIterFitted())
			if ts.LearningRateFitted() != r.Runs[0].LR {
				t.Errorf("learning_rate_ = %v, scikit-learn %v", ts.LearningRateFitted(), r.Runs[0].LR)
			}
			if math.Abs(got-tr) > 0.01 {
				t.Errorf("trustworthiness %.4f, scikit-learn's mean %.4f: more than 0.01 apart", got, tr)
			}
			if math.Abs(ts.KLDivergence()-kl) > 0.1*kl {
				t.Errorf("kl_divergence_ %.4f, scikit-learn's mean %.4f: more than 10%% apart", ts.KLDivergence(), kl)
			}
		})
	}
}

// TestTSNEBadInput: perplexity ≥ n, too many components for Barnes-Hut or
// for the PCA init, n_iter below 250 and an unknown method are errors
// naming the parameter, before any work.
func TestTSNEBadInput(t *testing.T) {
	X := mat.NewDense(10, 3, nil)
	for i := 0; i < 10; i++ {
		X.SetRow(i, []float64{float64(i), float64(i * i % 7), float64(i % 3)})
	}
	for _, c := range []struct{ params, param string }{
		{`{}`, "perplexity"},
		{`{"perplexity": 10}`, "perplexity"},
		{`{"perplexity": 3, "n_components": 4}`, "n_components"},
		{`{"perplexity": 3, "n_components": 4, "method": "exact"}`, "n_components"},
		{`{"n_iter": 100}`, "n_iter"},
		{`{"method": "fast"}`, "method"},
		{`{"perplexity": 0}`, "perplexity"},
	} {
		e, err := ml.New("TSNE", json.RawMessage(c.params))
		if err == nil {
			err = e.Fit(context.Background(), X, nil)
		}
		var pe *ml.ParamError
		if !ml.IsBadInput(err) || !asParam(err, &pe) || pe.Param != c.param {
			t.Errorf("%s: %v, want a bad-input error naming %s", c.params, err, c.param)
		}
	}
	if _, err := Trustworthiness(X, X, 5); err == nil || !strings.Contains(err.Error(), "n_neighbors") {
		t.Errorf("trustworthiness with k 5 of 10 rows: %v", err)
	}
}

// TestTSNEExactOverBudget: the exact method's n² memory is in its
// estimate, named by method; Barnes-Hut's estimate is linear in n
// (BenchmarkTSNE20000 measured 9.8 kB allocated a point on 20,000 points
// against an estimate of 13.6 kB).
func TestTSNEExactOverBudget(t *testing.T) {
	bh := NewTSNE()
	if a, b := bh.EstimateMemory(10000, 64, 2), bh.EstimateMemory(20000, 64, 2); float64(b) > 2.01*float64(a) {
		t.Errorf("Barnes-Hut estimate grows faster than n: %d for 10,000 rows, %d for 20,000", a, b)
	}
	ts := NewTSNE()
	ts.Method = "exact"
	const n = 3_000_000
	if est := ts.EstimateMemory(n, 2, 2); est < 24*n*n {
		t.Errorf("EstimateMemory(%d rows, exact) = %d, want at least 24·n²", n, est)
	}
	if ts.MemoryParam() != "method" {
		t.Errorf("MemoryParam() = %q, want method", ts.MemoryParam())
	}
	// Fit itself refuses before allocating the n² arrays (3,000,000 rows
	// need about 216 TB).
	X := mat.NewDense(n, 2, nil)
	for i := 0; i < n; i++ {
		X.Set(i, 0, float64(i))
	}
	err := ts.Fit(context.Background(), X, nil)
	if !ml.IsBadInput(err) || !strings.Contains(err.Error(), "model.params.method") || !strings.Contains(err.Error(), "barnes_hut") {
		t.Errorf("exact on %d rows: %v, want a budget error naming model.params.method and suggesting barnes_hut", n, err)
	}
}

func digitsData(t testing.TB) *mat.Dense {
	f, err := datasets.Load("digits")
	if err != nil {
		t.Fatal(err)
	}
	return f.X
}

func asParam(err error, pe **ml.ParamError) bool { return errors.As(err, pe) }

func mustDense(m mat.Matrix) *mat.Dense { return mat.DenseCopyOf(m) }
