package neural

import (
	"context"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml"
)

// Params are the hyperparameters of MLPClassifier and MLPRegressor, with
// scikit-learn's names, declared once and embedded in both.
type Params struct {
	HiddenLayerSizes   []int     `json:"hidden_layer_sizes" help:"number of neurons in each hidden layer"`
	Activation         string    `json:"activation" enum:"identity,logistic,tanh,relu" help:"activation of the hidden layers"`
	Solver             string    `json:"solver" enum:"lbfgs,sgd,adam" help:"weight optimizer"`
	Alpha              float64   `json:"alpha" min:"0" help:"L2 penalty strength"`
	BatchSize          BatchSize `json:"batch_size" expect:"\"auto\" or an integer ≥ 1" help:"minibatch size; auto is min(200, n_samples)"`
	LearningRate       string    `json:"learning_rate" enum:"constant,invscaling,adaptive" help:"learning-rate schedule of sgd"`
	LearningRateInit   float64   `json:"learning_rate_init" gt:"0" help:"initial learning rate (sgd, adam)"`
	PowerT             float64   `json:"power_t" min:"0" help:"exponent of the invscaling schedule"`
	MaxIter            int       `json:"max_iter" min:"1" help:"maximum epochs (sgd, adam) or iterations (lbfgs)"`
	Shuffle            bool      `json:"shuffle" help:"shuffle the samples every epoch (sgd, adam)"`
	RandomState        int       `json:"random_state" nullable:"true" help:"seed of the weights, shuffling and validation split"`
	Tol                float64   `json:"tol" min:"0" help:"tolerance of the stopping rules"`
	Momentum           float64   `json:"momentum" min:"0" max:"1" help:"momentum of sgd"`
	NesterovsMomentum  bool      `json:"nesterovs_momentum" help:"Nesterov's momentum (sgd)"`
	EarlyStopping      bool      `json:"early_stopping" help:"stop when the validation score stops improving (sgd, adam)"`
	ValidationFraction float64   `json:"validation_fraction" min:"0" lt:"1" help:"fraction held out for early stopping"`
	Beta1              float64   `json:"beta_1" min:"0" lt:"1" help:"Adam's first-moment decay"`
	Beta2              float64   `json:"beta_2" min:"0" lt:"1" help:"Adam's second-moment decay"`
	Epsilon            float64   `json:"epsilon" gt:"0" help:"Adam's numerical stability term"`
	NIterNoChange      int       `json:"n_iter_no_change" min:"1" help:"epochs without tol improvement before stopping (sgd, adam)"`
	MaxFun             int       `json:"max_fun" min:"1" help:"maximum loss evaluations (lbfgs)"`
}

func defaultParams() Params {
	return Params{HiddenLayerSizes: []int{100}, Activation: "relu", Solver: "adam", Alpha: 1e-4, LearningRate: "constant",
		LearningRateInit: 1e-3, PowerT: 0.5, MaxIter: 200, Shuffle: true, Tol: 1e-4, Momentum: 0.9, NesterovsMomentum: true,
		ValidationFraction: 0.1, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, NIterNoChange: 10, MaxFun: 15000}
}

func (m *Params) config() *config {
	return &config{hidden: slices.Clone(m.HiddenLayerSizes), activation: m.Activation, solver: m.Solver, lrSched: m.LearningRate,
		alpha: m.Alpha, lrInit: m.LearningRateInit, powerT: m.PowerT, maxIter: m.MaxIter, maxFun: m.MaxFun, noChange: m.NIterNoChange,
		batch: m.BatchSize, shuffle: m.Shuffle, nesterov: m.NesterovsMomentum, early: m.EarlyStopping, seed: m.RandomState,
		tol: m.Tol, momentum: m.Momentum, valFrac: m.ValidationFraction, beta1: m.Beta1, beta2: m.Beta2, eps: m.Epsilon}
}

