// Package neural holds scikit-learn's multi-layer perceptrons,
// MLPClassifier and MLPRegressor, with sklearn.neural_network's parameter
// names, defaults and training algorithm (mini-batch Adam or SGD with
// sklearn's learning-rate schedules and stopping rules, or full-batch
// L-BFGS).
//
// They compute in float64 directly, like scikit-learn, rather than in the
// float32 of the nn engine: the fitted weights, loss_curve_ and stopping
// decisions then follow scikit-learn's arithmetic, and the L-BFGS solver
// works on the exact objective. Initial weights are drawn with Glorot's
// uniform rule like scikit-learn's, from Go's PCG generator seeded with
// random_state, so individual weights differ from scikit-learn's while the
// held-out scores agree (see the parity tests).
package neural

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/f64"
	"github.com/mlforge/mlforge/internal/lbfgs"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/modelselection"
)

func init() {
	ml.Register(ml.ClassInfo{
		Name: "MLPClassifier", Task: ml.Classification, Family: "neural",
		Doc: "Multi-layer perceptron classifier trained with Adam, SGD or L-BFGS on the log-loss.",
		New: func() ml.Estimator { return NewMLPClassifier() },
	})
	ml.Register(ml.ClassInfo{
		Name: "MLPRegressor", Task: ml.Regression, Family: "neural",
		Doc: "Multi-layer perceptron regressor trained with Adam, SGD or L-BFGS on the squared error.",
		New: func() ml.Estimator { return NewMLPRegressor() },
	})
}

// BatchSize is scikit-learn's batch_size: "auto" (the zero value, meaning
// min(200, n_samples)) or a number of samples.
type BatchSize int

// UnmarshalJSON reads "auto" or a positive integer.
func (b *BatchSize) UnmarshalJSON(raw []byte) error {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s != "auto" {
			return fmt.Errorf("expected \"auto\" or an integer ≥ 1")
		}
		*b = 0
		return nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || f < 1 || f > 1<<31 {
		return fmt.Errorf("expected \"auto\" or an integer ≥ 1")
	}
	*b = BatchSize(f)
	return nil
}

// MarshalJSON writes "auto" for the zero value.
func (b BatchSize) MarshalJSON() ([]byte, error) {
	if b == 0 {
		return []byte(`"auto"`), nil
	}
	return json.Marshal(int(b))
}

// config is the hyperparameters both estimators share.
type config struct {
	hidden                      []int
	activation, solver, lrSched string
	alpha, lrInit, powerT       float64
	maxIter, maxFun, noChange   int
	batch                       BatchSize
	shuffle, nesterov, early    bool
	seed                        int
	tol, momentum, valFrac      float64
	beta1, beta2, eps           float64
}

// validate checks what the tags cannot.
func (c *config) validate() error {
	for i, h := range c.hidden {
		if h < 1 {
			return &ml.ParamError{Param: "hidden_layer_sizes", Expected: "a list of integers ≥ 1", Got: fmt.Sprintf("%d at position %d", h, i)}
		}
	}
	if c.early && !(c.valFrac > 0 && c.valFrac < 1) {
		return &ml.ParamError{Param: "validation_fraction", Expected: "a number > 0 and < 1 with early_stopping", Got: fmt.Sprint(c.valFrac)}
	}
	if c.batch < 0 {
		return &ml.ParamError{Param: "batch_size", Expected: "\"auto\" or an integer ≥ 1", Got: fmt.Sprint(int(c.batch))}
	}
	return nil
}

// net is a fitted perceptron: weights coefs[i] (fan_in × fan_out) and
// intercepts[i] per layer.
type net struct {
	coefs      []*mat.Dense
	intercepts [][]float64
	act, out   string // hidden and output activations
}

// fitResult is what training records besides the weights.
type fitResult struct {
	lossCurve   []float64
	valScores   []float64
	nIter       int
	bestLoss    float64
	converged   bool
	nFeatures   int
	nOutputs    int
	outActivate string
}

