package metrics

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/testutil"
	"github.com/mlforge/mlforge/ml"
)

// Tolerances. Counting metrics (accuracy, precision, recall, F1, confusion
// matrix, ROC AUC) are ratios of integers computed with the same few
// operations as scikit-learn. Log loss, MSE, MAE and R² sum n rounded terms
// in numpy's pairwise order. On the committed fixtures every value agrees
// with scikit-learn bit for bit except ROC AUC (one ulp: scikit-learn
// integrates normalised rates, this package divides an exact integer count
// once). The tests allow 1e-12 relative, which still leaves room for
// last-bit differences of log and of numpy's SIMD loops on other data.
const rtolExact = 1e-12

type prfFixture struct {
	Labels    []float64 `json:"labels"`
	Precision []float64 `json:"precision"`
	Recall    []float64 `json:"recall"`
	F1        []float64 `json:"f1"`
	Support   []float64 `json:"support"`
}

type classCase struct {
	Name                   string               `json:"name"`
	YTrue                  []float64            `json:"y_true"`
	YPred                  []float64            `json:"y_pred"`
	Classes                []float64            `json:"classes"`
	Proba                  [][]float64          `json:"proba"`
	Proba1Col              bool                 `json:"proba_1col"`
	PerClass               prfFixture           `json:"per_class"`
	PerClassClasses        prfFixture           `json:"per_class_classes"`
	Averages               map[string][]float64 `json:"averages"`
	ConfusionMatrix        [][]float64          `json:"confusion_matrix"`
	ConfusionMatrixClasses [][]float64          `json:"confusion_matrix_classes"`
	LogLoss                float64              `json:"log_loss"`
	RocAuc                 float64              `json:"roc_auc"`
	RocAucWeighted         float64              `json:"roc_auc_weighted"`
	Named                  map[string]float64   `json:"named"`
}

type regCase struct {
	Name  string    `json:"name"`
	YTrue []float64 `json:"y_true"`
	YPred []float64 `json:"y_pred"`
	MSE   float64   `json:"mse"`
	RMSE  float64   `json:"rmse"`
	MAE   float64   `json:"mae"`
	R2    float64   `json:"r2"`
}

func loadClassCases(t *testing.T) []classCase {
	var f struct{ Cases []classCase }
	testutil.ReadJSON(t, "testdata/classification.json", &f)
	if len(f.Cases) == 0 {
		t.Fatal("no cases in testdata/classification.json")
	}
	return f.Cases
}

func loadRegCases(t *testing.T) []regCase {
	var f struct{ Cases []regCase }
	testutil.ReadJSON(t, "testdata/regression.json", &f)
	if len(f.Cases) == 0 {
		t.Fatal("no cases in testdata/regression.json")
	}
	return f.Cases
}

func close1(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > rtolExact*math.Abs(want) {
		t.Errorf("%s = %.17g, want %.17g (sklearn, rtol %g)", what, got, want, rtolExact)
	}
}

func intsToFloats(s []int) []float64 {
	f := make([]float64, len(s))
	for i, v := range s {
		f[i] = float64(v)
	}
	return f
}