// MLPClassifier is a multi-layer perceptron classifier, like
// sklearn.neural_network.MLPClassifier: hidden layers with the chosen
// activation, a logistic output for two classes and a softmax for more,
// trained on the log-loss plus alpha/2·||W||²/n_samples.
//
// Every epoch (every L-BFGS iteration) is reported to ml.ProgressFrom(ctx)
// as an "iter" event with the loss.
type MLPClassifier struct {
	Params

	net     *net
	res     fitResult
	classes []float64
}

// MLPRegressor is a multi-layer perceptron regressor, like
// sklearn.neural_network.MLPRegressor: hidden layers with the chosen
// activation and an identity output, trained on the squared error /2 plus
// alpha/2·||W||²/n_samples.
type MLPRegressor struct {
	Params

	net *net
	res fitResult
}

// NewMLPClassifier returns an MLPClassifier with scikit-learn 1.2's
// defaults: hidden_layer_sizes [100], activation relu, solver adam, alpha
// 1e-4, batch_size auto, learning_rate constant, learning_rate_init 1e-3,
// power_t 0.5, max_iter 200, shuffle, tol 1e-4, momentum 0.9, Nesterov's
// momentum, no early stopping, validation_fraction 0.1, beta_1 0.9, beta_2
// 0.999, epsilon 1e-8, n_iter_no_change 10, max_fun 15000.
func NewMLPClassifier() *MLPClassifier { return &MLPClassifier{Params: defaultParams()} }

// NewMLPRegressor returns an MLPRegressor with scikit-learn 1.2's defaults
// (those of NewMLPClassifier).
func NewMLPRegressor() *MLPRegressor { return &MLPRegressor{Params: defaultParams()} }

// Validate checks hidden_layer_sizes, validation_fraction with early
// stopping, and batch_size.
func (m *MLPClassifier) Validate() error { return m.config().validate() }

// Validate checks hidden_layer_sizes, validation_fraction with early
// stopping, and batch_size.
func (m *MLPRegressor) Validate() error { return m.config().validate() }

func newRand(seed int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x6d6c70))
}

// Fit trains the network on X and the class values y.
func (m *MLPClassifier) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	classes, idx, err := ml.EncodeClasses(y)
	if err != nil {
		return err
	}
	if len(classes) < 2 {
		return ml.DataErrorf("MLPClassifier needs at least 2 classes in y, got 1 (%v)", classes[0])
	}
	c := m.config()
	K := len(classes)
	k, out := K, "softmax"
	if K == 2 {
		k, out = 1, "logistic"
	}
	rows, p := X.Dims()
	Y := mat.NewDense(rows, k, nil)
	for i, j := range idx {
		if K == 2 {
			Y.Set(i, 0, float64(j))
		} else {
			Y.Set(i, j, 1)
		}
	}
	rng := newRand(c.seed)
	n := initNet(layerSizes(p, c.hidden, k), c.activation, out, rng)
	Xt, Yt, valX := X, Y, (*mat.Dense)(nil)
	var valY []int
	if c.early && c.solver != "lbfgs" {
		tr, va, err := validationSplit(c, rows, y)
		if err != nil {
			return ml.DataErrorf("MLPClassifier: early stopping: %v", err)
		}
		Xt, Yt, valX = rowsOf(X, tr), rowsOf(Y, tr), rowsOf(X, va)
		for _, i := range va {
			valY = append(valY, idx[i])
		}
	}
	score := func(n *net, Xv *mat.Dense) float64 {
		pr := n.predict(Xv)
		ok := 0
		for i, want := range valY {
			if classOf(pr, i) == want {
				ok++
			}
		}
		return float64(ok) / float64(len(valY))
	}
	fitted, res, err := train(ctx, "MLPClassifier", c, Xt, Yt, n, rng, score, valX)
	if err != nil {
		return err
	}
	res.nFeatures, res.nOutputs, res.outActivate = p, k, out
	m.net, m.res, m.classes = fitted, res, classes
	return nil
}

