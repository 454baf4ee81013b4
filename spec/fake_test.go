package spec_test

import (
	"context"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
)

// Test-only classes and metrics, under names that no real registration
// uses, so that the checks of Validate are covered whichever families have
// landed.

type fakeClassifier struct {
	K           int    `json:"k" min:"1"`
	Weights     string `json:"weights" enum:"uniform,distance"`
	RandomState int    `json:"random_state" min:"0" max:"99999"`
}

func (f *fakeClassifier) Fit(context.Context, *mat.Dense, []float64) error { return nil }
func (f *fakeClassifier) PredictProba(*mat.Dense) (*mat.Dense, error)      { return nil, nil }

type fakeHardClassifier struct {
	C float64 `json:"C" gt:"0"`
}

func (f *fakeHardClassifier) Fit(context.Context, *mat.Dense, []float64) error { return nil }

type fakeRegressor struct {
	Alpha float64 `json:"alpha" min:"0"`
}

func (f *fakeRegressor) Fit(context.Context, *mat.Dense, []float64) error { return nil }

type fakeScaler struct {
	WithMean bool   `json:"with_mean"`
	Strategy string `json:"strategy" enum:"mean,median"`
}

func (f *fakeScaler) Fit(context.Context, *mat.Dense, []float64) error { return nil }
func (f *fakeScaler) Transform(X *mat.Dense) (*mat.Dense, error)       { return X, nil }

type fakeClusterer struct {
	NClusters int `json:"n_clusters" min:"1"`
}

func (f *fakeClusterer) Fit(context.Context, *mat.Dense, []float64) error { return nil }

func init() {
	ml.Register(ml.ClassInfo{Name: "FakeClassifier", Task: ml.Classification, Family: "spectest",
		New: func() ml.Estimator { return &fakeClassifier{K: 5, Weights: "uniform"} }})
	ml.Register(ml.ClassInfo{Name: "FakeHardClassifier", Task: ml.Classification, Family: "spectest",
		New: func() ml.Estimator { return &fakeHardClassifier{C: 1} }})
	ml.Register(ml.ClassInfo{Name: "FakeRegressor", Task: ml.Regression, Family: "spectest",
		New: func() ml.Estimator { return &fakeRegressor{Alpha: 1} }})
	ml.Register(ml.ClassInfo{Name: "FakeScaler", Task: ml.Transform, Family: "spectest",
		New: func() ml.Estimator { return &fakeScaler{WithMean: true, Strategy: "mean"} }})
	ml.Register(ml.ClassInfo{Name: "FakeClusterer", Task: ml.Clustering, Family: "spectest",
		New: func() ml.Estimator { return &fakeClusterer{NClusters: 8} }})

	metrics.Register(&metrics.Metric{Name: "fake_accuracy", Task: ml.Classification, GreaterIsBetter: true})
	metrics.Register(&metrics.Metric{Name: "fake_log_loss", Task: ml.Classification, NeedsProba: true})
	metrics.Register(&metrics.Metric{Name: "fake_r2", Task: ml.Regression, GreaterIsBetter: true})
}
