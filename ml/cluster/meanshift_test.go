package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// meanshift.json is written by testdata/gen_meanshift.py with
// scikit-learn 1.2.1.
type meanShiftFile struct {
	Data      map[string][][]float64 `json:"data"`
	Truth     map[string][]int       `json:"truth"`
	Bandwidth []struct {
		Data      string  `json:"data"`
		Quantile  float64 `json:"quantile"`
		Bandwidth float64 `json:"bandwidth"`
	} `json:"bandwidth"`
	MeanShift []struct {
		Data    string         `json:"data"`
		Params  map[string]any `json:"params"`
		Centers [][]float64    `json:"centers"`
		Labels  []int          `json:"labels"`
		NIter   int            `json:"n_iter"`
		Predict []int          `json:"predict"`
	} `json:"meanshift"`
	Spectral []struct {
		Data     string         `json:"data"`
		Params   map[string]any `json:"params"`
		Labels   []int          `json:"labels"`
		ARITruth float64        `json:"ari_truth"`
	} `json:"spectral"`
}

func loadMeanShift(t *testing.T) *meanShiftFile {
	t.Helper()
	b, err := os.ReadFile("testdata/meanshift.json")
	if err != nil {
		t.Fatal(err)
	}
	var p meanShiftFile
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// TestEstimateBandwidthParity: estimate_bandwidth within 1e-12
// (relative) of scikit-learn's for three quantiles.
func TestEstimateBandwidthParity(t *testing.T) {
	p := loadMeanShift(t)
	for _, c := range p.Bandwidth {
		got, err := EstimateBandwidth(context.Background(), dense(p.Data[c.Data]), c.Quantile)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s quantile %g: relative error %g", c.Data, c.Quantile, math.Abs(got-c.Bandwidth)/c.Bandwidth)
		if !relClose(got, c.Bandwidth, 1e-12) {
			t.Errorf("%s quantile %g: bandwidth %.17g, scikit-learn %.17g", c.Data, c.Quantile, got, c.Bandwidth)
		}
	}
}

// TestMeanShiftParity: cluster_centers_ within 1e-8 of scikit-learn's in
// its order (strongest mode first), labels_, n_iter_ and predict exactly,
// for estimated and given bandwidths, bin seeding, min_bin_freq,
// cluster_all false, max_iter and explicit seeds (one far from every row).
func TestMeanShiftParity(t *testing.T) {
	p := loadMeanShift(t)
	for _, c := range p.MeanShift {
		t.Run(fmt.Sprintf("%s/%v", c.Data, c.Params), func(t *testing.T) {
			X := dense(p.Data[c.Data])
			ms := fit(t, "MeanShift", c.Params, X).(*MeanShift)
			C := ms.ClusterCenters()
			if r, _ := C.Dims(); r != len(c.Centers) {
				t.Fatalf("%d centres, scikit-learn %d", r, len(c.Centers))
			}
			var worst float64
			for i, row := range c.Centers {
				for j, v := range row {
					worst = math.Max(worst, math.Abs(C.At(i, j)-v))
				}
			}
			t.Logf("max |centre - scikit-learn's| = %g", worst)
			if worst > 1e-8 {
				t.Errorf("centres differ from scikit-learn's by %g", worst)
			}
			if !slices.Equal(ms.Labels(), c.Labels) {
				t.Errorf("labels differ from scikit-learn's")
			}
			if ms.NIter() != c.NIter {
				t.Errorf("n_iter %d, scikit-learn %d", ms.NIter(), c.NIter)
			}
			probe := mat.DenseCopyOf(X)
			var rows [][]float64
			n, _ := probe.Dims()
			for i := 0; i < n; i += 9 {
				r := mat.Row(nil, i, probe)
				for j := range r {
					r[j] += 0.05
				}
				rows = append(rows, r)
			}
			pred, err := ms.Predict(dense(rows))
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range pred {
				if int(v) != c.Predict[i] {
					t.Fatalf("predict[%d] = %v, scikit-learn %d", i, v, c.Predict[i])
				}
			}
		})
	}
}

// TestMeanShiftErrors: a seed far from every row is dropped, seeds all
// far fail naming bandwidth, seeds of the wrong width name seeds.
func TestMeanShiftErrors(t *testing.T) {
	X := dense([][]float64{{0, 0}, {0, 1}, {1, 0}, {10, 10}})
	ms := NewMeanShift()
	ms.Bandwidth = 2
	ms.Seeds = [][]float64{{100, 100}}
	if err := ms.Fit(context.Background(), X, nil); err == nil || !strings.Contains(err.Error(), "bandwidth") {
		t.Errorf("far seeds: %v, want an error naming the bandwidth", err)
	}
	ms.Seeds = [][]float64{{1, 2, 3}}
	if err := ms.Fit(context.Background(), X, nil); err == nil || !strings.Contains(err.Error(), "seeds") {
		t.Errorf("wide seeds: %v, want an error naming seeds", err)
	}
}
