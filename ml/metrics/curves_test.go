package metrics

import (
	"math"
	"testing"

	"github.com/mlforge/mlforge/internal/testutil"
)

// curveCase is one case of testdata/curves.json (gen_curves.py,
// scikit-learn 1.2.1); null stands for NaN.
type curveCase struct {
	Name             string     `json:"name"`
	YTrue            []float64  `json:"y_true"`
	Score            []float64  `json:"score"`
	PosLabel         float64    `json:"pos_label"`
	FPR              []*float64 `json:"fpr"`
	TPR              []*float64 `json:"tpr"`
	Thresholds       []*float64 `json:"thresholds"`
	Precision        []*float64 `json:"precision"`
	Recall           []*float64 `json:"recall"`
	PRThresholds     []*float64 `json:"pr_thresholds"`
	AveragePrecision float64    `json:"average_precision"`
}

// TestCurvesParity checks RocCurve, PrecisionRecallCurve and
// AveragePrecisionScore against scikit-learn's. The curves are counts
// divided once, as scikit-learn's are: same lengths, values within
// rtolExact (in practice identical); average precision is a pairwise sum
// of the same terms, within rtolExact too.
func TestCurvesParity(t *testing.T) {
	var f struct{ Cases []curveCase }
	testutil.ReadJSON(t, "testdata/curves.json", &f)
	if len(f.Cases) < 10 {
		t.Fatalf("%d cases in testdata/curves.json", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			fpr, tpr, thr, err := RocCurve(c.YTrue, c.Score, c.PosLabel)
			if err != nil {
				t.Fatal(err)
			}
			sameCurve(t, "fpr", fpr, c.FPR)
			sameCurve(t, "tpr", tpr, c.TPR)
			sameCurve(t, "thresholds", thr, c.Thresholds)
			p, r, pthr, err := PrecisionRecallCurve(c.YTrue, c.Score, c.PosLabel)
			if err != nil {
				t.Fatal(err)
			}
			sameCurve(t, "precision", p, c.Precision)
			sameCurve(t, "recall", r, c.Recall)
			sameCurve(t, "pr thresholds", pthr, c.PRThresholds)
			ap, err := AveragePrecisionScore(c.YTrue, c.Score, c.PosLabel)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(ap-c.AveragePrecision) > rtolExact*math.Abs(c.AveragePrecision) {
				t.Errorf("average precision %.17g, want %.17g", ap, c.AveragePrecision)
			}
		})
	}
}

func sameCurve(t *testing.T, what string, got []float64, want []*float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d points, want %d (sklearn)", what, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if w == nil {
			if !math.IsNaN(g) {
				t.Errorf("%s[%d] = %v, want NaN", what, i, g)
			}
			continue
		}
		if math.Abs(g-*w) > rtolExact*math.Abs(*w) {
			t.Errorf("%s[%d] = %.17g, want %.17g", what, i, g, *w)
		}
	}
}

func TestCurvesErrors(t *testing.T) {
	for _, tc := range []struct {
		name         string
		yTrue, score []float64
		want         string
	}{
		{"empty", nil, nil, "empty"},
		{"lengths", []float64{0, 1}, []float64{0.5}, "same length"},
		{"nan", []float64{0, 1}, []float64{0.5, math.NaN()}, "y_pred[1]"},
	} {
		_, _, _, err := RocCurve(tc.yTrue, tc.score, 1)
		wantErr(t, tc.name+" roc", err, tc.want)
		_, _, _, err = PrecisionRecallCurve(tc.yTrue, tc.score, 1)
		wantErr(t, tc.name+" pr", err, tc.want)
		_, err = AveragePrecisionScore(tc.yTrue, tc.score, 1)
		wantErr(t, tc.name+" ap", err, tc.want)
	}
}
