// Package ml defines the estimator contract shared by every classic model in
// mlforge: small interfaces modelled on scikit-learn (Fit, Predict,
// PredictProba, DecisionFunction, Transform), a registry that builds an
// estimator from its scikit-learn class name and JSON parameters, Clone, and
// Pipeline.
//
// Estimators take float64 data as *mat.Dense (rows are samples) and targets
// as []float64. For classifiers the targets are class values; Classes returns
// them sorted ascending, and the columns of PredictProba and
// DecisionFunction follow that order, as in scikit-learn.
package ml

import (
	"context"

	"gonum.org/v1/gonum/mat"
)

// Estimator is anything that learns from data.
//
// Fit validates its hyperparameters and its input, returning an error (never
// panicking) when either is wrong. Iterative estimators check ctx between
// iterations and report progress to ProgressFrom(ctx).
type Estimator interface {
	Fit(ctx context.Context, X *mat.Dense, y []float64) error
}

// Predictor is a fitted estimator that predicts one target per row.
type Predictor interface {
	Estimator
	Predict(X *mat.Dense) ([]float64, error)
}

// Classifier is a Predictor over a finite set of classes.
type Classifier interface {
	Predictor
	// Classes returns the sorted class values seen by Fit.
	Classes() []float64
}

// ProbaPredictor predicts class probabilities: one row per sample, one column
// per class in the order of Classes.
type ProbaPredictor interface {
	PredictProba(X *mat.Dense) (*mat.Dense, error)
}

// DecisionFunctioner returns confidence scores. For binary classification the
// result has one column (the score of the positive class), otherwise one
// column per class, as in scikit-learn.
type DecisionFunctioner interface {
	DecisionFunction(X *mat.Dense) (*mat.Dense, error)
}

// WeightedFitter is an estimator whose Fit takes a weight per sample, as
// scikit-learn's fit(X, y, sample_weight=w): FitWeighted with w nil is Fit.
type WeightedFitter interface {
	Estimator
	FitWeighted(ctx context.Context, X *mat.Dense, y, w []float64) error
}

// Transformer is an estimator that maps X to a new feature matrix. Fit
// ignores y, which may be nil.
type Transformer interface {
	Estimator
	Transform(X *mat.Dense) (*mat.Dense, error)
}

// FitTransformer is a transformer that maps only the data it is fitted
// on, with no Transform for new rows: scikit-learn's TSNE, which has
// fit_transform alone. It is registered with Task Transform; its result
// is kept in its fitted state.
type FitTransformer interface {
	Estimator
	FitTransform(ctx context.Context, X *mat.Dense) (*mat.Dense, error)
}

// InverseTransformer can map transformed data back.
type InverseTransformer interface {
	InverseTransform(X *mat.Dense) (*mat.Dense, error)
}

// Validator is implemented by estimators whose hyperparameters have rules that
// the struct tags (min, max, enum) cannot express. Validate returns a
// *ParamError naming the parameter. Fit calls it too.
type Validator interface {
	Validate() error
}

// Stateful estimators can save and restore their fitted state as plain data.
// Every registered estimator implements it; model files hold nothing else.
type Stateful interface {
	// MarshalState returns the fitted state, or ErrNotFitted.
	MarshalState() (*State, error)
	// UnmarshalState restores fitted state written by MarshalState. It must
	// validate what it reads (shapes, ranges) and return an error on
	// inconsistent state rather than panic later.
	UnmarshalState(*State) error
}

// Task says what kind of target an estimator learns.
type Task string

// The tasks.
const (
	Classification Task = "classification"
	Regression     Task = "regression"
	Transform      Task = "transform"
	Clustering     Task = "clustering"
)
