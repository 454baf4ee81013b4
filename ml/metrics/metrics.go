// Package metrics implements scikit-learn's scoring functions (accuracy,
// precision, recall, F1, confusion matrix, log loss, ROC AUC, MSE, MAE, R²)
// and a registry that finds them by the names used in a training spec.
//
// The functions are named as scikit-learn's (AccuracyScore for
// accuracy_score, ...) and agree with scikit-learn 1.2.1 on the fixtures in
// testdata (written by testdata/gen.py), bit for bit except ROC AUC (one
// ulp). Labels are float64 class values; where a function takes classes or
// labels, nil means the sorted distinct values found in the targets.
// Where scikit-learn 1.2 warns about a zero denominator (precision with no
// predicted sample, recall with no true sample) the value is 0, as its
// default zero_division="warn" returns. Bad input (different lengths, no
// samples, NaN or infinity, a single class where two are needed) is an
// error, a *ml.DataError, never a panic.
//
// The registered names, for a spec's "metrics" list:
//
//	accuracy, balanced_accuracy
//	precision, recall, f1                  binary: the positive class is Classes[1]
//	precision_macro, recall_macro, f1_macro
//	precision_weighted, recall_weighted, f1_weighted
//	log_loss                               needs predict_proba; lower is better
//	roc_auc                                binary; needs predict_proba
//	roc_auc_ovr, roc_auc_ovr_weighted      one-vs-rest; need predict_proba
//	mean_squared_error (mse), root_mean_squared_error (rmse),
//	mean_absolute_error (mae)              lower is better
//	r2
//	adjusted_rand_score, rand_score, mutual_info_score, normalized_mutual_info_score,
//	adjusted_mutual_info_score, homogeneity_score, completeness_score,
//	v_measure_score, fowlkes_mallows_score   clustering, against a labelled column
//	silhouette_score, calinski_harabasz_score,
//	davies_bouldin_score                     clustering, from the data (NeedsX)
//	                                         (each also without "_score": adjusted_rand, ...)
//
// The macro and weighted averages run over the labels present in y_true or
// y_pred, as scikit-learn's scorers do; log_loss and the ROC AUCs use
// Input.Classes, so that a test set missing a class is still scored.
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
	X            *mat.Dense // the data, for the clustering metrics that score labels against it (NeedsX)
	// SampleWeight weighs each sample as scikit-learn's sample_weight
	// (nil: unit weights). Only the metrics WeightedNames lists take it;
	// Score refuses it for the others.
	SampleWeight []float64
}

// Metric is a named scalar score.
type Metric struct {
	Name string
	// Task is ml.Classification or ml.Regression.
	Task ml.Task
	// NeedsProba is true for metrics computed from probabilities (log_loss,
	// roc_auc): they need an estimator with predict_proba.
	NeedsProba bool
	// NeedsX is true for clustering metrics computed from the data and the
	// labels alone (silhouette_score): no labelled column is needed.
	NeedsX bool
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
