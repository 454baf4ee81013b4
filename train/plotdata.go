package train

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
)

// What a run records for its plots beyond its metrics (package plots
// draws them): the ROC and precision-recall curves of a classifier on the
// test data, and the feature importances or coefficients of the final
// estimator. Both are small by construction: at most maxCurveClasses
// curves of at most maxCurvePoints points, and the maxImportances largest
// importances.

// Bounds of the recorded plot data.
const (
	maxCurveClasses = 20  // one-vs-rest curves; more classes record none
	maxCurvePoints  = 200 // points per curve; longer curves are thinned evenly
	maxImportances  = 20  // the largest importances recorded
	// maxCurveScores bounds the test scores (rows × classes) the curves
	// are computed from; larger test data is sampled (every stride-th row).
	maxCurveScores = 4 << 20
)

// TestCurves are the ROC and precision-recall curves of a classifier's
// scores on the test data: one for the positive class (the second) of a
// binary problem, one per class, one-vs-rest, otherwise. A class without
// a positive or a negative test sample has no curve.
type TestCurves struct {
	// Score says which scores: "predict_proba" or "decision_function".
	Score string `json:"score"`
	// NTest is the number of test rows scored: every Stride-th row when
	// the test data has more than maxCurveScores scores (rows × classes),
	// all of them otherwise (Stride 0).
	NTest   int          `json:"n_test"`
	Stride  int          `json:"stride,omitempty"`
	Classes []ClassCurve `json:"classes"`
}

// ClassCurve is the curves of one class against the rest, computed with
// metrics.RocCurve and metrics.PrecisionRecallCurve on every test row and
// then thinned to at most maxCurvePoints points (rounded to 1e-6) for
// drawing; RocAuc and AveragePrecision are computed from all the scores.
type ClassCurve struct {
	Label            string    `json:"label"`
	FPR              []float64 `json:"fpr"`
	TPR              []float64 `json:"tpr"`
	RocAuc           float64   `json:"roc_auc"`
	Precision        []float64 `json:"precision"`
	Recall           []float64 `json:"recall"`
	AveragePrecision float64   `json:"average_precision"`
}

// Importances are the final estimator's feature importances
// (feature_importances_ of trees, forests and boosting) or the absolute
// values of its coefficients (coef_ of linear models; the mean over the
// classes of a multiclass one), the largest first.
type Importances struct {
	// Kind names the values: "feature_importances_", "|coef_|" or
	// "mean |coef_| over classes".
	Kind string `json:"kind"`
	// NFeatures is the number of the estimator's input features.
	NFeatures int       `json:"n_features"`
	Features  []string  `json:"features"`
	Values    []float64 `json:"values"`
}

// curveRows returns the rows of X and y the curves are computed from: all
// of them, or every stride-th when there would be more than
// maxCurveScores scores of k classes.
func curveRows(X *mat.Dense, y []float64, k int) (*mat.Dense, []float64, int) {
	n, d := X.Dims()
	if n*k <= maxCurveScores {
		return X, y, 0
	}
	stride := (n*k + maxCurveScores - 1) / maxCurveScores
	m := (n + stride - 1) / stride
	Xs := mat.NewDense(m, d, nil)
	ys := make([]float64, m)
	for i := range m {
		Xs.SetRow(i, X.RawRowView(i*stride))
		ys[i] = y[i*stride]
	}
	return Xs, ys, stride
}

// classScores returns the final estimator's scores of X, one column per
// class (or the positive class's only, for a binary decision function):
// predict_proba where it has it and it works, decision_function otherwise,
// as scikit-learn's RocCurveDisplay.from_estimator chooses. ok is false
// when it has neither.
func classScores(p *ml.Pipeline, X *mat.Dense) (*mat.Dense, string, bool) {
	if _, has := p.Final.(ml.ProbaPredictor); has {
		if s, err := p.PredictProba(X); err == nil {
			return s, "predict_proba", true
		}
	}
	if _, has := p.Final.(ml.DecisionFunctioner); has {
		if s, err := p.DecisionFunction(X); err == nil {
			return s, "decision_function", true
		}
	}
	return nil, "", false
}

