package train

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestPlotData checks what classic runs record for the roc, pr and
// importances plots: one curve for a binary problem, one per class for
// a multiclass one, whose AUCs are the run's roc_auc / roc_auc_ovr
// metrics (the same scores, the same algorithm), and importances named
// after the features.
func TestPlotData(t *testing.T) {
	dir := t.TempDir()
	res, err := runSpec(t, dir, `{"name": "cancer", "data": {"train": "builtin:breast_cancer", "split": {"test_size": 0.25, "seed": 7}},
		"preprocess": [{"type": "StandardScaler"}],
		"model": {"class": "LogisticRegression"}, "metrics": ["accuracy", "roc_auc"], "output": "`+filepath.ToSlash(filepath.Join(dir, "m1"))+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	tc := res.TestCurves
	if tc == nil || len(tc.Classes) != 1 || tc.Score != "predict_proba" || tc.NTest != res.NTest {
		t.Fatalf("binary curves %+v", tc)
	}
	c := tc.Classes[0]
	if c.Label != res.Labels[1] {
		t.Errorf("label %q, want the positive class %q", c.Label, res.Labels[1])
	}
	if want := res.Metrics["test"]["roc_auc"]; c.RocAuc != want {
		t.Errorf("roc_auc %v, metric %v", c.RocAuc, want)
	}
	checkCurve(t, c)
	imp := res.Importances
	if imp == nil || imp.Kind != "|coef_|" || imp.NFeatures != 30 || len(imp.Features) != maxImportances {
		t.Fatalf("importances %+v", imp)
	}
	for i := 1; i < len(imp.Values); i++ {
		if imp.Values[i] > imp.Values[i-1] {
			t.Fatalf("importances not sorted: %v", imp.Values)
		}
	}
	if !strings.Contains(strings.Join(imp.Features, ","), "mean_") {
		t.Errorf("feature names %v lack breast_cancer's", imp.Features)
	}

	res, err = runSpec(t, dir, `{"name": "iris", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
		"model": {"class": "LogisticRegression", "params": {"max_iter": 500}}, "metrics": ["roc_auc_ovr"], "output": "`+filepath.ToSlash(filepath.Join(dir, "m2"))+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	tc = res.TestCurves
	if tc == nil || len(tc.Classes) != 3 {
		t.Fatalf("multiclass curves %+v", tc)
	}
	mean := 0.0
	for i, c := range tc.Classes {
		if c.Label != res.Labels[i] {
			t.Errorf("class %d label %q, want %q", i, c.Label, res.Labels[i])
		}
		checkCurve(t, c)
		mean += c.RocAuc / 3
	}
	if want := res.Metrics["test"]["roc_auc_ovr"]; math.Abs(mean-want) > 1e-12 {
		t.Errorf("mean one-vs-rest AUC %v, roc_auc_ovr %v", mean, want)
	}
	if imp := res.Importances; imp == nil || imp.Kind != "mean |coef_| over classes" || len(imp.Features) != 4 || imp.Features[0] == "x0" {
		t.Errorf("importances %+v", imp)
	}

	// A forest's feature_importances_, named through PolynomialFeatures.
	res, err = runSpec(t, dir, `{"name": "rf", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
		"preprocess": [{"type": "PolynomialFeatures", "degree": 2}],
		"model": {"class": "RandomForestClassifier", "params": {"n_estimators": 10, "random_state": 0}}, "output": "`+filepath.ToSlash(filepath.Join(dir, "m3"))+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	imp = res.Importances
	if imp == nil || imp.Kind != "feature_importances_" || imp.NFeatures != 15 || len(imp.Features) != 15 {
		t.Fatalf("forest importances %+v", imp)
	}
	sum := 0.0
	for _, v := range imp.Values {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("importances sum to %v, want 1", sum)
	}
	if !strings.Contains(strings.Join(imp.Features, ","), "^2") {
		t.Errorf("feature names %v lack PolynomialFeatures'", imp.Features)
	}
	if res.TestCurves == nil || len(res.TestCurves.Classes) != 3 {
		t.Errorf("forest curves %+v", res.TestCurves)
	}

	// Without predict_proba, decision_function: one column for two classes.
	res, err = runSpec(t, dir, `{"name": "ridgeclf", "data": {"train": "builtin:breast_cancer", "split": {"test_size": 0.25, "seed": 7}},
		"preprocess": [{"type": "StandardScaler"}], "model": {"class": "RidgeClassifier"}, "output": "`+filepath.ToSlash(filepath.Join(dir, "m5"))+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	if tc := res.TestCurves; tc == nil || tc.Score != "decision_function" || len(tc.Classes) != 1 {
		t.Fatalf("RidgeClassifier curves %+v", tc)
	}
	checkCurve(t, res.TestCurves.Classes[0])
	if imp := res.Importances; imp == nil || imp.Kind != "|coef_|" {
		t.Errorf("RidgeClassifier importances %+v", imp)
	}

	// A regressor records no curves.
	res, err = runSpec(t, dir, `{"name": "ridge", "data": {"train": "builtin:diabetes"}, "model": {"class": "Ridge"}, "output": "`+filepath.ToSlash(filepath.Join(dir, "m4"))+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	if res.TestCurves != nil || res.Importances == nil || res.Importances.NFeatures != 10 {
		t.Errorf("ridge: curves %+v importances %+v", res.TestCurves, res.Importances)
	}
}

func checkCurve(t *testing.T, c ClassCurve) {
	t.Helper()
	n := len(c.FPR)
	if n < 2 || n > maxCurvePoints || len(c.TPR) != n || c.FPR[0] != 0 || c.TPR[0] != 0 || c.FPR[n-1] != 1 || c.TPR[n-1] != 1 {
		t.Errorf("%s: roc %v %v", c.Label, c.FPR, c.TPR)
	}
	m := len(c.Recall)
	if m < 2 || m > maxCurvePoints || len(c.Precision) != m || c.Recall[0] != 1 || c.Recall[m-1] != 0 || c.Precision[m-1] != 1 {
		t.Errorf("%s: pr %v %v", c.Label, c.Precision, c.Recall)
	}
	if c.AveragePrecision <= 0 || c.AveragePrecision > 1 || c.RocAuc <= 0.5 || c.RocAuc > 1 {
		t.Errorf("%s: auc %v ap %v", c.Label, c.RocAuc, c.AveragePrecision)
	}
}

// TestTestCurvesBounds checks the bounds: thinning to maxCurvePoints,
// no curves for too many classes or a shape that fits no class, and
// a class absent from the test rows skipped.
func TestTestCurvesBounds(t *testing.T) {
	n := 5000
	y := make([]float64, n)
	s := mat.NewDense(n, 1, nil)
	for i := range y {
		y[i] = float64(i % 2)
		s.Set(i, 0, float64(i%97)/97+0.3*y[i]+float64(i)*1e-7) // distinct scores
	}
	tc := testCurves(y, s, []float64{0, 1}, nil, "decision_function")
	if tc == nil || len(tc.Classes) != 1 || tc.Classes[0].Label != "1" {
		t.Fatalf("curves %+v", tc)
	}
	c := tc.Classes[0]
	if len(c.Precision) != maxCurvePoints || len(c.FPR) > maxCurvePoints {
		t.Errorf("%d pr points, %d roc points: want thinned to %d", len(c.Precision), len(c.FPR), maxCurvePoints)
	}
	checkCurve(t, c)

	many := make([]float64, maxCurveClasses+1)
	for i := range many {
		many[i] = float64(i)
	}
	if tc := testCurves(y, mat.NewDense(n, len(many), nil), many, nil, "predict_proba"); tc != nil {
		t.Errorf("%d classes recorded curves", len(many))
	}
	if tc := testCurves(y, mat.NewDense(n, 3, nil), []float64{0, 1}, nil, "predict_proba"); tc != nil {
		t.Errorf("3 columns for 2 classes recorded curves")
	}
	p := mat.NewDense(n, 3, nil)
	for i := range n {
		p.Set(i, int(y[i]), 1)
	}
	tc = testCurves(y, p, []float64{0, 1, 2}, []string{"a", "b", "c"}, "predict_proba")
	if tc == nil || len(tc.Classes) != 2 || tc.Classes[0].Label != "a" || tc.Classes[1].Label != "b" {
		t.Errorf("class c is absent from y: curves %+v", tc)
	}
}

// TestPlotDataNetwork checks that a network classifier records its test
// curves (from its softmax) and no importances.
func TestPlotDataNetwork(t *testing.T) {
	dir := t.TempDir()
	res, err := runSpec(t, dir, `{"name": "iris-net", "seed": 2, "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
	  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "ReLU"},
	                       {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "optimizer": {"type": "Adam", "lr": 0.01}, "epochs": 20, "batch_size": 16, "metrics": ["accuracy", "roc_auc_ovr"],
	  "output": "`+filepath.ToSlash(filepath.Join(dir, "net"))+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	tc := res.TestCurves
	if tc == nil || len(tc.Classes) != 3 || tc.Score != "predict_proba" {
		t.Fatalf("network curves %+v", tc)
	}
	mean := 0.0
	for _, c := range tc.Classes {
		mean += c.RocAuc / 3
	}
	if want := res.Metrics["test"]["roc_auc_ovr"]; math.Abs(mean-want) > 1e-12 {
		t.Errorf("mean one-vs-rest AUC %v, roc_auc_ovr %v", mean, want)
	}
	if res.Importances != nil {
		t.Errorf("a network recorded importances %+v", res.Importances)
	}
}

// TestCurveRows checks the sampling of large test data: all rows up to
// maxCurveScores scores, every stride-th beyond.
func TestCurveRows(t *testing.T) {
	X := mat.NewDense(11, 2, nil)
	y := make([]float64, 11)
	for i := range y {
		X.Set(i, 0, float64(i))
		y[i] = float64(i)
	}
	if Xs, ys, stride := curveRows(X, y, 3); Xs != X || len(ys) != 11 || stride != 0 {
		t.Errorf("small data sampled: stride %d", stride)
	}
	k := maxCurveScores/10 + 1 // 11 rows × k classes: just over the bound
	Xs, ys, stride := curveRows(X, y, k)
	if stride != 2 || len(ys) != 6 || Xs.At(5, 0) != 10 || ys[5] != 10 || ys[1] != 2 {
		t.Errorf("stride %d, rows %v", stride, ys)
	}
}
