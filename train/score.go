package train

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
)

// Score predicts X with p and computes the named metrics against y. For a
// classifier (classes non-nil) it also returns the confusion matrix, rows
// true classes and columns predicted ones, in the order of classes.
func Score(p *ml.Pipeline, X *mat.Dense, y []float64, classes []float64, names []string) (map[string]float64, [][]int, error) {
	pred, err := p.Predict(X)
	if err != nil {
		return nil, nil, err
	}
	in := metrics.Input{YTrue: y, YPred: pred, Classes: classes}
	out := make(map[string]float64, len(names))
	for _, name := range names {
		m, err := metrics.Lookup(name)
		if err != nil {
			return nil, nil, err
		}
		if m.NeedsProba && in.Proba == nil {
			if _, ok := p.Final.(ml.ProbaPredictor); !ok {
				return nil, nil, fmt.Errorf("metric %s needs predict_proba, which %s does not have", name, ml.ClassName(p.Final))
			}
			if in.Proba, err = p.PredictProba(X); err != nil {
				return nil, nil, err
			}
		}
		v, err := m.Score(in)
		if err != nil {
			return nil, nil, fmt.Errorf("metric %s: %w", name, err)
		}
		out[name] = v
	}
	if classes == nil {
		return out, nil, nil
	}
	pos := make(map[float64]int, len(classes))
	for i, c := range classes {
		pos[c] = i
	}
	conf := make([][]int, len(classes))
	for i := range conf {
		conf[i] = make([]int, len(classes))
	}
	for i := range y {
		t, ok1 := pos[y[i]]
		q, ok2 := pos[pred[i]]
		if ok1 && ok2 {
			conf[t][q]++
		}
	}
	return out, conf, nil
}
