package linear

import (
	"context"

	"github.com/mlforge/mlforge/ml"
	"gonum.org/v1/gonum/mat"
)

// PassiveAggressiveClassifier is sklearn.linear_model's: _plain_sgd's
// PA-I (loss hinge: the step is min(C, loss / ‖x‖²)) or PA-II (loss
// squared_hinge: loss / (‖x‖² + 1/(2C))) update on the hinge loss, no
// penalty, one binary problem per class for more than two classes.
type PassiveAggressiveClassifier struct {
	C float64 `json:"C" gt:"0" help:"maximum step size (regularisation: smaller is stronger)"`
	sgdCommon
	Loss        string         `json:"loss" enum:"hinge,squared_hinge" help:"hinge: PA-I, squared_hinge: PA-II"`
	Average     SGDAverage     `json:"average" help:"false, true (average the weights over all updates) or k ≥ 1 (average from the k-th update on)"`
	ClassWeight ml.ClassWeight `json:"class_weight" nullable:"true" help:"weights of the classes: null, balanced or an object from class values to weights"`
	NJobs       int            `json:"n_jobs" nullable:"true" help:"binary problems (one per class) fitted at once: null means 1, -1 all processors; the model does not depend on it"`

	sgdClassifierFit
}

// NewPassiveAggressiveClassifier returns scikit-learn 1.2's defaults: C 1,
// max_iter 1000, tol 1e-3, shuffle, loss hinge, validation_fraction 0.1,
// n_iter_no_change 5, average false.
func NewPassiveAggressiveClassifier() *PassiveAggressiveClassifier {
	return &PassiveAggressiveClassifier{C: 1, sgdCommon: defaultCommon(), Loss: "hinge", sgdClassifierFit: sgdClassifierFit{name: "PassiveAggressiveClassifier"}}
}

// Validate checks the parameter combinations scikit-learn refuses.
func (m *PassiveAggressiveClassifier) Validate() error {
	if err := m.ClassWeight.Validate("balanced"); err != nil {
		return err
	}
	return m.sgdCommon.check("PassiveAggressiveClassifier")
}

// Fit runs the passive-aggressive updates, one binary problem per class
// for more than two classes.
func (m *PassiveAggressiveClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	c := m.config("PassiveAggressiveClassifier")
	c.loss = newSGDLoss("hinge", 0)
	c.alpha, c.eta0, c.powerT, c.paC, c.average = 1, 1, 0.5, m.C, int(m.Average)
	c.learningRate = "pa1"
	if m.Loss == "squared_hinge" {
		c.learningRate = "pa2"
	}
	m.name, c.nJobs = c.name, m.NJobs
	return m.fit(ctx, X, y, c, m.ClassWeight)
}

// EstimateMemory bounds Fit's memory (see estimateSGD).
func (m *PassiveAggressiveClassifier) EstimateMemory(n, p, k int) int64 {
	return estimateSGD(n, p, k, m.NJobs, m.EarlyStopping)
}

// PassiveAggressiveRegressor is sklearn.linear_model's: _plain_sgd's PA-I
// (loss epsilon_insensitive: the step is min(C, loss / ‖x‖²)) or PA-II
// (loss squared_epsilon_insensitive: loss / (‖x‖² + 1/(2C))) update on the
// epsilon-insensitive loss, no penalty.
type PassiveAggressiveRegressor struct {
	C float64 `json:"C" gt:"0" help:"maximum step size (regularisation: smaller is stronger)"`
	sgdCommon
	Loss    string     `json:"loss" enum:"epsilon_insensitive,squared_epsilon_insensitive" help:"epsilon_insensitive: PA-I, squared_epsilon_insensitive: PA-II"`
	Epsilon float64    `json:"epsilon" min:"0" help:"errors below epsilon cause no update"`
	Average SGDAverage `json:"average" help:"false, true (average the weights over all updates) or k ≥ 1 (average from the k-th update on)"`

	sgdRegressorFit
}

// NewPassiveAggressiveRegressor returns scikit-learn 1.2's defaults: C 1,
// max_iter 1000, tol 1e-3, shuffle, loss epsilon_insensitive, epsilon 0.1,
// validation_fraction 0.1, n_iter_no_change 5, average false.
func NewPassiveAggressiveRegressor() *PassiveAggressiveRegressor {
	return &PassiveAggressiveRegressor{C: 1, sgdCommon: defaultCommon(), Loss: "epsilon_insensitive", Epsilon: 0.1, sgdRegressorFit: sgdRegressorFit{name: "PassiveAggressiveRegressor"}}
}

// Validate checks the parameter combinations scikit-learn refuses.
func (m *PassiveAggressiveRegressor) Validate() error {
	return m.sgdCommon.check("PassiveAggressiveRegressor")
}

// Fit runs the passive-aggressive updates on the targets y.
func (m *PassiveAggressiveRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	c := m.config("PassiveAggressiveRegressor")
	c.loss = newSGDLoss("epsilon_insensitive", m.Epsilon)
	c.alpha, c.eta0, c.powerT, c.paC, c.average = 1, 1, 0.5, m.C, int(m.Average)
	c.learningRate = "pa1"
	if m.Loss == "squared_epsilon_insensitive" {
		c.learningRate = "pa2"
	}
	m.name = c.name
	return m.fit(ctx, X, y, c)
}

// EstimateMemory bounds Fit's memory (see estimateSGD).
func (m *PassiveAggressiveRegressor) EstimateMemory(n, p, k int) int64 {
	return estimateSGD(n, p, 0, 1, m.EarlyStopping)
}