func TestClassificationParity(t *testing.T) {
	for _, c := range loadClassCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			acc, err := AccuracyScore(c.YTrue, c.YPred)
			if err != nil {
				t.Fatal(err)
			}
			close1(t, "accuracy", acc, c.Named["accuracy"])
			bal, err := BalancedAccuracyScore(c.YTrue, c.YPred)
			if err != nil {
				t.Fatal(err)
			}
			close1(t, "balanced_accuracy", bal, c.Named["balanced_accuracy"])

			for _, lab := range []struct {
				labels []float64
				want   prfFixture
			}{{nil, c.PerClass}, {c.Classes, c.PerClassClasses}} {
				p, r, f, s, err := PrecisionRecallFSupport(c.YTrue, c.YPred, lab.labels)
				if err != nil {
					t.Fatal(err)
				}
				testutil.AllClose(t, "precision", p, lab.want.Precision, rtolExact, 0)
				testutil.AllClose(t, "recall", r, lab.want.Recall, rtolExact, 0)
				testutil.AllClose(t, "f1", f, lab.want.F1, rtolExact, 0)
				testutil.AllClose(t, "support", intsToFloats(s), lab.want.Support, 0, 0)
			}
			for key, want := range c.Averages {
				avg, classes := key, []float64(nil)
				if a, ok := strings.CutSuffix(key, "_classes"); ok {
					avg, classes = a, c.Classes
				}
				if avg == Binary {
					classes = c.Classes
				}
				p, r, f, err := PrecisionRecallF1(c.YTrue, c.YPred, classes, avg)
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				testutil.AllClose(t, key, []float64{p, r, f}, want, rtolExact, 0)
			}

			for _, cm := range []struct {
				labels []float64
				want   [][]float64
			}{{nil, c.ConfusionMatrix}, {c.Classes, c.ConfusionMatrixClasses}} {
				got, err := ConfusionMatrix(c.YTrue, c.YPred, cm.labels)
				if err != nil {
					t.Fatal(err)
				}
				if !mat.Equal(got, testutil.Dense(cm.want)) {
					t.Errorf("confusion matrix (labels %v):\n%v\nwant %v", cm.labels, mat.Formatted(got), cm.want)
				}
			}

			P := testutil.Dense(c.Proba)
			ll, err := LogLoss(c.YTrue, P, c.Classes)
			if err != nil {
				t.Fatal(err)
			}
			close1(t, "log_loss", ll, c.LogLoss)
			for avg, want := range map[string]float64{Macro: c.RocAuc, Weighted: c.RocAucWeighted} {
				auc, err := RocAucScore(c.YTrue, P, c.Classes, avg)
				if err != nil {
					t.Fatal(err)
				}
				close1(t, "roc_auc "+avg, auc, want)
			}
			if len(c.Classes) == 2 {
				_, k := P.Dims()
				auc, err := BinaryRocAucScore(c.YTrue, mat.Col(nil, k-1, P), c.Classes[1])
				if err != nil {
					t.Fatal(err)
				}
				close1(t, "BinaryRocAucScore", auc, c.RocAuc)
			}

			in := Input{YTrue: c.YTrue, YPred: c.YPred, Proba: P, Classes: c.Classes}
			for name, want := range c.Named {
				got, err := Score(name, in)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				close1(t, name, got, want)
			}
		})
	}
}

func TestRegressionParity(t *testing.T) {
	for _, c := range loadRegCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			for _, m := range []struct {
				name string
				f    func(a, b []float64) (float64, error)
				want float64
			}{
				{"mean_squared_error", MeanSquaredError, c.MSE},
				{"root_mean_squared_error", RootMeanSquaredError, c.RMSE},
				{"mean_absolute_error", MeanAbsoluteError, c.MAE},
				{"r2", R2Score, c.R2},
			} {
				got, err := m.f(c.YTrue, c.YPred)
				if err != nil {
					t.Fatalf("%s: %v", m.name, err)
				}
				close1(t, m.name, got, m.want)
				named, err := Score(m.name, Input{YTrue: c.YTrue, YPred: c.YPred})
				if err != nil || named != got {
					t.Errorf("Score(%q) = %v, %v; want %v", m.name, named, err, got)
				}
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	want := []string{"accuracy", "balanced_accuracy", "precision", "recall", "f1",
		"precision_macro", "recall_macro", "f1_macro", "precision_weighted", "recall_weighted", "f1_weighted",
		"log_loss", "roc_auc", "roc_auc_ovr", "roc_auc_ovr_weighted",
		"mean_squared_error", "mse", "root_mean_squared_error", "rmse", "mean_absolute_error", "mae", "r2"}
	for _, n := range want {
		m, err := Lookup(n)
		if err != nil {
			t.Errorf("Lookup(%q): %v", n, err)
			continue
		}
		if m.Name != n || m.Doc == "" || m.Score == nil || (m.Task != ml.Classification && m.Task != ml.Regression) {
			t.Errorf("metric %q is incomplete: %+v", n, m)
		}
	}
	if len(Names())-len(clusterNames) != len(want) { // clusterNames: cluster_test.go
		t.Errorf("Names() = %v, want the %d names %v", Names(), len(want), want)
	}
	for n, wantBetter := range map[string]bool{"log_loss": false, "mse": false, "rmse": false, "mae": false, "r2": true, "accuracy": true, "roc_auc": true} {
		if m, _ := Lookup(n); m.GreaterIsBetter != wantBetter {
			t.Errorf("%s: GreaterIsBetter = %v", n, m.GreaterIsBetter)
		}
	}
	for _, n := range []string{"log_loss", "roc_auc", "roc_auc_ovr", "roc_auc_ovr_weighted"} {
		if m, _ := Lookup(n); !m.NeedsProba {
			t.Errorf("%s: NeedsProba is false", n)
		}
	}
	_, err := Lookup("f1_marco")
	if err == nil || !strings.Contains(err.Error(), `"f1_macro"`) {
		t.Errorf("Lookup(f1_marco) error %v does not suggest f1_macro", err)
	}
}

// wantErr fails unless err is a bad-input error whose message holds sub.
func wantErr(t *testing.T, what string, err error, sub string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one containing %q", what, sub)
		return
	}
	if !strings.Contains(err.Error(), sub) {
		t.Errorf("%s: error %q does not contain %q", what, err, sub)
	}
	var pe *ml.ParamError
	if !ml.IsBadInput(err) && !errors.As(err, &pe) {
		t.Errorf("%s: error %q is not marked as bad input", what, err)
	}
}

