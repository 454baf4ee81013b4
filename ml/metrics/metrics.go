// Package metrics implements scikit-learn's scoring functions (accuracy,
// precision, recall, F1, confusion matrix, log loss, ROC AUC, MSE, MAE, R²)
// and a registry that finds them by the names used in a training spec.
package metrics

import (
	"fmt"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/ml"
)

// Input is what a metric may look at. Classes are the sorted class values
// (nil for regression); Proba has one column per class and is nil when the
// estimator has no predict_proba.
type Input struct {
	YTrue, YPred []float64
	Proba        *mat.Dense
	Classes      []float64
}

// Metric is a named scalar score.
type Metric struct {
	Name string
	// Task is ml.Classification or ml.Regression.
	Task ml.Task
	// NeedsProba is true for metrics computed from probabilities (log_loss,
	// roc_auc): they need an estimator with predict_proba.
	NeedsProba bool
	// GreaterIsBetter is false for losses and errors.
	GreaterIsBetter bool
	// Doc is a one-line description.
	Doc string
	// Score computes the metric; bad input (lengths, classes) is an error.
	Score func(in Input) (float64, error)
}

var registry = map[string]*Metric{}

// Register adds m; it panics on a duplicate name (a programming error).
func Register(m *Metric) {
	if _, dup := registry[m.Name]; dup {
		panic("metrics: duplicate " + m.Name)
	}
	registry[m.Name] = m
}

// Lookup returns the metric called name; the error suggests a close name.
func Lookup(name string) (*Metric, error) {
	if m, ok := registry[name]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("unknown metric %q%s", name, suggest.Hint(name, Names()))
}

// Names returns every registered metric name, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
