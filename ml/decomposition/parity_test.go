package decomposition

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

type parityCase struct {
	Data       string          `json:"data"`
	Params     json.RawMessage `json:"params"`
	X          [][]float64     `json:"X"`
	Components [][]float64     `json:"components"`
	EV         []float64       `json:"explained_variance"`
	EVR        []float64       `json:"explained_variance_ratio"`
	SV         []float64       `json:"singular_values"`
	Mean       []float64       `json:"mean"`
	Noise      float64         `json:"noise_variance"`
	K          int             `json:"n_components"`
	Transform  [][]float64     `json:"transform"`
	Inverse    [][]float64     `json:"inverse"`
}

func dense(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

// TestPCAParity compares PCA with scikit-learn 1.2.1 (testdata/gen.py):
// n_components_ exactly; explained variance, its ratio, the singular values
// and noise_variance_ within 1e-8 (relative to max(1, |v|)); components
// within 1e-8 up to the sign of each (svd_flip makes the signs agree
// except where the largest |U| entry of a column ties); transform and
// inverse_transform within 1e-8 with the same signs.
func TestPCAParity(t *testing.T) {
	b, err := os.ReadFile("testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []parityCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-8*math.Max(1, math.Abs(b)) }
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%s", c.Data, c.Params), func(t *testing.T) {
			e, err := ml.New("PCA", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			pc := e.(*PCA)
			X := dense(c.X)
			if err := pc.Fit(context.Background(), X, nil); err != nil {
				t.Fatal(err)
			}
			if pc.NComponentsFitted() != c.K {
				t.Fatalf("n_components_ = %d, scikit-learn %d", pc.NComponentsFitted(), c.K)
			}
			for name, pair := range map[string][2][]float64{"explained_variance_": {pc.ExplainedVariance(), c.EV},
				"explained_variance_ratio_": {pc.ExplainedVarianceRatio(), c.EVR}, "singular_values_": {pc.SingularValues(), c.SV},
				"mean_": {pc.Mean(), c.Mean}, "noise_variance_": {{pc.NoiseVariance()}, {c.Noise}}} {
				for i := range pair[1] {
					if !close(pair[0][i], pair[1][i]) {
						t.Errorf("%s[%d] = %v, scikit-learn %v", name, i, pair[0][i], pair[1][i])
					}
				}
			}
			C := pc.Components()
			signs := make([]float64, c.K)
			for i, row := range c.Components {
				signs[i] = 1
				if c.SV[i] < 1e-10*c.SV[0] {
					continue // a direction of zero variance: any unit vector of the null space
				}
				if C.At(i, 0)*row[0] < 0 {
					signs[i] = -1
				}
				for j, v := range row {
					if !close(signs[i]*C.At(i, j), v) {
						t.Errorf("components_[%d, %d] = %v, scikit-learn %v (sign %v)", i, j, C.At(i, j), v, signs[i])
						break
					}
				}
			}
			for i := range signs {
				if signs[i] < 0 && c.Data != "lowrank" && c.SV[i] >= 1e-10*c.SV[0] {
					t.Errorf("component %d has the opposite sign of scikit-learn's", i)
				}
			}
			tr, err := pc.Transform(dense(c.X[:10]))
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range c.Transform {
				for j, v := range row {
					if !close(signs[j]*tr.At(i, j), v) && !(c.SV[j] < 1e-10*c.SV[0] && math.Abs(v) < 1e-8) {
						t.Fatalf("transform[%d, %d] = %v, scikit-learn %v", i, j, tr.At(i, j), v)
					}
				}
			}
			inv, err := pc.InverseTransform(tr)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range c.Inverse {
				for j, v := range row {
					if !close(inv.At(i, j), v) {
						t.Fatalf("inverse_transform[%d, %d] = %v, scikit-learn %v", i, j, inv.At(i, j), v)
					}
				}
			}
		})
	}
}

// TestPCABadInput: too many components (for arpack, min(n, p) already is),
// "mle" on wide data and a bad n_components are errors naming
// n_components.
func TestPCABadInput(t *testing.T) {
	X := mat.NewDense(5, 3, []float64{1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 1, 2, 2, 2})
	for _, p := range []string{`{"n_components": 4}`, `{"n_components": 1.5}`, `{"n_components": "all"}`, `{"n_components": -1}`, `{"svd_solver": "randomized", "n_components": 0.5}`,
		`{"svd_solver": "arpack", "n_components": 3}`, `{"svd_solver": "arpack", "n_components": "mle"}`, `{"svd_solver": "arpack", "n_components": 0.5}`} {
		e, err := ml.New("PCA", json.RawMessage(p))
		if err == nil {
			err = e.Fit(context.Background(), X, nil)
		}
		var pe *ml.ParamError
		if !ml.IsBadInput(err) || !asParam(err, &pe) || pe.Param != "n_components" {
			t.Errorf("%s: %v, want a bad-input error naming n_components", p, err)
		}
	}
	e, _ := ml.New("PCA", json.RawMessage(`{"n_components": "mle"}`))
	if err := e.Fit(context.Background(), mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 7}), nil); !ml.IsBadInput(err) {
		t.Errorf("mle on 2x3: %v, want a bad-input error", err)
	}
}