// layerSizes returns the sizes of every layer, input and output included.
func layerSizes(p int, hidden []int, k int) []int {
	return slices.Concat([]int{p}, hidden, []int{k})
}

// initNet draws Glorot-uniform weights and intercepts as scikit-learn does
// (factor 2 for the logistic activation, 6 otherwise).
func initNet(sizes []int, act, out string, rng *rand.Rand) *net {
	n := &net{act: act, out: out}
	factor := 6.0
	if act == "logistic" {
		factor = 2
	}
	for i := 0; i+1 < len(sizes); i++ {
		in, o := sizes[i], sizes[i+1]
		bound := math.Sqrt(factor / float64(in+o))
		w := make([]float64, in*o)
		for j := range w {
			w[j] = (2*rng.Float64() - 1) * bound
		}
		b := make([]float64, o)
		for j := range b {
			b[j] = (2*rng.Float64() - 1) * bound
		}
		n.coefs = append(n.coefs, mat.NewDense(in, o, w))
		n.intercepts = append(n.intercepts, b)
	}
	return n
}

func activate(name string, z []float64) {
	switch name {
	case "relu":
		f64.Relu(z)
	case "tanh":
		for i, v := range z {
			z[i] = math.Tanh(v)
		}
	case "logistic":
		for i, v := range z {
			z[i] = 1 / (1 + math.Exp(-v))
		}
	case "softmax":
		// rows are handled by softmaxRows
	}
}

// softmaxRows applies softmax to each row of a (r × k).
func softmaxRows(a []float64, k int) {
	for i := 0; i+k <= len(a); i += k {
		row := a[i : i+k]
		mx := row[0]
		for _, v := range row {
			mx = max(mx, v)
		}
		var s float64
		for j, v := range row {
			row[j] = math.Exp(v - mx)
			s += row[j]
		}
		for j := range row {
			row[j] /= s
		}
	}
}

// workspace holds the activations and deltas of one batch size.
type workspace struct {
	acts, deltas []*mat.Dense
}

// newWorkspace allocates the activations for a batch of rows, and the
// deltas when training.
func newWorkspace(sizes []int, rows int, training bool) *workspace {
	w := &workspace{}
	for i, s := range sizes {
		if i > 0 {
			w.acts = append(w.acts, mat.NewDense(rows, s, nil))
			if training {
				w.deltas = append(w.deltas, mat.NewDense(rows, s, nil))
			}
		}
	}
	return w
}

// forward computes the activations of every layer for X (rows × p) into ws
// and returns the output layer's.
func (n *net) forward(X *mat.Dense, ws *workspace) *mat.Dense {
	in := X.RawMatrix()
	for i, W := range n.coefs {
		a := ws.acts[i]
		raw := a.RawMatrix()
		w := W.RawMatrix()
		f64.Gemm(false, false, in.Rows, w.Cols, in.Cols, in.Data, in.Stride, w.Data, w.Stride, 0, raw.Data, raw.Stride)
		b := n.intercepts[i]
		for r := 0; r < raw.Rows; r++ {
			row := raw.Data[r*raw.Stride : r*raw.Stride+raw.Cols]
			for j := range row {
				row[j] += b[j]
			}
		}
		name := n.act
		if i == len(n.coefs)-1 {
			name = n.out
		}
		if name == "softmax" {
			softmaxRows(raw.Data, raw.Cols)
		} else {
			activate(name, raw.Data)
		}
		in = raw
	}
	return ws.acts[len(ws.acts)-1]
}

