package neighbors

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// fixture is one file written by testdata/gen.py.
type fixture struct {
	Sklearn   string `json:"sklearn"`
	Dataset   string `json:"dataset"`
	Path      string `json:"path"`
	Estimator string `json:"estimator"`
	Train     []int  `json:"train"`
	Test      []int  `json:"test"`
	Rows      int    `json:"rows"`
	Cases     []struct {
		Params struct {
			NNeighbors int     `json:"n_neighbors"`
			Weights    string  `json:"weights"`
			P          float64 `json:"p"`
		} `json:"params"`
		FitMethod string      `json:"fit_method"`
		Score     float64     `json:"score"`
		Predict   []float64   `json:"predict"`
		Proba     [][]float64 `json:"proba"`
		Dist      [][]float64 `json:"dist"`
		Ind       [][]int     `json:"ind"`
	} `json:"cases"`
	SelfDist [][]float64 `json:"self_dist"`
}

// Tolerances of the parity checks, and why.
const (
	// distRtol: scikit-learn's brute force returns sqrt(‖x‖²+‖y‖²−2x·y)
	// from BLAS, off by about u·(‖x‖²+‖y‖²)/d² relative to the distance;
	// its k-d tree and our searches compute Σ(x−y)² directly. On these
	// data sets the largest gap seen is 4.6e-12 (breast_cancer, whose area
	// features reach 4,000: the largest norms); the others stay below 1e-14.
	// 1e-9 leaves room.
	distRtol = 1e-9
	// weightedRtol: with weights="distance" the probabilities and predicted
	// means divide by distances, so they inherit distRtol.
	weightedRtol = 1e-9
)

func loadFixture(t *testing.T, name string) *fixture {
	t.Helper()
	var f fixture
	testutil.ReadJSON(t, filepath.Join("testdata", name+".json"), &f)
	if f.Sklearn == "" || len(f.Cases) == 0 {
		t.Fatalf("%s: empty fixture", name)
	}
	return &f
}

// knnModel is what the parity test needs from both estimators.
type knnModel interface {
	ml.Predictor
	KNeighbors(X *mat.Dense, k int) (*mat.Dense, [][]int, error)
	FitMethod() string
}

