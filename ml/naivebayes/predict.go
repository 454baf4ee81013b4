package naivebayes

import "gonum.org/v1/gonum/mat"

// jointModel is an estimator of the package that knows its joint
// log-likelihoods; the posteriors and the predictions follow from them the
// same way for each.
type jointModel interface {
	PredictJointLogProba(X *mat.Dense) (*mat.Dense, error)
}

// predictLogProba returns m's joint log-likelihoods of X normalised with
// log-sum-exp: log P(c | x), or P(c | x) with exp set.
func predictLogProba(m jointModel, X *mat.Dense, exp bool) (*mat.Dense, error) {
	J, err := m.PredictJointLogProba(X)
	if err != nil {
		return nil, err
	}
	normalizeLog(J, exp)
	return J, nil
}

// predictClasses returns, for each row of X, the class of classes with the
// highest joint log-likelihood under m (the first on ties).
func predictClasses(m jointModel, X *mat.Dense, classes []float64) ([]float64, error) {
	J, err := m.PredictJointLogProba(X)
	if err != nil {
		return nil, err
	}
	return argmaxClasses(J, classes), nil
}

// argmaxClasses returns, for each row of J, the class of the column with
// the largest value (the first on ties).
func argmaxClasses(J *mat.Dense, classes []float64) []float64 {
	n, _ := J.Dims()
	out := make([]float64, n)
	for i := range out {
		row := J.RawRowView(i)
		b := 0
		for c, v := range row {
			if v > row[b] {
				b = c
			}
		}
		out[i] = classes[b]
	}
	return out
}