// loss returns scikit-learn's loss of the output p against targets Y (the
// L2 term excluded): squared error /2 for regression, log-loss otherwise.
func lossOf(out string, p, Y *mat.Dense) float64 {
	pr, yr := p.RawMatrix(), Y.RawMatrix()
	n := float64(pr.Rows)
	var s float64
	switch out {
	case "identity":
		for i, v := range pr.Data {
			d := yr.Data[i] - v
			s += d * d
		}
		return s / (n * float64(pr.Cols)) / 2
	case "logistic":
		const eps = 2.220446049250313e-16
		for i, v := range pr.Data {
			v = min(max(v, eps), 1-eps)
			y := yr.Data[i]
			if y > 0 {
				s -= y * math.Log(v)
			}
			if y < 1 {
				s -= (1 - y) * math.Log(1-v)
			}
		}
		return s / n
	default: // softmax
		const eps = 2.220446049250313e-16
		for i, v := range pr.Data {
			if y := yr.Data[i]; y > 0 {
				s -= y * math.Log(min(max(v, eps), 1-eps))
			}
		}
		return s / n
	}
}

// lossGrad computes the loss with the L2 term on batch X, Y and the
// gradients into gW, gb (shaped like the weights); it returns the loss.
func (n *net) lossGrad(X, Y *mat.Dense, alpha float64, ws *workspace, gW []*mat.Dense, gb [][]float64) float64 {
	p := n.forward(X, ws)
	rows, _ := X.Dims()
	nf := float64(rows)
	loss := lossOf(n.out, p, Y)
	var sq float64
	for _, W := range n.coefs {
		for _, v := range W.RawMatrix().Data {
			sq += v * v
		}
	}
	loss += 0.5 * alpha * sq / nf
	L := len(n.coefs) - 1
	d := ws.deltas[L]
	d.Sub(p, Y)
	for i := L; i >= 0; i-- {
		in := X.RawMatrix()
		if i > 0 {
			in = ws.acts[i-1].RawMatrix()
		}
		dr := ws.deltas[i].RawMatrix()
		gr := gW[i].RawMatrix()
		f64.Gemm(true, false, in.Cols, dr.Cols, in.Rows, in.Data, in.Stride, dr.Data, dr.Stride, 0, gr.Data, gr.Stride)
		gd, wd := gW[i].RawMatrix().Data, n.coefs[i].RawMatrix().Data
		for j := range gd {
			gd[j] = (gd[j] + alpha*wd[j]) / nf
		}
		g := gb[i]
		clear(g)
		for r := 0; r < dr.Rows; r++ {
			for j, v := range dr.Data[r*dr.Stride : r*dr.Stride+dr.Cols] {
				g[j] += v
			}
		}
		for j := range g {
			g[j] /= nf
		}
		if i > 0 {
			pr := ws.deltas[i-1].RawMatrix()
			w := n.coefs[i].RawMatrix()
			f64.Gemm(false, true, dr.Rows, w.Rows, dr.Cols, dr.Data, dr.Stride, w.Data, w.Stride, 0, pr.Data, pr.Stride)
			derivative(n.act, ws.acts[i-1].RawMatrix().Data, pr.Data)
		}
	}
	return loss
}

// derivative multiplies the deltas by the activation's derivative, written
// in terms of the activations a.
func derivative(name string, a, delta []float64) {
	switch name {
	case "relu":
		f64.ReluGrad(a, delta)
	case "tanh":
		for i, v := range a {
			delta[i] *= 1 - v*v
		}
	case "logistic":
		for i, v := range a {
			delta[i] *= v * (1 - v)
		}
	}
}

// predict returns the output layer for X, computing in chunks.
func (n *net) predict(X *mat.Dense) *mat.Dense {
	rows, _ := X.Dims()
	sizes := []int{0}
	for _, W := range n.coefs {
		_, o := W.Dims()
		sizes = append(sizes, o)
	}
	out := mat.NewDense(max(rows, 1), sizes[len(sizes)-1], nil)
	const chunk = 1024
	var ws *workspace
	for lo := 0; lo < rows; lo += chunk {
		hi := min(lo+chunk, rows)
		if ws == nil || ws.acts[0].RawMatrix().Rows != hi-lo {
			ws = newWorkspace(sizes, hi-lo, false)
		}
		p := n.forward(X.Slice(lo, hi, 0, X.RawMatrix().Cols).(*mat.Dense), ws)
		out.Slice(lo, hi, 0, sizes[len(sizes)-1]).(*mat.Dense).Copy(p)
	}
	return out
}