func TestErrors(t *testing.T) {
	y := []float64{0, 1, 1, 0}
	P := mat.NewDense(4, 2, []float64{.9, .1, .2, .8, .3, .7, .6, .4})
	_, err := AccuracyScore(y, y[:3])
	wantErr(t, "length mismatch", err, "y_true has 4 values but y_pred has 3")
	_, err = AccuracyScore(nil, nil)
	wantErr(t, "empty", err, "empty")
	_, err = MeanSquaredError([]float64{1, math.NaN()}, []float64{1, 2})
	wantErr(t, "NaN y_true", err, "y_true[1] is NaN")
	_, err = MeanAbsoluteError([]float64{1, 2}, []float64{1, math.Inf(1)})
	wantErr(t, "Inf y_pred", err, "y_pred[1] is +Inf")
	_, err = R2Score([]float64{1}, []float64{1})
	wantErr(t, "r2 one sample", err, "at least two samples")
	_, err = ConfusionMatrix(y, y, []float64{5, 6})
	wantErr(t, "confusion labels absent", err, "none of the labels")
	_, _, _, _, err = PrecisionRecallFSupport(y, y, []float64{1, 1})
	wantErr(t, "duplicate labels", err, "twice")

	_, err = BinaryRocAucScore([]float64{1, 1, 1}, []float64{.1, .2, .3}, 1)
	wantErr(t, "roc single class", err, "only one class present in y_true")
	_, err = RocAucScore([]float64{1, 1, 1, 1}, P, []float64{0, 1}, Macro)
	wantErr(t, "roc single class classes", err, "only one class present in y_true")
	_, err = RocAucScore(y, P, []float64{0, 2}, Macro)
	wantErr(t, "roc label outside classes", err, "not one of the classes")
	P3 := mat.NewDense(4, 3, []float64{.5, .5, .5, .2, .3, .5, .1, .1, .8, .3, .3, .4})
	_, err = RocAucScore([]float64{0, 1, 2, 0}, P3, nil, Macro)
	wantErr(t, "roc rows not probabilities", err, "sum up to 1.0")
	_, err = RocAucScore([]float64{0, 1, 2, 0}, P, nil, Macro)
	wantErr(t, "roc columns", err, "columns")
	_, err = RocAucScore([]float64{0, 1, 2, 0}, P3, nil, "micro")
	wantErr(t, "roc average", err, "average")

	_, err = LogLoss([]float64{1, 1, 1, 1}, P, nil)
	wantErr(t, "log_loss one label", err, "only the label 1")
	_, err = LogLoss(y, P, []float64{0, 1, 2})
	wantErr(t, "log_loss columns", err, "expected one column per class")
	_, err = LogLoss([]float64{0, 1, 3, 0}, P, []float64{0, 1})
	wantErr(t, "log_loss unknown label", err, "y_true[2] is 3")
	_, err = LogLoss(y, P, []float64{1, 0})
	wantErr(t, "log_loss unsorted classes", err, "sorted ascending")
	_, err = LogLoss(y, P.Slice(0, 3, 0, 2).(*mat.Dense), nil)
	wantErr(t, "log_loss rows", err, "y_true has 4 values but y_score has 3 rows")
	bad := mat.DenseCopyOf(P)
	bad.Set(2, 1, math.NaN())
	_, err = LogLoss(y, bad, nil)
	wantErr(t, "log_loss NaN", err, "y_score[2, 1] is NaN")

	yp3 := []float64{0, 1, 2, 0}
	_, _, _, err = PrecisionRecallF1(yp3, y, nil, Binary)
	wantErr(t, "binary on multiclass", err, "target is multiclass")
	_, _, _, err = PrecisionRecallF1(y, y, []float64{0, 1, 2}, Binary)
	wantErr(t, "binary with 3 classes", err, "target is multiclass")
	_, _, _, err = PrecisionRecallF1(y, yp3, []float64{0, 1}, Binary)
	wantErr(t, "binary with value outside classes", err, "not one of the classes")
	_, _, _, err = PrecisionRecallF1(y, y, nil, "samples")
	wantErr(t, "bad average", err, "average")
	_, err = Score("f1", Input{YTrue: yp3, YPred: yp3, Classes: []float64{0, 1, 2}})
	wantErr(t, "registered f1 on multiclass", err, "use f1_macro or f1_weighted")
	_, err = Score("roc_auc", Input{YTrue: yp3, YPred: yp3, Proba: P3, Classes: []float64{0, 1, 2}})
	wantErr(t, "registered roc_auc on multiclass", err, "use roc_auc_ovr")
	_, err = Score("log_loss", Input{YTrue: y, YPred: y, Classes: []float64{0, 1}})
	wantErr(t, "log_loss without proba", err, "predict_proba")
	if _, err = Score("nope", Input{}); err == nil {
		t.Error("Score of an unknown metric: no error")
	}
}