// classOf returns the class index of row i of the output layer.
func classOf(out *mat.Dense, i int) int {
	row := out.RawRowView(i)
	if len(row) == 1 {
		if row[0] > 0.5 {
			return 1
		}
		return 0
	}
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

func (m *MLPClassifier) check(X *mat.Dense) error {
	if m.net == nil {
		return ml.NotFittedError("MLPClassifier")
	}
	return ml.CheckX(X, m.res.nFeatures)
}

// Predict returns the most probable class of each row.
func (m *MLPClassifier) Predict(X *mat.Dense) ([]float64, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	out := m.net.predict(X)
	rows, _ := X.Dims()
	pred := make([]float64, rows)
	for i := range pred {
		pred[i] = m.classes[classOf(out, i)]
	}
	return pred, nil
}

// PredictProba returns the class probabilities, one column per class in
// the order of Classes.
func (m *MLPClassifier) PredictProba(X *mat.Dense) (*mat.Dense, error) {
	if err := m.check(X); err != nil {
		return nil, err
	}
	out := m.net.predict(X)
	rows, _ := X.Dims()
	if len(m.classes) > 2 {
		return mat.DenseCopyOf(out.Slice(0, rows, 0, len(m.classes))), nil
	}
	P := mat.NewDense(rows, 2, nil)
	for i := range rows {
		v := out.At(i, 0)
		P.Set(i, 0, 1-v)
		P.Set(i, 1, v)
	}
	return P, nil
}

// Classes returns the sorted class values.
func (m *MLPClassifier) Classes() []float64 { return slices.Clone(m.classes) }

// LossCurve returns the training loss after each epoch (L-BFGS: after each
// iteration), scikit-learn's loss_curve_.
func (m *MLPClassifier) LossCurve() []float64 { return slices.Clone(m.res.lossCurve) }

// ValidationScores returns the validation accuracy after each epoch with
// early stopping, scikit-learn's validation_scores_.
func (m *MLPClassifier) ValidationScores() []float64 { return slices.Clone(m.res.valScores) }

// NIter returns the number of epochs (or L-BFGS iterations) run.
func (m *MLPClassifier) NIter() int { return m.res.nIter }

// Coefs returns a copy of each layer's weights (fan_in × fan_out),
// scikit-learn's coefs_.
func (m *MLPClassifier) Coefs() []*mat.Dense { return coefsOf(m.net) }

// Intercepts returns each layer's biases, scikit-learn's intercepts_.
func (m *MLPClassifier) Intercepts() [][]float64 { return interceptsOf(m.net) }

func coefsOf(n *net) []*mat.Dense {
	if n == nil {
		return nil
	}
	out := make([]*mat.Dense, len(n.coefs))
	for i, W := range n.coefs {
		out[i] = mat.DenseCopyOf(W)
	}
	return out
}

func interceptsOf(n *net) [][]float64 {
	if n == nil {
		return nil
	}
	out := make([][]float64, len(n.intercepts))
	for i, b := range n.intercepts {
		out[i] = slices.Clone(b)
	}
	return out
}

// MarshalState returns the weights, the classes and the training record.
func (m *MLPClassifier) MarshalState() (*ml.State, error) {
	if m.net == nil {
		return nil, ml.NotFittedError("MLPClassifier")
	}
	st := ml.NewState()
	m.net.state(st, &m.res)
	st.SetFloats("classes_", m.classes)
	return st, nil
}

// UnmarshalState restores what MarshalState wrote.
func (m *MLPClassifier) UnmarshalState(st *ml.State) error {
	n, res, err := readState(st, m.HiddenLayerSizes, m.Activation, []string{"logistic", "softmax"})
	if err != nil {
		return err
	}
	classes, _, err := st.Floats("classes_", -1)
	if err != nil {
		return err
	}
	want := res.nOutputs
	if want == 1 {
		want = 2
	}
	if len(classes) != want || (res.nOutputs == 1) != (res.outActivate == "logistic") {
		return ml.DataErrorf("state: %d classes_ for %d outputs with %s", len(classes), res.nOutputs, res.outActivate)
	}
	m.net, m.res, m.classes = n, res, slices.Clone(classes)
	return nil
}

// Fit trains the network on X and the targets y.
func (m *MLPRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ml.ValidateParams(m); err != nil {
		return err
	}
	if err := ml.CheckXy(X, y); err != nil {
		return err
	}
	c := m.config()
	rows, p := X.Dims()
	Y := mat.NewDense(rows, 1, slices.Clone(y))
	rng := newRand(c.seed)
	n := initNet(layerSizes(p, c.hidden, 1), c.activation, "identity", rng)
	Xt, Yt, valX := X, Y, (*mat.Dense)(nil)
	var valY []float64
	if c.early && c.solver != "lbfgs" {
		tr, va, err := validationSplit(c, rows, nil)
		if err != nil {
			return ml.DataErrorf("MLPRegressor: early stopping: %v", err)
		}
		Xt, Yt, valX = rowsOf(X, tr), rowsOf(Y, tr), rowsOf(X, va)
		for _, i := range va {
			valY = append(valY, y[i])
		}
	}
	score := func(n *net, Xv *mat.Dense) float64 {
		pr := n.predict(Xv)
		var mean float64
		for _, v := range valY {
			mean += v
		}
		mean /= float64(len(valY))
		var ssr, sst float64
		for i, v := range valY {
			d := v - pr.At(i, 0)
			ssr += d * d
			sst += (v - mean) * (v - mean)
		}
		if sst == 0 {
			return 0
		}
		return 1 - ssr/sst
	}
	fitted, res, err := train(ctx, "MLPRegressor", c, Xt, Yt, n, rng, score, valX)
	if err != nil {
		return err
	}
	res.nFeatures, res.nOutputs, res.outActivate = p, 1, "identity"
	m.net, m.res = fitted, res
	return nil
}

// Predict returns the predicted target of each row.
func (m *MLPRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if m.net == nil {
		return nil, ml.NotFittedError("MLPRegressor")
	}
	if err := ml.CheckX(X, m.res.nFeatures); err != nil {
		return nil, err
	}
	out := m.net.predict(X)
	rows, _ := X.Dims()
	pred := make([]float64, rows)
	for i := range pred {
		pred[i] = out.At(i, 0)
	}
	return pred, nil
}

// LossCurve returns the training loss after each epoch (L-BFGS: after each
// iteration), scikit-learn's loss_curve_.
func (m *MLPRegressor) LossCurve() []float64 { return slices.Clone(m.res.lossCurve) }

// ValidationScores returns the validation R² after each epoch with early
// stopping, scikit-learn's validation_scores_.
func (m *MLPRegressor) ValidationScores() []float64 { return slices.Clone(m.res.valScores) }

// NIter returns the number of epochs (or L-BFGS iterations) run.
func (m *MLPRegressor) NIter() int { return m.res.nIter }

// Coefs returns a copy of each layer's weights (fan_in × fan_out).
func (m *MLPRegressor) Coefs() []*mat.Dense { return coefsOf(m.net) }

// Intercepts returns each layer's biases.
func (m *MLPRegressor) Intercepts() [][]float64 { return interceptsOf(m.net) }

// MarshalState returns the weights and the training record.
func (m *MLPRegressor) MarshalState() (*ml.State, error) {
	if m.net == nil {
		return nil, ml.NotFittedError("MLPRegressor")
	}
	st := ml.NewState()
	m.net.state(st, &m.res)
	return st, nil
}

// UnmarshalState restores what MarshalState wrote.
func (m *MLPRegressor) UnmarshalState(st *ml.State) error {
	n, res, err := readState(st, m.HiddenLayerSizes, m.Activation, []string{"identity"})
	if err != nil {
		return err
	}
	if res.nOutputs != 1 {
		return ml.DataErrorf("state: n_outputs_ %d, MLPRegressor has 1", res.nOutputs)
	}
	m.net, m.res = n, res
	return nil
}
