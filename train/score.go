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
	proba, err := needsProba(names)
	if err != nil {
		return nil, nil, err
	}
	if proba != "" {
		if _, ok := p.Final.(ml.ProbaPredictor); !ok {
			return nil, nil, fmt.Errorf("metric %s needs predict_proba, which %s does not have", proba, ml.ClassName(p.Final))
		}
		if in.Proba, err = p.PredictProba(X); err != nil {
			return nil, nil, err
		}
	}
	return Scores(in, names)
}

// needsProba returns the first of the named metrics that needs predicted
// probabilities, or "".
func needsProba(names []string) (string, error) {
	for _, name := range names {
		m, err := metrics.Lookup(name)
		if err != nil {
			return "", err
		}
		if m.NeedsProba {
			return name, nil
		}
	}
	return "", nil
}

// ScoreModel is Score for a loaded model of either kind (a pipeline or a
// network trained on table data): it predicts X with m and computes the
// named metrics against y, which holds class values (see
// model.Model.TargetValues) or numbers.
func ScoreModel(m *model.Model, X *mat.Dense, y []float64, names []string) (map[string]float64, [][]int, error) {
	if m.Pipeline != nil {
		return Score(m.Pipeline, X, y, m.Manifest.Classes, names)
	}
	proba, err := needsProba(names)
	if err != nil {
		return nil, nil, err
	}
	p, err := m.Predict(X, proba != "" && m.Manifest.Task == ml.Classification)
	if err != nil {
		return nil, nil, err
	}
	var classes []float64
	if m.Manifest.Task == ml.Classification {
		classes = m.Manifest.Classes
	}
	return Scores(metrics.Input{YTrue: y, YPred: p.Values, Classes: classes, Proba: p.Proba}, names)
}

// Scores computes the named metrics of predictions in, and for a
// classifier (in.Classes set) the confusion matrix, rows true classes and
// columns predicted ones in the order of in.Classes
// (metrics.ConfusionMatrix). It is the one scoring loop: training, eval and
// the service score through it.
func Scores(in metrics.Input, names []string) (map[string]float64, [][]int, error) {
	out := make(map[string]float64, len(names))
	for _, name := range names {
		v, err := metrics.Score(name, in)
		if err != nil {
			return nil, nil, fmt.Errorf("metric %s: %w", name, err)
		}
		out[name] = v
	}
	if in.Classes == nil || len(in.YTrue) == 0 {
		return out, nil, nil
	}
	cm, err := metrics.ConfusionMatrix(in.YTrue, in.YPred, in.Classes)
	if err != nil {
		return nil, nil, err
	}
	r, c := cm.Dims()
	conf := make([][]int, r)
	for i := range conf {
		conf[i] = make([]int, c)
		for j := range conf[i] {
			conf[i][j] = int(cm.At(i, j))
		}
	}
	return out, conf, nil
}

// warnNonFinite reports every metric value that is not finite (an overflow,
// a NaN): the model file and the store keep it as null, and the run goes on.
func warnNonFinite(rep ml.Reporter, m model.Metrics) {
	for _, w := range m.NonFinite() {
		rep.Report(ml.Event{Kind: "log", Message: "warning: the metric " + w + " is not finite; it is stored as null"})
	}
}
