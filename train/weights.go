package train

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/spec"
)

// checkWeightsColumn is train.Check's part for data.sample_weight: when the
// columns are known, the column must be one of them and not the target.
func (p *Plan) checkWeightsColumn(c *problems, cols []string) {
	s := p.spec
	col := s.Data.SampleWeight
	if col == "" || cols == nil {
		return
	}
	target := s.Data.Target
	if target == "" && !s.IsUnsupervised() { // an unsupervised table's last column is a feature
		target = cols[len(cols)-1]
	}
	switch {
	case target != "" && col == target:
		c.add("data.sample_weight", fmt.Sprintf("%q is the target; the weights must be another column", col))
	case !slices.Contains(cols, col):
		c.add("data.sample_weight", fmt.Sprintf("no column %q in %s%s; columns: %s", col, s.Data.Train.String(), suggest.Hint(col, cols), strings.Join(cols, ", ")))
	}
}

// takeWeights removes the data.sample_weight column from the training (and
// test) frame and returns the training rows' weights, each finite and
// ≥ 0, not all 0; without the key it returns the frames as they are.
func (p *Plan) takeWeights(trainF, testF *data.Frame) (*data.Frame, *data.Frame, []float64, error) {
	col := p.spec.Data.SampleWeight
	if col == "" {
		return trainF, testF, nil, nil
	}
	const path = "data.sample_weight"
	j := slices.Index(trainF.Features, col)
	if j < 0 {
		return nil, nil, nil, spec.Errors{{Path: path, Msg: fmt.Sprintf("no feature column %q in %s; columns: %s", col, trainF.Source, strings.Join(trainF.Features, ", "))}}
	}
	if _, ok := trainF.Text[col]; ok {
		return nil, nil, nil, &data.Error{File: trainF.Source, Column: col, Msg: "the sample weights must be numbers, not text"}
	}
	n, _ := trainF.X.Dims()
	w := make([]float64, n)
	total := 0.0
	for i := range w {
		v := trainF.X.At(i, j)
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			// The file's line when it is known, else the training row.
			if l := trainF.Line(i); l > 0 {
				return nil, nil, nil, &data.Error{File: trainF.Source, Line: l, Column: col, Msg: fmt.Sprintf("sample weight %v; weights must be finite and ≥ 0", v)}
			}
			return nil, nil, nil, &data.Error{File: trainF.Source, Column: col, Msg: fmt.Sprintf("training row %d has sample weight %v; weights must be finite and ≥ 0", i, v)}
		}
		w[i] = v
		total += v
	}
	if n > 0 && total == 0 {
		return nil, nil, nil, &data.Error{File: trainF.Source, Column: col, Msg: "every training row has sample weight 0; at least one must be positive"}
	}
	trainF = dropColumn(trainF, j)
	if testF != nil {
		if k := slices.Index(testF.Features, col); k >= 0 {
			testF = dropColumn(testF, k)
		}
	}
	return trainF, testF, w, nil
}

// rowsOf returns w's values at rows idx, nil when w is nil (no weights).
func rowsOf(w []float64, idx []int) []float64 {
	if w == nil {
		return nil
	}
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = w[j]
	}
	return out
}

// missingExempt returns the columns the missing-value check skips: the
// encoded text columns, and data.sample_weight's, whose NaN takeWeights
// refuses as a weight.
func missingExempt(s *spec.Spec, features []string) []string {
	out := encodedColumns(s, features)
	if c := s.Data.SampleWeight; c != "" {
		out = append(out, c)
	}
	return out
}