// testCurves computes the curves of scores (n × k per-class scores or
// n × 1 for the positive class of two) against the true values y, which
// hold values of classes, named by labels (nil: the values). It returns
// nil when there is nothing to draw: no rows, more than maxCurveClasses
// classes, scores of another shape, non-finite scores.
func testCurves(y []float64, scores *mat.Dense, classes []float64, labels []string, score string) *TestCurves {
	if scores == nil || len(y) == 0 || len(classes) < 2 || len(classes) > maxCurveClasses {
		return nil
	}
	r, c := scores.Dims()
	if r != len(y) {
		return nil
	}
	name := func(j int) string {
		if j < len(labels) {
			return labels[j]
		}
		return fmt.Sprint(classes[j])
	}
	type one struct {
		class int // index into classes
		col   int // column of scores
	}
	var which []one
	switch {
	case len(classes) == 2 && c == 1:
		which = []one{{1, 0}}
	case len(classes) == 2 && c == 2:
		which = []one{{1, 1}}
	case c == len(classes):
		for j := range classes {
			which = append(which, one{j, j})
		}
	default:
		return nil
	}
	out := &TestCurves{Score: score, NTest: len(y)}
	col := make([]float64, r)
	for _, w := range which {
		mat.Col(col, w.col, scores)
		pos := classes[w.class]
		np := 0
		for _, v := range y {
			if v == pos {
				np++
			}
		}
		if np == 0 || np == len(y) {
			continue // no curve for a class all or none of the test rows have
		}
		fpr, tpr, _, err := metrics.RocCurve(y, col, pos)
		if err != nil {
			return nil // non-finite scores
		}
		auc, err := metrics.BinaryRocAucScore(y, col, pos)
		if err != nil {
			return nil
		}
		prec, rec, _, err := metrics.PrecisionRecallCurve(y, col, pos)
		if err != nil {
			return nil
		}
		ap, err := metrics.AveragePrecisionScore(y, col, pos)
		if err != nil {
			return nil
		}
		fpr, tpr = thin(fpr, tpr)
		prec, rec = thin(prec, rec)
		out.Classes = append(out.Classes, ClassCurve{Label: name(w.class), FPR: fpr, TPR: tpr, RocAuc: auc,
			Precision: prec, Recall: rec, AveragePrecision: ap})
	}
	if len(out.Classes) == 0 {
		return nil
	}
	return out
}

// thin keeps at most maxCurvePoints of the points (x[i], y[i]), evenly
// spaced by index with the first and the last kept, rounded to 1e-6.
func thin(x, y []float64) ([]float64, []float64) {
	n := len(x)
	m := min(n, maxCurvePoints)
	ox, oy := make([]float64, m), make([]float64, m)
	for i := range m {
		j := i
		if m < n {
			j = int(math.Round(float64(i) * float64(n-1) / float64(m-1)))
		}
		ox[i], oy[i] = round6(x[j]), round6(y[j])
	}
	return ox, oy
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// featureNamer is a preprocessing step that names its output features
// (scikit-learn's get_feature_names_out).
type featureNamer interface {
	FeatureNames(in []string) []string
}

// coefMatrix and coefVector are the two shapes of coef_: a classifier's
// (classes × features, one row for two classes) and a regressor's.
type coefMatrix interface{ Coef() *mat.Dense }
type coefVector interface{ Coef() []float64 }

// importances reads the final estimator's feature importances or
// coefficients and names them after the features it was fitted on
// (stepNames; x0, x1, ... when they have no names). X is data of the
// pipeline's input (its first row is used). It returns nil when the
// estimator has neither or they are not finite.
func importances(p *ml.Pipeline, features []string, X *mat.Dense) *Importances {
	var vals []float64
	kind := ""
	switch f := p.Final.(type) {
	case interface{ FeatureImportances() []float64 }:
		vals, kind = f.FeatureImportances(), "feature_importances_"
	case coefMatrix:
		c := f.Coef()
		if c == nil {
			return nil
		}
		r, d := c.Dims()
		vals, kind = make([]float64, d), "|coef_|"
		if r > 1 {
			kind = "mean |coef_| over classes"
		}
		for j := range d {
			for i := range r {
				vals[j] += math.Abs(c.At(i, j))
			}
			vals[j] /= float64(r)
		}
	case coefVector:
		vals, kind = f.Coef(), "|coef_|"
		for j, v := range vals {
			vals[j] = math.Abs(v)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
	}
	names := stepNames(p, features, X)
	if len(names) != len(vals) {
		names = make([]string, len(vals))
		for j := range names {
			names[j] = fmt.Sprintf("x%d", j)
		}
	}
	order := make([]int, len(vals))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(vals[b], vals[a]) })
	order = order[:min(len(order), maxImportances)]
	out := &Importances{Kind: kind, NFeatures: len(vals)}
	for _, j := range order {
		out.Features = append(out.Features, names[j])
		out.Values = append(out.Values, vals[j])
	}
	return out
}

// stepNames passes the input feature names through the preprocessing
// steps: a step that names its outputs renames them, one that keeps the
// number of columns keeps them; the column counts come from transforming
// X's first row. It returns nil where the names are lost.
func stepNames(p *ml.Pipeline, features []string, X *mat.Dense) []string {
	if len(p.Steps) == 0 {
		return features
	}
	if X == nil {
		return nil
	}
	r, c := X.Dims()
	if r == 0 || c != len(features) {
		return nil
	}
	x := mat.DenseCopyOf(X.Slice(0, 1, 0, c))
	names := features
	for _, st := range p.Steps {
		out, err := st.Transform(x)
		if err != nil {
			return nil
		}
		_, oc := out.Dims()
		switch fn, ok := st.(featureNamer); {
		case ok:
			names = fn.FeatureNames(names)
		case oc != len(names):
			return nil
		}
		if len(names) != oc {
			return nil
		}
		x = out
	}
	return names
}