// TestTruncatedSVDParity compares TruncatedSVD with scikit-learn 1.2.1
// (testdata/gen.py, truncated.json): singular values and explained
// variance (ratio) within 1e-8 relative, components and transform within
// 1e-8 with the same signs (svd_flip). The randomized cases are on data
// with a wide spectral gap, where the method is exact to rounding.
func TestTruncatedSVDParity(t *testing.T) {
	b, err := os.ReadFile("testdata/truncated.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []parityCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-8*math.Max(1, math.Abs(b)) }
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s%s", c.Data, c.Params), func(t *testing.T) {
			e, err := ml.New("TruncatedSVD", c.Params)
			if err != nil {
				t.Fatal(err)
			}
			ts := e.(*TruncatedSVD)
			if err := ts.Fit(context.Background(), dense(c.X), nil); err != nil {
				t.Fatal(err)
			}
			for name, pair := range map[string][2][]float64{"explained_variance_": {ts.ExplainedVariance(), c.EV},
				"explained_variance_ratio_": {ts.ExplainedVarianceRatio(), c.EVR}, "singular_values_": {ts.SingularValues(), c.SV}} {
				for i := range pair[1] {
					if !close(pair[0][i], pair[1][i]) {
						t.Errorf("%s[%d] = %v, scikit-learn %v", name, i, pair[0][i], pair[1][i])
					}
				}
			}
			C := ts.Components()
			for i, row := range c.Components {
				for j, v := range row {
					if !close(C.At(i, j), v) {
						t.Fatalf("components_[%d, %d] = %v, scikit-learn %v", i, j, C.At(i, j), v)
					}
				}
			}
			tr, _ := ts.Transform(dense(c.X[:10]))
			for i, row := range c.Transform {
				for j, v := range row {
					if !close(tr.At(i, j), v) {
						t.Fatalf("transform[%d, %d] = %v, scikit-learn %v", i, j, tr.At(i, j), v)
					}
				}
			}
		})
	}
}

// TestPCACovarianceMatchesFull: where svd_solver "auto" picks randomized
// on tall data, mlforge takes the leading components from the scatter
// matrix's eigendecomposition; on data with a slowly decaying spectrum
// (Gaussian noise with a few scaled columns, where a randomized sketch
// would only approximate them) they agree with the full SVD's within
// 1e-8: explained variance (ratio), singular values, noise variance and
// components with the same signs (both follow svd_flip).
func TestPCACovarianceMatchesFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, p = 2000, 60
	X := mat.NewDense(n, p, nil)
	X.Apply(func(_, j int, _ float64) float64 { return rng.NormFloat64() * (1 + 3/float64(j+1)) }, X)
	auto, full := NewPCA(), NewPCA()
	auto.NComponents, full.NComponents = NComponents{Count: 10}, NComponents{Count: 10}
	full.SvdSolver = "full"
	if !auto.useCovariance(n, p) {
		t.Fatal("auto does not take the covariance path on 2000 x 60")
	}
	for _, pc := range []*PCA{auto, full} {
		if err := pc.Fit(context.Background(), X, nil); err != nil {
			t.Fatal(err)
		}
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-8*math.Max(1, math.Abs(b)) }
	for name, pair := range map[string][2][]float64{"explained_variance_": {auto.ExplainedVariance(), full.ExplainedVariance()},
		"explained_variance_ratio_": {auto.ExplainedVarianceRatio(), full.ExplainedVarianceRatio()},
		"singular_values_":          {auto.SingularValues(), full.SingularValues()}, "noise_variance_": {{auto.NoiseVariance()}, {full.NoiseVariance()}}} {
		for i := range pair[1] {
			if !close(pair[0][i], pair[1][i]) {
				t.Errorf("%s[%d] = %v, full SVD %v", name, i, pair[0][i], pair[1][i])
			}
		}
	}
	A, F := auto.Components(), full.Components()
	for i := 0; i < 10; i++ {
		for j := 0; j < p; j++ {
			if !close(A.At(i, j), F.At(i, j)) {
				t.Fatalf("components_[%d, %d] = %v, full SVD %v", i, j, A.At(i, j), F.At(i, j))
			}
		}
	}
}