func TestParity(t *testing.T) {
	for _, name := range []string{"iris", "wine", "breast_cancer", "digits", "diabetes", "classification_10k", "regression_10k"} {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			X, y := testutil.LoadCSV(t, f.Path)
			Xtr, ytr := testutil.Rows(X, f.Train), testutil.Take(y, f.Train)
			Xte, yte := testutil.Rows(X, f.Test), testutil.Take(y, f.Test)
			Xrows := testutil.Rows(X, f.Test[:f.Rows])
			for _, c := range f.Cases {
				// "auto" must choose as scikit-learn did.
				var auto knnModel
				if f.Estimator == classifierName {
					auto = &KNeighborsClassifier{Params: Params{NNeighbors: c.Params.NNeighbors, Weights: "uniform", Algorithm: "auto", LeafSize: 30, P: c.Params.P, Metric: "minkowski"}}
				} else {
					auto = &KNeighborsRegressor{Params: Params{NNeighbors: c.Params.NNeighbors, Weights: "uniform", Algorithm: "auto", LeafSize: 30, P: c.Params.P, Metric: "minkowski"}}
				}
				if err := auto.Fit(context.Background(), Xtr, ytr); err != nil {
					t.Fatal(err)
				}
				if auto.FitMethod() != c.FitMethod {
					t.Errorf("k%d/p%g: auto chose %s, scikit-learn %s", c.Params.NNeighbors, c.Params.P, auto.FitMethod(), c.FitMethod)
				}
				for _, algo := range []string{"brute", "kd_tree"} {
					name := fmt.Sprintf("k%d/%s/p%g/%s", c.Params.NNeighbors, c.Params.Weights, c.Params.P, algo)
					if testing.Short() && algo != c.FitMethod && f.Rows < len(f.Test) {
						continue // short: the big sets run scikit-learn's own choice only
					}
					var m knnModel
					var clf *KNeighborsClassifier
					var reg *KNeighborsRegressor
					if f.Estimator == classifierName {
						clf = NewKNeighborsClassifier()
						clf.NNeighbors, clf.Weights, clf.P, clf.Algorithm = c.Params.NNeighbors, c.Params.Weights, c.Params.P, algo
						m = clf
					} else {
						reg = NewKNeighborsRegressor()
						reg.NNeighbors, reg.Weights, reg.P, reg.Algorithm = c.Params.NNeighbors, c.Params.Weights, c.Params.P, algo
						m = reg
					}
					if err := m.Fit(context.Background(), Xtr, ytr); err != nil {
						t.Fatalf("%s: fit: %v", name, err)
					}
					if m.FitMethod() != algo {
						t.Fatalf("%s: fit method %s", name, m.FitMethod())
					}
					k := c.Params.NNeighbors
					dist, ind, err := m.KNeighbors(Xrows, 0)
					if err != nil {
						t.Fatal(err)
					}
					wantDist := flat(c.Dist)
					testutil.AllClose(t, name+": kneighbors distances", dist.RawMatrix().Data, wantDist, distRtol, 1e-12)
					// Rows whose neighbour lists differ from scikit-learn's:
					// the distances agree, so the lists differ only inside
					// groups of equal distances (ties, which scikit-learn
					// orders arbitrarily while we order by index).
					same := make([]bool, f.Rows)
					ties := 0
					for i := range same {
						same[i] = slices.Equal(sorted(ind[i]), sorted(c.Ind[i]))
						if !same[i] {
							ties++
						}
					}
					pred, err := m.Predict(Xrows)
					if err != nil {
						t.Fatal(err)
					}
					// The voting and averaging alone, fed scikit-learn's
					// neighbours and distances, must reproduce it on every
					// row: predictions exactly, probabilities and means to
					// the last bit as the summation order is numpy's.
					skDist, skInd := flat(c.Dist), flatInt(c.Ind)
					if clf != nil {
						checkExact(t, name+": predict from scikit-learn's neighbours", clf.predictFrom(skDist, skInd, k), c.Predict)
						checkExact(t, name+": predict_proba from scikit-learn's neighbours", clf.probaFrom(skDist, skInd, k).RawMatrix().Data, flat(c.Proba))
					} else {
						checkExact(t, name+": predict from scikit-learn's neighbours", reg.predictFrom(skDist, skInd, k), c.Predict)
					}
					var proba *mat.Dense
					if clf != nil {
						if proba, err = clf.PredictProba(Xrows); err != nil {
							t.Fatal(err)
						}
					}
					for i := range same {
						if !same[i] {
							continue
						}
						if clf != nil {
							if pred[i] != c.Predict[i] {
								t.Fatalf("%s: row %d: predict %v, scikit-learn %v", name, i, pred[i], c.Predict[i])
							}
							// Uniform: count/k, exact. Distance: weightedRtol.
							rtol := 0.0
							if c.Params.Weights == "distance" {
								rtol = weightedRtol
							}
							testutil.AllClose(t, fmt.Sprintf("%s: row %d proba", name, i), proba.RawRowView(i), c.Proba[i], rtol, 1e-15)
						} else {
							// Uniform means of the same targets are
							// exact; distance weights inherit distRtol.
							rtol := 0.0
							if c.Params.Weights == "distance" {
								rtol = weightedRtol
							}
							testutil.AllClose(t, fmt.Sprintf("%s: row %d predict", name, i), pred[i:i+1], c.Predict[i:i+1], rtol, 1e-12)
						}
					}
					// Held-out score on the whole test part: within 0.01.
					full, err := m.Predict(Xte)
					if err != nil {
						t.Fatal(err)
					}
					var score float64
					if clf != nil {
						score = accuracy(yte, full)
					} else {
						score = r2(yte, full)
					}
					if math.Abs(score-c.Score) > 0.01 {
						t.Errorf("%s: test score %.4f, scikit-learn %.4f (tolerance 0.01)", name, score, c.Score)
					}
					if os.Getenv("NEIGHBORS_VERBOSE") != "" {
						t.Logf("%s: %d of %d rows tie differently; score %.6f vs %.6f", name, ties, f.Rows, score, c.Score)
					}
				}
			}
			if f.SelfDist != nil {
				m := NewKNeighborsClassifier()
				if err := m.Fit(context.Background(), Xtr, ytr); err != nil {
					t.Fatal(err)
				}
				dist, _, err := m.KNeighbors(nil, 5)
				if err != nil {
					t.Fatal(err)
				}
				testutil.AllClose(t, "kneighbors(X=None) distances", dist.RawMatrix().Data, flat(f.SelfDist), distRtol, 1e-12)
			}
		})
	}
}

func checkExact(t *testing.T, what string, got, want []float64) {
	t.Helper()
	testutil.AllClose(t, what, got, want, 0, 0)
}

func flat(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func flatInt(rows [][]int) []int {
	var out []int
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func sorted(a []int) []int {
	b := slices.Clone(a)
	slices.Sort(b)
	return b
}

func accuracy(y, p []float64) float64 {
	n := 0
	for i := range y {
		if y[i] == p[i] {
			n++
		}
	}
	return float64(n) / float64(len(y))
}

func r2(y, p []float64) float64 {
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var ssr, sst float64
	for i := range y {
		ssr += (y[i] - p[i]) * (y[i] - p[i])
		sst += (y[i] - mean) * (y[i] - mean)
	}
	return 1 - ssr/sst
}