// clone returns a deep copy of the weights.
func (n *net) clone() *net {
	c := &net{act: n.act, out: n.out}
	for i := range n.coefs {
		c.coefs = append(c.coefs, mat.DenseCopyOf(n.coefs[i]))
		c.intercepts = append(c.intercepts, slices.Clone(n.intercepts[i]))
	}
	return c
}

// params lists the weight slices in order (coefs then intercepts per
// layer), as the optimizers update them.
func (n *net) params() [][]float64 {
	var out [][]float64
	for i := range n.coefs {
		out = append(out, n.coefs[i].RawMatrix().Data, n.intercepts[i])
	}
	return out
}

func gradSlices(gW []*mat.Dense, gb [][]float64) [][]float64 {
	var out [][]float64
	for i := range gW {
		out = append(out, gW[i].RawMatrix().Data, gb[i])
	}
	return out
}

// scorer scores the network on validation data for early stopping:
// accuracy for a classifier, R² for a regressor.
type scorer func(n *net, X *mat.Dense) float64

// train fits n on X and the encoded targets Y (n × outputs) with the
// configured solver.
func train(ctx context.Context, name string, c *config, X, Y *mat.Dense, n *net, rng *rand.Rand, score scorer, valX *mat.Dense) (*net, fitResult, error) {
	res := fitResult{bestLoss: math.Inf(1)}
	if c.solver == "lbfgs" {
		return trainLBFGS(ctx, name, c, X, Y, n, res)
	}
	rep := ml.ProgressFrom(ctx)
	rows, p := X.Dims()
	_, k := Y.Dims()
	sizes := layerSizes(p, c.hidden, k)
	bs := min(200, rows)
	if c.batch > 0 {
		bs = min(max(int(c.batch), 1), rows)
	}
	ws := newWorkspace(sizes, bs, true)
	// The last batch of an epoch is smaller when bs does not divide rows;
	// it gets its own workspace and views of the batch buffers, made once.
	var wsLast *workspace
	var XbLast, YbLast *mat.Dense
	gW := make([]*mat.Dense, len(n.coefs))
	gb := make([][]float64, len(n.coefs))
	for i, W := range n.coefs {
		r, cc := W.Dims()
		gW[i] = mat.NewDense(r, cc, nil)
		gb[i] = make([]float64, cc)
	}
	params := n.params()
	grads := gradSlices(gW, gb)
	opt := newStochastic(c, params)
	idx := make([]int, rows)
	for i := range idx {
		idx[i] = i
	}
	Xb := mat.NewDense(bs, p, nil)
	Yb := mat.NewDense(bs, k, nil)
	bestScore := math.Inf(-1)
	var best *net
	noImprove := 0
	for it := 1; it <= c.maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, res, err
		}
		if c.shuffle {
			rng.Shuffle(rows, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		}
		var acc float64
		for lo := 0; lo < rows; lo += bs {
			hi := min(lo+bs, rows)
			m := hi - lo
			xb, yb, w := Xb, Yb, ws
			if m != bs {
				if wsLast == nil {
					wsLast = newWorkspace(sizes, m, true)
					XbLast = Xb.Slice(0, m, 0, p).(*mat.Dense)
					YbLast = Yb.Slice(0, m, 0, k).(*mat.Dense)
				}
				xb, yb, w = XbLast, YbLast, wsLast
			}
			for r := 0; r < m; r++ {
				xb.SetRow(r, X.RawRowView(idx[lo+r]))
				yb.SetRow(r, Y.RawRowView(idx[lo+r]))
			}
			l := n.lossGrad(xb, yb, c.alpha, w, gW, gb)
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return nil, res, ml.DataErrorf("%s: the loss became %v at iteration %d; lower learning_rate_init or scale the data", name, l, it)
			}
			acc += l * float64(m)
			opt.update(params, grads)
		}
		loss := acc / float64(rows)
		res.lossCurve = append(res.lossCurve, loss)
		res.nIter = it
		opt.t += rows
		opt.iterationEnds()
		lv := loss
		rep.Report(ml.Event{Kind: "iter", Step: it, Total: c.maxIter, Loss: &lv})

		// scikit-learn's _update_no_improvement_count
		if c.early {
			s := score(n, valX)
			res.valScores = append(res.valScores, s)
			if s < bestScore+c.tol {
				noImprove++
			} else {
				noImprove = 0
			}
			if s > bestScore {
				bestScore = s
				best = n.clone()
			}
		} else {
			if loss > res.bestLoss-c.tol {
				noImprove++
			} else {
				noImprove = 0
			}
			if loss < res.bestLoss {
				res.bestLoss = loss
			}
		}
		if noImprove > c.noChange {
			if c.solver == "sgd" && c.lrSched == "adaptive" && opt.lr > 1e-6 {
				opt.lr /= 5
				noImprove = 0
				if opt.lr > 1e-6 {
					continue
				}
			}
			res.converged = true
			break
		}
	}
	if !res.converged {
		rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: stochastic optimizer: maximum iterations (%d) reached and the optimization hasn't converged yet", name, c.maxIter)})
	}
	if c.early && best != nil {
		n = best
	}
	return n, res, nil
}

