package metrics

import (
	"math"

	"github.com/mlforge/mlforge/ml"
)

// The weighted scores, as scikit-learn 1.2's with sample_weight: each is
// numpy's np.average(per-sample value, weights=w), Σ wᵢvᵢ / Σ wᵢ, both sums
// pairwise; R² weights its two sums of squares and the mean of y_true.
// The weights are those of ml.CheckSampleWeight (finite, ≥ 0, not all 0).

func checkWeights(w []float64, n int) error {
	if err := ml.CheckSampleWeight(w, n); err != nil {
		return err
	}
	return nil
}

// weightedAverage returns Σ wᵢ·v(i) / Σ wᵢ over n samples.
func weightedAverage(n int, w []float64, v func(i int) float64) float64 {
	num := pairwiseBlocks(0, n, func(lo int, dst []float64) {
		for d := range dst {
			dst[d] = v(lo+d) * w[lo+d]
		}
	})
	return num / pairwiseSum(w)
}

// WeightedAccuracyScore is accuracy_score(y_true, y_pred, sample_weight=w).
func WeightedAccuracyScore(yTrue, yPred, w []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	if err := checkWeights(w, len(yTrue)); err != nil {
		return 0, err
	}
	return weightedAverage(len(yTrue), w, func(i int) float64 {
		if yTrue[i] == yPred[i] {
			return 1
		}
		return 0
	}), nil
}

// WeightedMeanSquaredError is mean_squared_error(y_true, y_pred,
// sample_weight=w).
func WeightedMeanSquaredError(yTrue, yPred, w []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	if err := checkWeights(w, len(yTrue)); err != nil {
		return 0, err
	}
	return weightedAverage(len(yTrue), w, func(i int) float64 { d := yTrue[i] - yPred[i]; return d * d }), nil
}

// WeightedMeanAbsoluteError is mean_absolute_error(y_true, y_pred,
// sample_weight=w).
func WeightedMeanAbsoluteError(yTrue, yPred, w []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	if err := checkWeights(w, len(yTrue)); err != nil {
		return 0, err
	}
	return weightedAverage(len(yTrue), w, func(i int) float64 { return math.Abs(yPred[i] - yTrue[i]) }), nil
}

// WeightedR2Score is r2_score(y_true, y_pred, sample_weight=w):
// 1 - Σ wᵢ(yᵢ-ŷᵢ)² / Σ wᵢ(yᵢ-ȳ)², ȳ the weighted mean; a constant y_true
// scores as R2Score's.
func WeightedR2Score(yTrue, yPred, w []float64) (float64, error) {
	if err := checkPair(yTrue, yPred); err != nil {
		return 0, err
	}
	n := len(yTrue)
	if n < 2 {
		return 0, ml.DataErrorf("R² needs at least two samples, got %d", n)
	}
	if err := checkWeights(w, n); err != nil {
		return 0, err
	}
	ws := pairwiseSum(w)
	num := weightedAverage(n, w, func(i int) float64 { d := yTrue[i] - yPred[i]; return d * d }) * ws
	mean := weightedAverage(n, w, func(i int) float64 { return yTrue[i] })
	den := weightedAverage(n, w, func(i int) float64 { d := yTrue[i] - mean; return d * d }) * ws
	switch {
	case den != 0:
		return 1 - num/den, nil
	case num == 0:
		return 1, nil
	}
	return 0, nil
}

// weightedScore returns the weighted form of the metric called name and
// whether it has one.
func weightedScore(name string) (func(in Input) (float64, error), bool) {
	reg := func(f func(a, b, w []float64) (float64, error)) func(in Input) (float64, error) {
		return func(in Input) (float64, error) { return f(in.YTrue, in.YPred, in.SampleWeight) }
	}
	switch name {
	case "accuracy":
		return reg(WeightedAccuracyScore), true
	case "mean_squared_error", "mse":
		return reg(WeightedMeanSquaredError), true
	case "root_mean_squared_error", "rmse":
		return func(in Input) (float64, error) {
			v, err := WeightedMeanSquaredError(in.YTrue, in.YPred, in.SampleWeight)
			return math.Sqrt(v), err
		}, true
	case "mean_absolute_error", "mae":
		return reg(WeightedMeanAbsoluteError), true
	case "r2":
		return reg(WeightedR2Score), true
	case "log_loss":
		return func(in Input) (float64, error) {
			if err := needProba("log_loss", in); err != nil {
				return 0, err
			}
			return WeightedLogLoss(in.YTrue, in.Proba, in.Classes, in.SampleWeight)
		}, true
	}
	return nil, false
}

// WeightedNames returns the metrics that take sample weights.
func WeightedNames() []string {
	var out []string
	for _, n := range Names() {
		if _, ok := weightedScore(n); ok {
			out = append(out, n)
		}
	}
	return out
}
