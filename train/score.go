package train

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/model"
)

// Score predicts X with p and computes the named metrics against y. For a
// classifier (classes non-nil) it also returns the confusion matrix, rows
// true classes and columns predicted ones, in the order of classes.
// A network model has no pipeline: score it with ScoreModel.
func Score(p *ml.Pipeline, X *mat.Dense, y []float64, classes []float64, names []string) (map[string]float64, [][]int, error) {
	if p == nil || p.Final == nil {
		return nil, nil, errors.New("train: Score needs a fitted pipeline; use ScoreModel for a network model")
	}
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
	return out, confusion(y, pred, classes), nil
}

// ScoreModel is Score for a loaded model of either kind (a pipeline or a
// network trained on table data): it predicts X with m and computes the
// named metrics against y, which holds class values (see
// model.Model.TargetValues) or numbers.
func ScoreModel(m *model.Model, X *mat.Dense, y []float64, names []string) (map[string]float64, [][]int, error) {
	if m.Pipeline != nil {
		return Score(m.Pipeline, X, y, m.Manifest.Classes, names)
	}
	var proba bool
	for _, name := range names {
		mt, err := metrics.Lookup(name)
		if err != nil {
			return nil, nil, err
		}
		proba = proba || mt.NeedsProba
	}
	p, err := m.Predict(X, proba && m.Manifest.Task == ml.Classification)
	if err != nil {
		return nil, nil, err
	}
	var classes []float64
	if m.Manifest.Task == ml.Classification {
		classes = m.Manifest.Classes
	}
	in := metrics.Input{YTrue: y, YPred: p.Values, Classes: classes, Proba: p.Proba}
	out := make(map[string]float64, len(names))
	for _, name := range names {
		mt, _ := metrics.Lookup(name)
		v, err := mt.Score(in)
		if err != nil {
			return nil, nil, fmt.Errorf("metric %s: %w", name, err)
		}
		out[name] = v
	}
	return out, confusion(y, p.Values, classes), nil
}

// confusion returns the confusion matrix of pred against y over classes
// (rows true, columns predicted), or nil without classes.
func confusion(y, pred, classes []float64) [][]int {
	if classes == nil {
		return nil
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
	return conf
}

// warnNonFinite reports every metric value that is not finite (an overflow,
// a NaN): the model file and the store keep it as null, and the run goes on.
func warnNonFinite(rep ml.Reporter, m model.Metrics) {
	for _, w := range m.NonFinite() {
		rep.Report(ml.Event{Kind: "log", Message: "warning: the metric " + w + " is not finite; it is stored as null"})
	}
}