// stochastic is scikit-learn's SGDOptimizer or AdamOptimizer.
type stochastic struct {
	c          *config
	lr         float64
	t          int // samples seen, for invscaling
	step       int // Adam's update count
	vel, m, v  [][]float64
	adam       bool
	nesterov   bool
	momentum   float64
	sched      string
	powerT     float64
	lrInit     float64
	beta1, b2  float64
	epsilon    float64
	velocities [][]float64
}

func newStochastic(c *config, params [][]float64) *stochastic {
	o := &stochastic{c: c, lr: c.lrInit, lrInit: c.lrInit, adam: c.solver == "adam", nesterov: c.nesterov, momentum: c.momentum,
		sched: c.lrSched, powerT: c.powerT, beta1: c.beta1, b2: c.beta2, epsilon: c.eps}
	for _, p := range params {
		if o.adam {
			o.m = append(o.m, make([]float64, len(p)))
			o.v = append(o.v, make([]float64, len(p)))
		} else {
			o.vel = append(o.vel, make([]float64, len(p)))
		}
	}
	return o
}

// iterationEnds applies the invscaling schedule, as SGDOptimizer does.
func (o *stochastic) iterationEnds() {
	if !o.adam && o.sched == "invscaling" {
		o.lr = o.lrInit / math.Pow(float64(o.t+1), o.powerT)
	}
}

// update applies one step to params from grads.
func (o *stochastic) update(params, grads [][]float64) {
	if o.adam {
		o.step++
		t := float64(o.step)
		lr := o.lrInit * math.Sqrt(1-math.Pow(o.b2, t)) / (1 - math.Pow(o.beta1, t))
		b1, b2, eps := o.beta1, o.b2, o.epsilon
		c1, c2 := 1-b1, 1-b2
		for i, p := range params {
			g, m, v := grads[i], o.m[i], o.v[i]
			m, v = m[:len(p)], v[:len(p)]
			g = g[:len(p)]
			for j := range p {
				mj := b1*m[j] + c1*g[j]
				vj := b2*v[j] + c2*g[j]*g[j]
				m[j], v[j] = mj, vj
				p[j] -= lr * mj / (math.Sqrt(vj) + eps)
			}
		}
		return
	}
	for i, p := range params {
		g, vel := grads[i], o.vel[i]
		for j := range p {
			vel[j] = o.momentum*vel[j] - o.lr*g[j]
			u := vel[j]
			if o.nesterov {
				u = o.momentum*vel[j] - o.lr*g[j]
			}
			p[j] += u
		}
	}
}