// TestRocAucTiesExact checks a case small enough to count by hand: positives
// scored {0.5, 0.8}, negatives {0.2, 0.5}: pairs won 3, tied 1, of 4, so
// the AUC is (3 + 0.5)/4.
func TestRocAucTiesExact(t *testing.T) {
	auc, err := BinaryRocAucScore([]float64{1, 0, 1, 0}, []float64{0.5, 0.5, 0.8, 0.2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if auc != 0.875 {
		t.Errorf("AUC = %v, want 0.875", auc)
	}
}

// TestPairwiseSum checks pairwiseBlocks against pairwiseSum (they must make
// the same additions in the same order) and against a compensated sum, and
// allFinite against math.IsNaN and math.IsInf.
func TestPairwiseSum(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 127, 128, 129, 1000, 4097} {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(float64(i)) * 1e3
		}
		a := pairwiseSum(x)
		b := pairwiseBlocks(0, n, func(lo int, dst []float64) { copy(dst, x[lo:]) })
		if a != b {
			t.Errorf("n=%d: pairwiseSum %v != pairwiseBlocks %v", n, a, b)
		}
		var s, c float64 // Kahan
		for _, v := range x {
			y := v - c
			t := s + y
			c = (t - s) - y
			s = t
		}
		if math.Abs(a-s) > 1e-9 {
			t.Errorf("n=%d: pairwiseSum %v, Kahan %v", n, a, s)
		}
		if !allFinite(x) {
			t.Errorf("n=%d: allFinite is false on finite values", n)
		}
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			for _, at := range []int{0, n / 2, n - 1} {
				if n == 0 {
					continue
				}
				y := append([]float64(nil), x...)
				y[at] = bad
				if allFinite(y) {
					t.Errorf("n=%d: allFinite is true with %v at %d", n, bad, at)
				}
			}
		}
	}
}

// TestSortFloats checks the radix sort against slices.Sort on values of both
// signs, zeros of both signs, infinities, subnormals and many ties.
func TestSortFloats(t *testing.T) {
	for _, n := range []int{0, 1, 5, 511, 512, 3000} {
		x := make([]float64, n)
		for i := range x {
			switch i % 7 {
			case 0:
				x[i] = math.Copysign(0, -1)
			case 1:
				x[i] = float64(i%13) / 4
			case 2:
				x[i] = -math.Exp(float64(i % 50))
			case 3:
				x[i] = math.Inf(1 - 2*(i%2))
			case 4:
				x[i] = 5e-324 * float64(i%3)
			default:
				x[i] = math.Sin(float64(i)) * 1e3
			}
		}
		want := append([]float64(nil), x...)
		slices.Sort(want)
		sortFloats(x)
		for i := range x {
			if x[i] != want[i] || math.Signbit(x[i]) && x[i] == 0 {
				t.Fatalf("n=%d: sorted[%d] = %v, want %v", n, i, x[i], want[i])
			}
		}
	}
}
