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
// is refused with a precomputed model. A search's grid (or a validation
// curve) may say "precomputed" for every candidate instead of the params;
// one that says it for some candidates only is refused (pcSource below).

// precomputedClasses are the registered classes that take a precomputed
// matrix, with the parameter that says so.
var precomputedClasses = map[string]string{
	"SVC": "kernel", "NuSVC": "kernel", "SVR": "kernel", "NuSVR": "kernel", "OneClassSVM": "kernel",
	"KNeighborsClassifier": "metric", "KNeighborsRegressor": "metric",
	"RadiusNeighborsClassifier": "metric", "RadiusNeighborsRegressor": "metric",
	"DBSCAN": "metric", "AgglomerativeClustering": "metric",
}

// A search (or a validation curve) can say "precomputed" alone: a grid
// {"kernel": ["precomputed"]} over an SVC whose params leave the kernel
// out. scikit-learn's _fit_and_score sets each candidate's parameters
// before _safe_split asks the candidate whether it is pairwise, so such a
// grid's candidates are fitted on the folds' training columns; here the
// spec is then precomputed as a whole (precomputedParam names the grid
// key): the split, the square check and the refusal of preprocessing are
// the ones of model.params.kernel "precomputed". A search whose candidates
// mix "precomputed" with other kernels (or metrics), in one grid, across
// grids, or against the params, is refused at Check (checkPrecomputed):
// the feature columns would be the matrix for some candidates and the
// features for the others, and one table cannot be both (scikit-learn runs
// such a search, giving the other candidates the matrix as features).

// pcSource is where some of a spec's candidates take their kernel (or
// metric) from: the params, or a value of a grid key; pre says whether it
// is "precomputed".
type pcSource struct {
	path string // the field, "model.params.kernel" or a grid key's
	grid bool   // a grid key's value, not the params
	pre  bool
}

// precomputedSources returns the parameter of the spec's model that can
// say "precomputed" ("kernel" or "metric"; "" for a class that takes no
// matrix) and where each candidate's value of it comes from: the params
// alone without a search or curve over it, else each grid's values of it
// (the params for a grid that leaves it out) or the curve's.
func precomputedSources(s *spec.Spec) (string, []pcSource) {
	key, ok := precomputedClasses[s.Model.Class]
	if !ok {
		return "", nil
	}
	isPre := func(raw json.RawMessage) bool {
		var v string
		return json.Unmarshal(raw, &v) == nil && v == "precomputed"
	}
	var m map[string]json.RawMessage
	base := len(s.Model.Params) > 0 && json.Unmarshal(s.Model.Params, &m) == nil && isPre(m[key])
	params := pcSource{path: "model.params." + key, pre: base}
	sets := func(k string) bool {
		step, name, msg := s.GridTarget(k)
		return msg == "" && step < 0 && name == key
	}
	var out []pcSource
	switch {
	case s.Search != nil:
		grids, gpath := s.Search.ParamGrid, "search.param_grid"
		if s.Search.Type == "RandomizedSearchCV" {
			grids, gpath = s.Search.ParamDistributions, "search.param_distributions"
		}
		for gi, g := range grids {
			p := gpath
			if len(grids) > 1 {
				p = fmt.Sprintf("%s[%d]", gpath, gi)
			}
			found := false
			for _, k := range sortedKeys(g) {
				if !sets(k) {
					continue
				}
				found = true
				if g[k].Dist != nil {
					out = append(out, pcSource{path: p + "." + k, grid: true})
				}
				for _, v := range g[k].List {
					out = append(out, pcSource{path: p + "." + k, grid: true, pre: isPre(v)})
				}
			}
			if !found {
				out = append(out, params)
			}
		}
	case s.ValidationCurve != nil && sets(s.ValidationCurve.ParamName):
		for _, v := range s.ValidationCurve.ParamRange {
			out = append(out, pcSource{path: "validation_curve.param_range", grid: true, pre: isPre(v)})
		}
	}
	if len(out) == 0 {
		out = append(out, params)
	}
	return key, out
}

// precomputedParam returns the field that makes the spec's model take a
// precomputed matrix: "model.params.kernel" or "model.params.metric" when
// the params say "precomputed" and no candidate says otherwise, or the
// grid key (or validation_curve.param_range) when every candidate takes
// "precomputed" from it; "" when the model takes no matrix, and when the
// candidates mix (checkPrecomputed refuses that).
func precomputedParam(s *spec.Spec) string {
	_, srcs := precomputedSources(s)
	if len(srcs) == 0 {
		return ""
	}
	for _, src := range srcs {
		if !src.pre {
			return ""
		}
	}
	for _, src := range srcs {
		if !src.grid {
			return src.path
		}
	}
	return srcs[0].path
}

// checkPrecomputed is Check's part for a precomputed model: no
// preprocessing, and no search (or curve) whose candidates mix
// "precomputed" with other kernels or metrics.
func (p *Plan) checkPrecomputed(c *problems) {
	s := p.spec
	key, srcs := precomputedSources(s)
	var pre, other *pcSource
	for i := range srcs {
		if srcs[i].pre && pre == nil {
			pre = &srcs[i]
		} else if !srcs[i].pre && other == nil {
			other = &srcs[i]
		}
	}
	if pre != nil && other != nil {
		from := other.path
		if !other.grid {
			from += " (set there or its default)"
		}
		at, msg := pre, fmt.Sprintf(`holds "precomputed", but other candidates take another %s from %s`, key, from)
		switch {
		case !pre.grid:
			at, msg = other, fmt.Sprintf(`sets another %s than %s "precomputed" for some candidates`, key, pre.path)
		case pre.path == other.path:
			msg = fmt.Sprintf(`mixes "precomputed" with other values of %s`, key)
		}
		c.add(at.path, msg+fmt.Sprintf(`: with %s "precomputed" the feature columns are the kernel (or distance) matrix between the training rows, with any other they are features, and one table cannot be both (the split and the folds take the training rows' columns for a precomputed candidate only); search the precomputed candidates in a spec of their own, where every candidate is "precomputed"`, key))
		return
	}
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