// trainLBFGS minimises the full-batch loss over the flattened weights.
func trainLBFGS(ctx context.Context, name string, c *config, X, Y *mat.Dense, n *net, res fitResult) (*net, fitResult, error) {
	rep := ml.ProgressFrom(ctx)
	rows, p := X.Dims()
	_, k := Y.Dims()
	ws := newWorkspace(layerSizes(p, c.hidden, k), rows, true)
	params := n.params()
	total := 0
	for _, q := range params {
		total += len(q)
	}
	gW := make([]*mat.Dense, len(n.coefs))
	gb := make([][]float64, len(n.coefs))
	for i, W := range n.coefs {
		r, cc := W.Dims()
		gW[i] = mat.NewDense(r, cc, nil)
		gb[i] = make([]float64, cc)
	}
	grads := gradSlices(gW, gb)
	unpack := func(x []float64) {
		off := 0
		for _, q := range params {
			copy(q, x[off:off+len(q)])
			off += len(q)
		}
	}
	evals := 0
	fg := func(x, grad []float64) float64 {
		evals++
		unpack(x)
		l := n.lossGrad(X, Y, c.alpha, ws, gW, gb)
		off := 0
		for _, g := range grads {
			copy(grad[off:], g)
			off += len(g)
		}
		return l
	}
	x := make([]float64, total)
	off := 0
	for _, q := range params {
		copy(x[off:], q)
		off += len(q)
	}
	r, err := runLBFGS(ctx, fg, x, c.maxIter, c.maxFun, c.tol, func(it int, f float64) {
		fv := f
		res.lossCurve = append(res.lossCurve, f)
		rep.Report(ml.Event{Kind: "iter", Step: it, Total: c.maxIter, Loss: &fv})
	})
	if err != nil {
		return nil, res, err
	}
	unpack(x)
	res.nIter, res.converged, res.bestLoss = r.NIter, r.Converged, r.F
	if !r.Converged {
		rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("%s: lbfgs failed to converge after %d iterations (%s); increase max_iter or scale the data", name, r.NIter, r.Message)})
	}
	return n, res, nil
}

// validationSplit holds out validation_fraction of the rows for early
// stopping (stratified for a classifier, like scikit-learn), returning the
// row indices of both parts.
func validationSplit(c *config, rows int, strat []float64) (train, val []int, err error) {
	return modelselection.TrainTestSplit(rows, modelselection.Split{TestSize: c.valFrac, RandomState: int64(c.seed), Stratify: strat})
}

func rowsOf(X *mat.Dense, idx []int) *mat.Dense {
	_, p := X.Dims()
	out := mat.NewDense(len(idx), p, nil)
	for i, r := range idx {
		out.SetRow(i, X.RawRowView(r))
	}
	return out
}

// state writes the weights and the training record.
func (n *net) state(st *ml.State, res *fitResult) {
	for i := range n.coefs {
		r, c := n.coefs[i].Dims()
		st.SetFloats(fmt.Sprintf("coefs_.%d", i), n.coefs[i].RawMatrix().Data, r, c)
		st.SetFloats(fmt.Sprintf("intercepts_.%d", i), n.intercepts[i])
	}
	st.SetFloats("loss_curve_", res.lossCurve)
	if res.valScores != nil {
		st.SetFloats("validation_scores_", res.valScores)
	}
	st.SetAttr("n_layers_", len(n.coefs)+1)
	st.SetAttr("n_iter_", res.nIter)
	st.SetAttr("n_features_in_", res.nFeatures)
	st.SetAttr("n_outputs_", res.nOutputs)
	st.SetAttr("out_activation_", n.out)
	st.SetAttr("converged", res.converged)
	var best *float64 // null when early stopping tracked scores instead
	if !math.IsInf(res.bestLoss, 0) && !math.IsNaN(res.bestLoss) {
		best = &res.bestLoss
	}
	st.SetAttr("best_loss_", best)
}

