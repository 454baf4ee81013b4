package ml

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// DecisionClasses returns the class each row of a linear classifier's
// decision values d predicts: with one column (two classes), classes[1]
// where the value is positive and classes[0] otherwise; with one column per
// class, the class of the largest value (the first on a tie).
func DecisionClasses(d *mat.Dense, classes []float64) []float64 {
	n, k := d.Dims()
	out := make([]float64, n)
	for i := range n {
		row := d.RawRowView(i)
		if k == 1 {
			out[i] = classes[0]
			if row[0] > 0 {
				out[i] = classes[1]
			}
			continue
		}
		b := 0
		for j, x := range row {
			if x > row[b] {
				b = j
			}
		}
		out[i] = classes[b]
	}
	return out
}

// LinearClassifierState reads the "classes", "coef" and "intercept" arrays
// of a linear classifier's state: at least 2 sorted classes, coef of shape
// (k, p) with p ≥ 1 and k intercepts, where k is 1 for two classes and the
// number of classes otherwise. It returns the arrays as stored (not copied)
// and p; errors start with name. Checking the values is left to the caller.
func LinearClassifierState(name string, s *State) (classes, coef []float64, p int, intercept []float64, err error) {
	if s == nil {
		return nil, nil, 0, nil, fmt.Errorf("%s: state: nil", name)
	}
	classes, _, err = s.Floats("classes", -1)
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(classes) < 2 || !slices.IsSorted(classes) {
		return nil, nil, 0, nil, fmt.Errorf("%s: state: classes %v, expected at least 2 sorted values", name, classes)
	}
	k := len(classes)
	if k == 2 {
		k = 1
	}
	coef, shape, err := s.Floats("coef", k, -1)
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("%s: %w", name, err)
	}
	if shape[1] < 1 {
		return nil, nil, 0, nil, fmt.Errorf("%s: state: coef has shape %v, expected (%d, n_features)", name, shape, k)
	}
	intercept, _, err = s.Floats("intercept", k)
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("%s: %w", name, err)
	}
	return classes, coef, shape[1], intercept, nil
}

// LinearDecision returns a linear model's decision values X·coefᵀ +
// intercept (one column per row of coef), after checking that X has coef's
// number of columns.
func LinearDecision(X, coef *mat.Dense, intercept []float64) (*mat.Dense, error) {
	k, p := coef.Dims()
	if err := CheckX(X, p); err != nil {
		return nil, err
	}
	n, _ := X.Dims()
	out := mat.NewDense(n, k, nil)
	out.Mul(X, coef.T())
	for i := range n {
		row := out.RawRowView(i)
		for c := range row {
			row[c] += intercept[c]
		}
	}
	return out, nil
}
