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
// ≥ 0, not all 0, and, for a permutation_importance step, the test rows'
// when the test frame has the column (a split's always has; a data.test
// file may lack it: nil then); without
// the key it returns the frames as they are.
func (p *Plan) takeWeights(trainF, testF *data.Frame) (*data.Frame, *data.Frame, []float64, []float64, error) {
	col := p.spec.Data.SampleWeight
	if col == "" {
		return trainF, testF, nil, nil, nil
	}
	const path = "data.sample_weight"
	j := slices.Index(trainF.Features, col)
	if j < 0 {
		return nil, nil, nil, nil, spec.Errors{{Path: path, Msg: fmt.Sprintf("no feature column %q in %s; columns: %s", col, trainF.Source, strings.Join(trainF.Features, ", "))}}
	}
	w, err := weightsOf(trainF, j, "training")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	trainF = dropColumn(trainF, j)
	var wTest []float64
	if testF != nil {
		if k := slices.Index(testF.Features, col); k >= 0 {
			// Only permutation_importance scores with the test rows' weights:
			// they are read (and checked) for it alone.
			if testF.Len() > 0 && p.spec.PermutationImportance != nil {
				if wTest, err = weightsOf(testF, k, "test"); err != nil {
					return nil, nil, nil, nil, err
				}
			}
			testF = dropColumn(testF, k)
		}
	}
	return trainF, testF, w, wTest, nil
}

// weightsOf reads the sample weights in column j of f (part names the
// training or test rows in errors).
func weightsOf(f *data.Frame, j int, part string) ([]float64, error) {
	col := f.Features[j]
	if _, ok := f.Text[col]; ok {
		return nil, &data.Error{File: f.Source, Column: col, Msg: "the sample weights must be numbers, not text"}
	}
	n, _ := f.X.Dims()
	w := make([]float64, n)
	total := 0.0
	for i := range w {
		v := f.X.At(i, j)
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			// The file's line when it is known, else the row.
			if l := f.Line(i); l > 0 {
				return nil, &data.Error{File: f.Source, Line: l, Column: col, Msg: fmt.Sprintf("sample weight %v; weights must be finite and ≥ 0", v)}
			}
			return nil, &data.Error{File: f.Source, Column: col, Msg: fmt.Sprintf("%s row %d has sample weight %v; weights must be finite and ≥ 0", part, i, v)}
		}
		w[i] = v
		total += v
	}
	if n > 0 && total == 0 {
		return nil, &data.Error{File: f.Source, Column: col, Msg: fmt.Sprintf("every %s row has sample weight 0; at least one must be positive", part)}
	}
	return w, nil
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