// readState restores the weights written by state for the given layer
// sizes (hidden from the parameters).
func readState(st *ml.State, hidden []int, act string, wantOut []string) (*net, fitResult, error) {
	var res fitResult
	var nl int
	if err := st.Attr("n_layers_", &nl); err != nil {
		return nil, res, err
	}
	if nl != len(hidden)+2 {
		return nil, res, fmt.Errorf("state: n_layers_ %d does not match hidden_layer_sizes %v", nl, hidden)
	}
	if err := st.Attr("n_features_in_", &res.nFeatures); err != nil {
		return nil, res, err
	}
	if err := st.Attr("n_outputs_", &res.nOutputs); err != nil {
		return nil, res, err
	}
	if err := st.Attr("n_iter_", &res.nIter); err != nil {
		return nil, res, err
	}
	if res.nFeatures < 1 || res.nOutputs < 1 || res.nIter < 0 {
		return nil, res, fmt.Errorf("state: n_features_in_ %d, n_outputs_ %d and n_iter_ %d are out of range", res.nFeatures, res.nOutputs, res.nIter)
	}
	if err := st.Attr("out_activation_", &res.outActivate); err != nil {
		return nil, res, err
	}
	if !slices.Contains(wantOut, res.outActivate) {
		return nil, res, fmt.Errorf("state: out_activation_ %q, expected one of %q", res.outActivate, wantOut)
	}
	if err := st.Attr("converged", &res.converged); err != nil {
		return nil, res, err
	}
	var best *float64
	if err := st.Attr("best_loss_", &best); err != nil {
		return nil, res, err
	}
	res.bestLoss = math.Inf(1)
	if best != nil {
		res.bestLoss = *best
	}
	sizes := layerSizes(res.nFeatures, hidden, res.nOutputs)
	n := &net{act: act, out: res.outActivate}
	for i := 0; i+1 < len(sizes); i++ {
		w, _, err := st.Floats(fmt.Sprintf("coefs_.%d", i), sizes[i], sizes[i+1])
		if err != nil {
			return nil, res, err
		}
		b, _, err := st.Floats(fmt.Sprintf("intercepts_.%d", i), sizes[i+1])
		if err != nil {
			return nil, res, err
		}
		for _, v := range slices.Concat(w, b) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, res, fmt.Errorf("state: layer %d has a non-finite weight", i)
			}
		}
		n.coefs = append(n.coefs, mat.NewDense(sizes[i], sizes[i+1], slices.Clone(w)))
		n.intercepts = append(n.intercepts, slices.Clone(b))
	}
	lc, _, err := st.Floats("loss_curve_", -1)
	if err != nil {
		return nil, res, err
	}
	res.lossCurve = slices.Clone(lc)
	if _, ok := st.Arrays["validation_scores_"]; ok {
		vs, _, err := st.Floats("validation_scores_", -1)
		if err != nil {
			return nil, res, err
		}
		res.valScores = slices.Clone(vs)
	}
	return n, res, nil
}

// runLBFGS runs lbfgs.Minimize with scikit-learn's settings (gtol = tol,
// maxiter = max_iter, maxfun = max_fun) and returns the result with the
// final objective. The max_fun budget cancels the run once it is spent; the
// iteration under way then completes, as scipy's check after each iteration.
func runLBFGS(ctx context.Context, fg lbfgs.Func, x []float64, maxIter, maxFun int, gtol float64, onIter func(int, float64)) (lbfgs.Result, error) {
	budget, cancel := context.WithCancel(ctx)
	defer cancel()
	evals := 0
	last := math.NaN()
	counted := func(x, g []float64) float64 {
		evals++
		if evals >= maxFun {
			cancel()
		}
		last = fg(x, g)
		return last
	}
	r, err := lbfgs.Minimize(budget, counted, x, lbfgs.DefaultOptions(maxIter, gtol), onIter)
	if err != nil && ctx.Err() == nil {
		return lbfgs.Result{NIter: r.NIter, F: last, Message: fmt.Sprintf("reached max_fun (%d function evaluations)", maxFun)}, nil
	}
	return r, err
}
