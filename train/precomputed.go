package train

import (
	"encoding/json"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/spec"
)

// A model with kernel="precomputed" (the SVMs) or metric="precomputed"
// (the neighbours estimators) takes the kernel or distance matrix for X:
// in a spec, the feature columns of the table ARE that matrix, one column
// per training row (data.sample_weight's column aside), in row order. The
// training part must then be square, and the test rows' columns must be
// the training rows': a split of the table selects, for both parts, the
// columns of the training rows (scikit-learn's _safe_split for pairwise
// estimators). A data.test file is the kernel between its rows and the
// training file's rows, column for column. The model file's features are
// the training rows' columns, and predicting (CLI, API) takes the kernel
// between the new rows and the training rows under those names.
//
// Cross-validation, searches and curves fit on folds of the training part
// (a square matrix): a fold's training and test rows get the columns of its
// training rows too (foldParts). Preprocessing would change the matrix: it
// is refused with a precomputed model.

// precomputedClasses are the registered classes that take a precomputed
// matrix, with the parameter that says so.
var precomputedClasses = map[string]string{
	"SVC": "kernel", "NuSVC": "kernel", "SVR": "kernel", "NuSVR": "kernel", "OneClassSVM": "kernel",
	"KNeighborsClassifier": "metric", "KNeighborsRegressor": "metric",
	"RadiusNeighborsClassifier": "metric", "RadiusNeighborsRegressor": "metric",
	"DBSCAN": "metric", "AgglomerativeClustering": "metric",
}

// precomputedParam returns "model.params.kernel" or "model.params.metric"
// when the spec's model takes a precomputed matrix, else "".
func precomputedParam(s *spec.Spec) string {
	key, ok := precomputedClasses[s.Model.Class]
	if !ok || len(s.Model.Params) == 0 {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(s.Model.Params, &m) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(m[key], &v) != nil || v != "precomputed" {
		return ""
	}
	return "model.params." + key
}

// checkPrecomputed is Check's part for a precomputed model: no
// preprocessing.
func (p *Plan) checkPrecomputed(c *problems) {
	s := p.spec
	param := precomputedParam(s)
	if param == "" {
		return
	}
	if len(s.Preprocess) > 0 {
		c.add("preprocess", fmt.Sprintf(`%s is "precomputed": the feature columns are the kernel (or distance) matrix, which goes to the model as it is; remove the preprocessing steps`, param))
	}
}

// kernelColumns returns the positions of f's feature columns that make
// the matrix: all but data.sample_weight's.
func kernelColumns(s *spec.Spec, f *data.Frame) []int {
	var out []int
	for j, name := range f.Features {
		if name != s.Data.SampleWeight {
			out = append(out, j)
		}
	}
	return out
}

// checkSquare refuses a training table whose matrix is not square (or
// holds a text column), naming both shapes.
func checkSquare(s *spec.Spec, f *data.Frame, part string) error {
	param := precomputedParam(s)
	kc := kernelColumns(s, f)
	for _, j := range kc {
		if _, ok := f.Text[f.Features[j]]; ok {
			return &data.Error{File: f.Source, Column: f.Features[j], Msg: fmt.Sprintf(`%s is "precomputed": the feature columns are the matrix and must hold numbers, not text`, param)}
		}
	}
	if n := f.Len(); n != len(kc) {
		return spec.Errors{{Path: part, Msg: fmt.Sprintf(`%s is "precomputed": the feature columns must be the square matrix between the training rows, one column per row, but %s has %d rows and %d matrix columns (%d × %d)`,
			param, f.Source, n, len(kc), n, len(kc))}}
	}
	return nil
}

// precomputedSplit splits a square table as data.split says: the rows of
// each part, with the columns of the training rows (and the weights').
func precomputedSplit(s *spec.Spec, f *data.Frame, stratify bool) (*data.Frame, *data.Frame, error) {
	if err := checkSquare(s, f, "data.train"); err != nil {
		return nil, nil, err
	}
	tr, te, err := f.SplitRows(s.Data.Split.TestSize, s.Data.Split.Seed, stratify)
	if err != nil {
		return nil, nil, err
	}
	kc := kernelColumns(s, f)
	cols := make([]int, 0, len(f.Features)-len(kc)+len(tr))
	for _, r := range tr {
		cols = append(cols, kc[r])
	}
	for j := range f.Features {
		if !slices.Contains(kc, j) {
			cols = append(cols, j)
		}
	}
	return selectColumns(f.Rows(tr), cols), selectColumns(f.Rows(te), cols), nil
}

// selectColumns returns f with the feature columns cols, in that order.
// Its matrix is no larger than f's.
func selectColumns(f *data.Frame, cols []int) *data.Frame {
	out := *f
	r, _ := f.X.Dims()
	out.Features = make([]string, len(cols))
	for i, j := range cols {
		out.Features[i] = f.Features[j]
	}
	if r == 0 || len(cols) == 0 {
		out.X = &mat.Dense{}
		return &out
	}
	x := make([]float64, r*len(cols))
	for i := range r {
		row := f.X.RawRowView(i)
		for k, j := range cols {
			x[i*len(cols)+k] = row[j]
		}
	}
	out.X = mat.NewDense(r, len(cols), x)
	return &out
}

// pairwise reports whether e takes a precomputed matrix (scikit-learn's
// pairwise estimator tag): a class of precomputedClasses whose kernel or
// metric is "precomputed".
func pairwise(e ml.Estimator) bool {
	key, ok := precomputedClasses[ml.ClassName(e)]
	if !ok {
		return false
	}
	b, err := json.Marshal(e)
	if err != nil {
		return false
	}
	var m map[string]json.RawMessage
	var v string
	return json.Unmarshal(b, &m) == nil && json.Unmarshal(m[key], &v) == nil && v == "precomputed"
}

// foldParts returns rows train and test of f, as scikit-learn's
// _safe_split: for a pairwise estimator (f square, its columns its rows)
// both parts keep only the columns of the rows train.
func foldParts(f *data.Frame, train, test []int, pw bool) (*data.Frame, *data.Frame, error) {
	if !pw {
		return f.Rows(train), f.Rows(test), nil
	}
	if n := f.Len(); n != len(f.Features) {
		return nil, nil, &data.Error{File: f.Source, Msg: fmt.Sprintf("a precomputed matrix must be square to be split into folds, got %d × %d", n, len(f.Features))}
	}
	return selectColumns(f.Rows(train), train), selectColumns(f.Rows(test), train), nil
}
