package metrics

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// clusterNames are the clustering metrics' registered names.
var clusterNames = []string{
	"adjusted_rand_score", "adjusted_rand", "rand_score", "rand", "mutual_info_score", "mutual_info",
	"normalized_mutual_info_score", "normalized_mutual_info", "adjusted_mutual_info_score", "adjusted_mutual_info",
	"homogeneity_score", "homogeneity", "completeness_score", "completeness", "v_measure_score", "v_measure",
	"fowlkes_mallows_score", "fowlkes_mallows", "silhouette_score", "silhouette",
	"calinski_harabasz_score", "calinski_harabasz", "davies_bouldin_score", "davies_bouldin",
}

// TestClusterParity compares every clustering metric with scikit-learn
// 1.2.1 (testdata/gen_cluster.py) within 1e-10, relative to max(1, |v|).
func TestClusterParity(t *testing.T) {
	b, err := os.ReadFile("testdata/cluster.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []map[string]json.RawMessage
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	get := func(c map[string]json.RawMessage, k string, v any) bool {
		raw, ok := c[k]
		if ok {
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatal(k, err)
			}
		}
		return ok
	}
	for _, c := range cases {
		var name string
		var yt, yp []float64
		get(c, "name", &name)
		get(c, "true", &yt)
		get(c, "pred", &yp)
		check := func(what string, got float64, err error, key string) {
			t.Helper()
			var want float64
			get(c, key, &want)
			if err != nil || math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: %s = %v (%v), scikit-learn %v", name, what, got, err, want)
			}
		}
		v, err := AdjustedRandScore(yt, yp)
		check("adjusted_rand_score", v, err, "adjusted_rand")
		v, err = RandScore(yt, yp)
		check("rand_score", v, err, "rand")
		v, err = MutualInfoScore(yt, yp)
		check("mutual_info_score", v, err, "mutual_info")
		v, err = FowlkesMallowsScore(yt, yp)
		check("fowlkes_mallows_score", v, err, "fowlkes_mallows")
		h, co, vm, err := HomogeneityCompletenessVMeasure(yt, yp, 1)
		check("homogeneity", h, err, "homogeneity")
		check("completeness", co, err, "completeness")
		check("v_measure", vm, err, "v_measure")
		_, _, vm, err = HomogeneityCompletenessVMeasure(yt, yp, 2)
		check("v_measure beta 2", vm, err, "v_measure_beta2")
		for _, avg := range []string{"arithmetic", "geometric", "min", "max"} {
			v, err = NormalizedMutualInfoScore(yt, yp, avg)
			check("nmi "+avg, v, err, "nmi_"+avg)
			v, err = AdjustedMutualInfoScore(yt, yp, avg)
			check("ami "+avg, v, err, "ami_"+avg)
		}
		var rows [][]float64
		if !get(c, "X", &rows) {
			continue
		}
		X := mat.NewDense(len(rows), len(rows[0]), nil)
		for i, r := range rows {
			X.SetRow(i, r)
		}
		for _, lab := range []string{"true", "pred"} {
			L := yt
			if lab == "pred" {
				L = yp
			}
			v, err = SilhouetteScore(X, L, "euclidean")
			check("silhouette "+lab, v, err, "silhouette_"+lab)
			v, err = SilhouetteScore(X, L, "manhattan")
			check("silhouette manhattan "+lab, v, err, "silhouette_manhattan_"+lab)
			v, err = CalinskiHarabaszScore(X, L)
			check("calinski_harabasz "+lab, v, err, "calinski_harabasz_"+lab)
			v, err = DaviesBouldinScore(X, L)
			check("davies_bouldin "+lab, v, err, "davies_bouldin_"+lab)
			var want []float64
			get(c, "silhouette_samples_"+lab, &want)
			got, err := SilhouetteSamples(X, L, "euclidean")
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-10 {
					t.Errorf("%s: silhouette_samples[%d] = %v, scikit-learn %v", name, i, got[i], want[i])
					break
				}
			}
		}
	}
}

// TestClusterRegistry: every clustering metric is found by both names,
// scores through Score, and the internal ones need X.
func TestClusterRegistry(t *testing.T) {
	X := mat.NewDense(4, 1, []float64{0, 1, 10, 11})
	in := Input{YTrue: []float64{0, 0, 1, 1}, YPred: []float64{1, 1, 0, 0}, X: X}
	for _, n := range clusterNames {
		m, err := Lookup(n)
		if err != nil || m.Task != ml.Clustering || m.Doc == "" {
			t.Fatalf("Lookup(%q) = %+v, %v", n, m, err)
		}
		if _, err := Score(n, in); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if m.NeedsX {
			if _, err := Score(n, Input{YPred: in.YPred}); err == nil || !ml.IsBadInput(err) {
				t.Errorf("%s without X: %v, want a bad-input error", n, err)
			}
		}
	}
	if v, _ := Score("adjusted_rand", in); v != 1 {
		t.Errorf("adjusted_rand of renamed labels = %v, want 1", v)
	}
	if _, err := SilhouetteScore(X, []float64{0, 0, 0, 0}, "euclidean"); err == nil || !ml.IsBadInput(err) {
		t.Errorf("silhouette with one label: %v, want a bad-input error", err)
	}
	if _, err := AdjustedRandScore([]float64{0, 1}, []float64{0}); err == nil || !ml.IsBadInput(err) {
		t.Errorf("labelings of different lengths: %v, want a bad-input error", err)
	}
}
