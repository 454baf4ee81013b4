package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/tensor"
)

// rnnKind selects the recurrent cell.
type rnnKind int

const (
	rnnTanh rnnKind = iota
	rnnReLU
	rnnGRU
	rnnLSTM
)

// gates returns how many hidden_size blocks the cell's weights stack.
func (k rnnKind) gates() int {
	switch k {
	case rnnGRU:
		return 3
	case rnnLSTM:
		return 4
	}
	return 1
}

// RNNOptions holds a recurrent layer's keyword arguments besides
// input_size and hidden_size. Its zero value gives PyTorch's defaults: one
// layer, tanh, biases, sequence-first input, no dropout, one direction, and
// the whole output sequence from Forward.
type RNNOptions struct {
	// NumLayers is the number of stacked layers (num_layers); 0 means 1.
	NumLayers int
	// Nonlinearity is "tanh" (the default when empty) or "relu"; only RNN
	// uses it.
	Nonlinearity string
	// NoBias drops the biases (PyTorch's bias=False).
	NoBias bool
	// BatchFirst makes inputs and outputs (batch, seq, feature) instead of
	// (seq, batch, feature). Initial and final states are always
	// (num_layers*num_directions, batch, hidden_size), as in PyTorch.
	BatchFirst bool
	// Dropout is the probability of zeroing each output of every layer but
	// the last in training mode (dropout).
	Dropout float64
	// Bidirectional adds a layer that reads each sequence backwards and
	// concatenates its outputs with the forward one's.
	Bidirectional bool
	// LastStep makes Forward (the Module method) return only the final
	// output, shape (batch, num_directions*hidden_size): the last layer's
	// final hidden state of each direction, i.e. h_n[-D:] concatenated. For
	// one direction that is the output at the last time step; for two it
	// pairs the forward direction's last step with the backward direction's
	// first step (the state after reading the whole reversed sequence), as
	// Keras's return_sequences=False does. It is the spec's
	// "return_sequences": false.
	LastStep bool
}

// RNNWeights holds the parameters of one layer and direction, stacked by
// gate as in PyTorch: weight_ih is (gates*hidden_size, in), weight_hh is
// (gates*hidden_size, hidden_size), the gates being (r, z, n) for a GRU and
// (i, f, g, o) for an LSTM. The biases are nil without bias.
type RNNWeights struct {
	WeightIH, WeightHH, BiasIH, BiasHH *Var
}

// Recurrent is a multi-layer Elman RNN, GRU or LSTM with PyTorch 1.13's
// semantics, made by NewRNN, NewGRU or NewLSTM. For each element of the
// input sequence each layer computes, for an RNN,
//
//	h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)
//
// for a GRU
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h' = (1 - z) ⊙ n + z ⊙ h
//
// and for an LSTM
//
//	i, f, o = σ(W_i* x + b_i* + W_h* h + b_h*), g = tanh(W_ig x + b_ig + W_hg h + b_hg)
//	c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c')
//
// Each time step runs as one GEMM over the batch for all the gates of a
// direction, after one GEMM over the whole sequence for the input part;
// backpropagation through time does the same in reverse and accumulates
// the weight gradients in one GEMM per weight. A Recurrent is safe to call
// several times on one Graph (weight sharing): every call saves its
// activations in the Graph's arena.
//
// The exported fields describe the layer as built. BatchFirst, Dropout and
// LastStep may be changed between calls; the sizes, NumLayers,
// Bidirectional, Bias and Nonlinearity follow from the weights and the
// constructor and must not be.
type Recurrent struct {
	kind rnnKind
	mode
	InputSize, HiddenSize, NumLayers int
	// Nonlinearity is "tanh" or "relu" for an RNN, "tanh" otherwise.
	Nonlinearity string
	Bias         bool
	BatchFirst   bool
	Dropout      float64
	// Bidirectional runs a second, backward direction in every layer.
	Bidirectional bool
	// LastStep makes Forward return only the final output (see
	// RNNOptions.LastStep).
	LastStep bool
	// Weights are indexed by layer*num_directions + direction.
	Weights []RNNWeights
	rng     *rand.Rand
	names   []string // parameter names, 4 per weight set
}

// NewRNN returns an Elman RNN (PyTorch's nn.RNN) with every weight and bias
// drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) by rng. The
// dropout between layers draws from a generator seeded from rng.
func NewRNN(inputSize, hiddenSize int, opt RNNOptions, rng *rand.Rand) (*Recurrent, error) {
	kind := rnnTanh
	switch opt.Nonlinearity {
	case "", "tanh":
	case "relu":
		kind = rnnReLU
	default:
		return nil, fmt.Errorf("RNN: nonlinearity is %q, expected \"tanh\" or \"relu\"", opt.Nonlinearity)
	}
	return newRecurrent(kind, inputSize, hiddenSize, opt, rng)
}

// NewGRU returns a GRU (PyTorch's nn.GRU) initialised like NewRNN.
func NewGRU(inputSize, hiddenSize int, opt RNNOptions, rng *rand.Rand) (*Recurrent, error) {
	if opt.Nonlinearity != "" && opt.Nonlinearity != "tanh" {
		return nil, fmt.Errorf("GRU: nonlinearity is %q, only RNN takes one", opt.Nonlinearity)
	}
	return newRecurrent(rnnGRU, inputSize, hiddenSize, opt, rng)
}

// NewLSTM returns an LSTM (PyTorch's nn.LSTM, without proj_size)
// initialised like NewRNN.
func NewLSTM(inputSize, hiddenSize int, opt RNNOptions, rng *rand.Rand) (*Recurrent, error) {
	if opt.Nonlinearity != "" && opt.Nonlinearity != "tanh" {
		return nil, fmt.Errorf("LSTM: nonlinearity is %q, only RNN takes one", opt.Nonlinearity)
	}
	return newRecurrent(rnnLSTM, inputSize, hiddenSize, opt, rng)
}

func newRecurrent(kind rnnKind, in, hidden int, opt RNNOptions, rng *rand.Rand) (*Recurrent, error) {
	m, err := recurrentShell(kind, in, hidden, opt)
	if err != nil {
		return nil, err
	}
	m.allocate(rng)
	return m, nil
}

// recurrentShell checks the arguments and returns the layer without weights.
func recurrentShell(kind rnnKind, in, hidden int, opt RNNOptions) (*Recurrent, error) {
	m := &Recurrent{kind: kind, InputSize: in, HiddenSize: hidden, NumLayers: opt.NumLayers,
		Nonlinearity: "tanh", Bias: !opt.NoBias, BatchFirst: opt.BatchFirst, Dropout: opt.Dropout,
		Bidirectional: opt.Bidirectional, LastStep: opt.LastStep}
	if kind == rnnReLU {
		m.Nonlinearity = "relu"
	}
	if m.NumLayers == 0 {
		m.NumLayers = 1
	}
	name := m.Name()
	switch {
	case in < 1 || hidden < 1:
		return nil, fmt.Errorf("%s: input_size %d and hidden_size %d must be positive", name, in, hidden)
	case m.NumLayers < 1:
		return nil, fmt.Errorf("%s: num_layers is %d, expected a positive integer", name, m.NumLayers)
	case !(m.Dropout >= 0 && m.Dropout <= 1):
		return nil, fmt.Errorf("%s: dropout is %v, expected a probability in [0, 1]", name, m.Dropout)
	}
	return m, nil
}

// allocate draws the weights of a layer described by its fields.
func (m *Recurrent) allocate(rng *rand.Rand) {
	hidden := m.HiddenSize
	D, G := m.directions(), m.kind.gates()*hidden
	bound := 1 / math.Sqrt(float64(hidden))
	for l := 0; l < m.NumLayers; l++ {
		lin := m.InputSize
		if l > 0 {
			lin = D * hidden
		}
		for d := 0; d < D; d++ {
			w := RNNWeights{WeightIH: NewParam(tensor.New(G, lin)), WeightHH: NewParam(tensor.New(G, hidden))}
			if m.Bias {
				w.BiasIH, w.BiasHH = NewParam(tensor.New(G)), NewParam(tensor.New(G))
			}
			// PyTorch's reset_parameters: every parameter in registration
			// order from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
			for _, v := range []*Var{w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH} {
				if v != nil {
					Uniform(v.Data, -bound, bound, rng)
				}
			}
			m.Weights = append(m.Weights, w)
		}
	}
	m.rng = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	m.names = rnnParamNames(len(m.Weights), D)
}

// sizes counts the parameters allocate makes.
func (m *Recurrent) sizes() (params, buffers int64) {
	D, H := int64(m.directions()), int64(m.HiddenSize)
	G := budget.Mul(int64(m.kind.gates()), H)
	for l := 0; l < m.NumLayers; l++ {
		lin := int64(m.InputSize)
		if l > 0 {
			lin = budget.Mul(D, H)
		}
		per := budget.Add(budget.Mul(G, lin), budget.Mul(G, H))
		if m.Bias {
			per = budget.Add(per, budget.Mul(2, G))
		}
		params = budget.Add(params, budget.Mul(D, per))
	}
	return params, 0
}

// workspace counts the elements a training step keeps per sample besides
// the output: every layer's gates and states at every time step.
func (m *Recurrent) workspace(in, out []int) int64 {
	steps := int64(1)
	if len(in) >= 2 {
		steps = int64(in[len(in)-2])
		if len(in) == 3 && !m.BatchFirst {
			steps = int64(in[0])
		}
	}
	perStep := budget.Mul(int64(m.directions()), int64(m.kind.gates()+2), int64(m.HiddenSize))
	return budget.Mul(int64(m.NumLayers), steps, perStep)
}

// directions returns 2 for a bidirectional layer, else 1.
func (m *Recurrent) directions() int {
	if m.Bidirectional {
		return 2
	}
	return 1
}

// Name returns the PyTorch class name: "RNN", "GRU" or "LSTM".
func (m *Recurrent) Name() string {
	switch m.kind {
	case rnnGRU:
		return "GRU"
	case rnnLSTM:
		return "LSTM"
	}
	return "RNN"
}

// Parameters returns the weights under PyTorch's names: weight_ih_l0,
// weight_hh_l0, bias_ih_l0, bias_hh_l0, then the same with a "_reverse"
// suffix for the backward direction, layer by layer.
func (m *Recurrent) Parameters() []Param {
	if len(m.names) != 4*len(m.Weights) {
		m.names = rnnParamNames(len(m.Weights), m.directions())
	}
	out := make([]Param, 0, 4*len(m.Weights))
	for i, w := range m.Weights {
		nm := m.names[4*i : 4*i+4]
		out = append(out, Param{Name: nm[0], Var: w.WeightIH, Trainable: true},
			Param{Name: nm[1], Var: w.WeightHH, Trainable: true})
		if w.BiasIH != nil {
			out = append(out, Param{Name: nm[2], Var: w.BiasIH, Trainable: true},
				Param{Name: nm[3], Var: w.BiasHH, Trainable: true})
		}
	}
	return out
}

// rnnParamNames returns the four parameter names of each of n weight sets,
// D directions per layer.
func rnnParamNames(n, D int) []string {
	names := make([]string, 0, 4*n)
	for i := 0; i < n; i++ {
		sfx := fmt.Sprintf("_l%d", i/D)
		if i%D == 1 {
			sfx += "_reverse"
		}
		names = append(names, "weight_ih"+sfx, "weight_hh"+sfx, "bias_ih"+sfx, "bias_hh"+sfx)
	}
	return names
}

// expected describes the accepted input shapes for error messages.
func (m *Recurrent) expected() string {
	if m.BatchFirst {
		return fmt.Sprintf("(batch, seq, %d) or unbatched (seq, %d)", m.InputSize, m.InputSize)
	}
	return fmt.Sprintf("(seq, batch, %d) or unbatched (seq, %d)", m.InputSize, m.InputSize)
}

// OutShape returns the output shape for an input of shape in: the input's
// shape with the last dimension replaced by num_directions*hidden_size, or
// (batch, num_directions*hidden_size) with LastStep ((num_directions*
// hidden_size) for an unbatched input).
func (m *Recurrent) OutShape(in []int) ([]int, error) {
	if (len(in) != 3 && len(in) != 2) || in[len(in)-1] != m.InputSize {
		return nil, shapeErr(m.Name(), m.expected(), in)
	}
	for _, v := range in {
		if v < 1 {
			return nil, fmt.Errorf("%s expects a non-empty input of shape %s, got %v", m.Name(), m.expected(), in)
		}
	}
	DH := m.directions() * m.HiddenSize
	if m.LastStep {
		switch {
		case len(in) == 2:
			return []int{DH}, nil
		case m.BatchFirst:
			return []int{in[0], DH}, nil
		}
		return []int{in[1], DH}, nil
	}
	out := append([]int(nil), in...)
	out[len(out)-1] = DH
	return out, nil
}

// Forward runs the layer from zero initial states and returns the output
// sequence, or with LastStep the final output (see RNNOptions.LastStep).
func (m *Recurrent) Forward(g *Graph, x *Var) *Var {
	out, _, _ := m.ForwardState(g, x, nil, nil)
	if !m.LastStep || g.err != nil {
		return out
	}
	return g.rnnLast(m, out)
}

// ForwardState runs the layer like PyTorch's forward(input, hx) and returns
// the output sequence (seq, batch, D*hidden_size) ((batch, seq, ...) with
// BatchFirst, (seq, D*hidden_size) for an unbatched input), the final
// hidden state h_n (num_layers*D, batch, hidden_size) and, for an LSTM, the
// final cell state c_n (nil otherwise). h0 and c0 are the initial states,
// shaped like h_n and c_n; nil means zeros. c0 must be nil except for an
// LSTM. Gradients flow to x, h0, c0 and the weights. Errors (shapes) are
// recorded on g, as for every operation.
func (m *Recurrent) ForwardState(g *Graph, x, h0, c0 *Var) (out, hn, cn *Var) {
	main := g.recurrent(m, x, h0, c0)
	if g.err != nil {
		return main, main, nil
	}
	hn = g.rnnState(main, 0)
	if m.kind == rnnLSTM {
		cn = g.rnnState(main, 1)
	}
	return main, hn, cn
}

// rnnDims are the sizes of one call and the offsets of its saved
// activations in the workspace (a single arena buffer, so a call allocates
// nothing once the arena has grown).
type rnnDims struct {
	kind                           rnnKind
	T, B, I, H, D, L, G, N, DH     int
	transposed, unbatched, dropout bool
	per, yOff, maskOff, cellOff    int
	zeroOff, total                 int
}

const (
	rnnFlagTransposed = 1 << iota
	rnnFlagUnbatched
	rnnFlagDropout
)

func newRNNDims(m *Recurrent, T, B int, flags int) rnnDims {
	d := rnnDims{kind: m.kind, T: T, B: B, I: m.InputSize, H: m.HiddenSize, D: m.directions(), L: m.NumLayers,
		transposed: flags&rnnFlagTransposed != 0, unbatched: flags&rnnFlagUnbatched != 0, dropout: flags&rnnFlagDropout != 0}
	d.G = m.kind.gates() * d.H
	d.N = T * B
	d.DH = d.D * d.H
	if d.transposed {
		d.yOff = d.N * d.I
	}
	d.maskOff = d.yOff + d.L*d.N*d.DH
	d.cellOff = d.maskOff
	if d.dropout {
		d.cellOff += 2 * (d.L - 1) * d.N * d.DH
	}
	d.per = d.N * d.G
	switch m.kind {
	case rnnLSTM:
		d.per += 2 * d.N * d.H
	case rnnGRU:
		d.per += d.N * d.G
	}
	d.zeroOff = d.cellOff + d.L*d.D*d.per
	d.total = d.zeroOff + d.B*d.H
	return d
}

// y returns layer l's output sequence, time-major (N, D*H).
func (d *rnnDims) y(ws []float32, l int) []float32 {
	o := d.yOff + l*d.N*d.DH
	return ws[o : o+d.N*d.DH]
}

// mask and xin return the dropout mask on layer l-1's output and layer l's
// input after dropout (l >= 1).
func (d *rnnDims) mask(ws []float32, l int) []float32 {
	o := d.maskOff + 2*(l-1)*d.N*d.DH
	return ws[o : o+d.N*d.DH]
}

func (d *rnnDims) xin(ws []float32, l int) []float32 {
	o := d.maskOff + (2*(l-1)+1)*d.N*d.DH
	return ws[o : o+d.N*d.DH]
}

// cell returns layer l, direction dir's saved gates (N, G) and its extra
// buffer: the cell states and their tanh (2 x (N, H)) for an LSTM, the
// hidden projections W_hh h + b_hh (N, G) for a GRU.
func (d *rnnDims) cell(ws []float32, l, dir int) (gates, extra []float32) {
	o := d.cellOff + (l*d.D+dir)*d.per
	return ws[o : o+d.N*d.G], ws[o+d.N*d.G : o+d.per]
}

// input returns layer l's input sequence (N, in) and its width.
func (d *rnnDims) input(ws, x []float32, l int) ([]float32, int) {
	switch {
	case l > 0 && d.dropout:
		return d.xin(ws, l), d.DH
	case l > 0:
		return d.y(ws, l-1), d.DH
	case d.transposed:
		return ws[:d.N*d.I], d.I
	}
	return x, d.I
}

// step returns the time index of the s-th step of direction dir.
func (d *rnnDims) step(dir, s int) int {
	if dir == 1 {
		return d.T - 1 - s
	}
	return s
}

// swap01 writes dst (b, a, f) = src (a, b, f), adding when acc.
func swap01(dst, src []float32, a, b, f int, acc bool) {
	for i := 0; i < a; i++ {
		for j := 0; j < b; j++ {
			s := src[(i*b+j)*f : (i*b+j+1)*f]
			t := dst[(j*a+i)*f : (j*a+i+1)*f]
			if acc {
				axpy(t, 1, s)
			} else {
				copy(t, s)
			}
		}
	}
}

// recurrent records the whole multi-layer recurrence as one node whose
// data is the output sequence; h_n and c_n are read from it by rnnState.
func (g *Graph) recurrent(m *Recurrent, x, h0, c0 *Var) *Var {
	if g.err != nil {
		return g.deadVar()
	}
	name := m.Name()
	xs := x.Data.Shape
	if (len(xs) != 3 && len(xs) != 2) || xs[len(xs)-1] != m.InputSize || len(x.Data.Data) == 0 {
		return g.fail("%s: input of shape %v, expected a non-empty %s", name, xs, m.expected())
	}
	D := m.directions()
	if m.NumLayers < 1 || len(m.Weights) != m.NumLayers*D {
		return g.fail("%s: %d weight sets for num_layers %d and %d directions", name, len(m.Weights), m.NumLayers, D)
	}
	var T, B, flags int
	switch {
	case len(xs) == 2:
		T, B, flags = xs[0], 1, rnnFlagUnbatched
	case m.BatchFirst:
		T, B, flags = xs[1], xs[0], rnnFlagTransposed
	default:
		T, B = xs[0], xs[1]
	}
	for i, s := range []*Var{h0, c0} {
		if s == nil {
			continue
		}
		what := [2]string{"h0", "c0"}[i]
		if i == 1 && m.kind != rnnLSTM {
			return g.fail("%s: got an initial cell state c0, only LSTM has one", name)
		}
		ok := len(s.Data.Data) == m.NumLayers*D*B*m.HiddenSize
		if flags&rnnFlagUnbatched != 0 {
			ok = ok && len(s.Data.Shape) == 2
			if !ok {
				return g.fail("%s: %s of shape %v, expected (%d, %d) for an unbatched input", name, what, s.Data.Shape, m.NumLayers*D, m.HiddenSize)
			}
		} else if ok = ok && len(s.Data.Shape) == 3 && s.Data.Shape[1] == B; !ok {
			return g.fail("%s: %s of shape %v, expected (%d, %d, %d)", name, what, s.Data.Shape, m.NumLayers*D, B, m.HiddenSize)
		}
	}
	if m.Dropout > 0 && m.NumLayers > 1 && m.Training() {
		flags |= rnnFlagDropout
	}
	d := newRNNDims(m, T, B, flags)
	ws := g.buf(d.total).Data
	clear(ws[d.zeroOff:])
	xd := x.Data.Data
	if d.transposed {
		swap01(ws[:d.N*d.I], xd, B, T, d.I, false)
	}
	rng := m.rng
	if d.dropout && rng == nil {
		m.rng = rand.New(rand.NewPCG(0, 0))
		rng = m.rng
	}
	for l := 0; l < d.L; l++ {
		if l > 0 && d.dropout {
			mask, xin, y := d.mask(ws, l), d.xin(ws, l), d.y(ws, l-1)
			scale := float32(0)
			if m.Dropout < 1 {
				scale = float32(1 / (1 - m.Dropout))
			}
			for i := range mask {
				if rng.Float64() < m.Dropout {
					mask[i] = 0
				} else {
					mask[i] = scale
				}
				xin[i] = y[i] * mask[i]
			}
		}
		for dir := 0; dir < d.D; dir++ {
			rnnForwardDir(&d, m, ws, xd, h0, c0, l, dir)
		}
	}
	out := g.buf(d.N * d.DH)
	out.Shape = append(out.Shape[:0], xs...)
	out.Shape[len(xs)-1] = d.DH
	top := d.y(ws, d.L-1)
	if d.transposed {
		swap01(out.Data, top, T, B, d.DH, false)
	} else {
		copy(out.Data, top)
	}
	n := g.newNode(out, nil, nil, nil, nil)
	n.ctx = m
	n.s1 = g.view(ws, []int{d.total})
	n.ints[0], n.ints[1], n.ints[2] = T, B, flags
	if !g.noGrad {
		req := x.requiresGrad || (h0 != nil && h0.requiresGrad) || (c0 != nil && c0.requiresGrad)
		for _, p := range m.Weights {
			req = req || p.WeightIH.requiresGrad || p.WeightHH.requiresGrad ||
				(p.BiasIH != nil && (p.BiasIH.requiresGrad || p.BiasHH.requiresGrad))
		}
		if req {
			n.requiresGrad = true
			n.back, n.a, n.b, n.c = rnnBack, x, h0, c0
			// Gradients arriving at h_n and c_n, consumed (and cleared) by
			// rnnBack.
			n.s2 = g.zbuf(2 * d.L * d.D * B * d.H)
		}
	}
	return n
}

// initState returns the initial state slice (B, H) of layer l, direction
// dir: from s or the workspace's zeros.
func (d *rnnDims) initState(ws []float32, s *Var, l, dir int) []float32 {
	if s == nil {
		return ws[d.zeroOff : d.zeroOff+d.B*d.H]
	}
	o := (l*d.D + dir) * d.B * d.H
	return s.Data.Data[o : o+d.B*d.H]
}

// rnnForwardDir runs layer l, direction dir over the sequence.
func rnnForwardDir(d *rnnDims, m *Recurrent, ws, xd []float32, h0, c0 *Var, l, dir int) {
	w := m.Weights[l*d.D+dir]
	X, in := d.input(ws, xd, l)
	Y := d.y(ws, l)
	gates, extra := d.cell(ws, l, dir)
	B, H, G, N, DH := d.B, d.H, d.G, d.N, d.DH
	// Input part of every step at once: gates = X W_ihᵀ + b_ih (+ b_hh
	// except for a GRU, whose b_hn sits inside r ⊙ (...)).
	beta := float32(0)
	if w.BiasIH != nil {
		bi, bh := w.BiasIH.Data.Data, w.BiasHH.Data.Data
		row := gates[:G]
		if d.kind == rnnGRU {
			copy(row, bi)
		} else {
			addTo(row, bi, bh)
		}
		for r := 1; r < N; r++ {
			copy(gates[r*G:(r+1)*G], row)
		}
		beta = 1
	}
	tensor.Gemm(false, true, N, G, in, 1, X, in, w.WeightIH.Data.Data, in, beta, gates, G)
	whh := w.WeightHH.Data.Data
	hInit := d.initState(ws, h0, l, dir)
	var cInit, C, TC []float32
	if d.kind == rnnLSTM {
		cInit = d.initState(ws, c0, l, dir)
		C, TC = extra[:N*H], extra[N*H:]
	}
	for s := 0; s < d.T; s++ {
		t := d.step(dir, s)
		hp, ldh := hInit, H
		if s > 0 {
			hp, ldh = Y[d.step(dir, s-1)*B*DH+dir*H:], DH
		}
		gt := gates[t*B*G : (t+1)*B*G]
		yt := Y[t*B*DH+dir*H:]
		switch d.kind {
		case rnnTanh, rnnReLU:
			tensor.Gemm(false, true, B, G, H, 1, hp, ldh, whh, H, 1, gt, G)
			for b := 0; b < B; b++ {
				dst, src := yt[b*DH:b*DH+H], gt[b*H:(b+1)*H]
				if d.kind == rnnTanh {
					tensor.Tanh(dst, src)
				} else {
					tensor.ReLU(dst, src)
				}
			}
		case rnnGRU:
			hw := extra[t*B*G : (t+1)*B*G]
			if w.BiasHH != nil {
				for b := 0; b < B; b++ {
					copy(hw[b*G:(b+1)*G], w.BiasHH.Data.Data)
				}
				tensor.Gemm(false, true, B, G, H, 1, hp, ldh, whh, H, 1, hw, G)
			} else {
				tensor.Gemm(false, true, B, G, H, 1, hp, ldh, whh, H, 0, hw, G)
			}
			for b := 0; b < B; b++ {
				gr, hr := gt[b*G:(b+1)*G], hw[b*G:(b+1)*G]
				rz := gr[:2*H]
				addTo(rz, rz, hr[:2*H])
				tensor.Sigmoid(rz, rz)
				r, z, nn, hn := gr[:H], gr[H:2*H], gr[2*H:3*H], hr[2*H:3*H]
				for j := range nn {
					nn[j] += r[j] * hn[j]
				}
				tensor.Tanh(nn, nn)
				h, hprev := yt[b*DH:b*DH+H], hp[b*ldh:b*ldh+H]
				for j := range h {
					h[j] = nn[j] + z[j]*(hprev[j]-nn[j])
				}
			}
		case rnnLSTM:
			tensor.Gemm(false, true, B, G, H, 1, hp, ldh, whh, H, 1, gt, G)
			cp := cInit
			if s > 0 {
				cp = C[d.step(dir, s-1)*B*H:]
			}
			ct, tct := C[t*B*H:(t+1)*B*H], TC[t*B*H:(t+1)*B*H]
			for b := 0; b < B; b++ {
				gr := gt[b*G : (b+1)*G]
				tensor.Sigmoid(gr[:2*H], gr[:2*H])
				tensor.Tanh(gr[2*H:3*H], gr[2*H:3*H])
				tensor.Sigmoid(gr[3*H:], gr[3*H:])
				i, f, gg, o := gr[:H], gr[H:2*H], gr[2*H:3*H], gr[3*H:]
				c, cprev, tc, h := ct[b*H:(b+1)*H], cp[b*H:(b+1)*H], tct[b*H:(b+1)*H], yt[b*DH:b*DH+H]
				for j := range c {
					c[j] = f[j]*cprev[j] + i[j]*gg[j]
				}
				tensor.Tanh(tc, c)
				for j := range h {
					h[j] = o[j] * tc[j]
				}
			}
		}
	}
}

// lastT returns the time index of direction dir's final state.
func (d *rnnDims) lastT(dir int) int {
	if dir == 1 {
		return 0
	}
	return d.T - 1
}

// rnnState records h_n (which 0) or c_n (which 1) of the recurrence main.
func (g *Graph) rnnState(main *Var, which int) *Var {
	m := main.ctx.(*Recurrent)
	d := newRNNDims(m, main.ints[0], main.ints[1], main.ints[2])
	ws := main.s1.Data
	st := g.buf(d.L * d.D * d.B * d.H)
	if d.unbatched {
		st.Shape = append(st.Shape[:0], d.L*d.D, d.H)
	} else {
		st.Shape = append(st.Shape[:0], d.L*d.D, d.B, d.H)
	}
	BH := d.B * d.H
	for l := 0; l < d.L; l++ {
		for dir := 0; dir < d.D; dir++ {
			dst := st.Data[(l*d.D+dir)*BH : (l*d.D+dir+1)*BH]
			t := d.lastT(dir)
			if which == 0 {
				y := d.y(ws, l)[t*d.B*d.DH+dir*d.H:]
				for b := 0; b < d.B; b++ {
					copy(dst[b*d.H:(b+1)*d.H], y[b*d.DH:b*d.DH+d.H])
				}
			} else {
				_, extra := d.cell(ws, l, dir)
				copy(dst, extra[t*BH:(t+1)*BH])
			}
		}
	}
	n := g.newNode(st, rnnStateBack, main, nil, nil)
	n.ints[0] = which
	return n
}

func rnnStateBack(n *Var) {
	main := n.a
	main.grad() // the recurrence's backward must run even if its output is unused
	k := len(n.Grad.Data)
	axpy(main.s2.Data[n.ints[0]*k:(n.ints[0]+1)*k], 1, n.Grad.Data)
}

// rnnLast records the final output of each direction of the recurrence
// main's last layer: (batch, D*hidden_size), or (D*hidden_size) unbatched.
func (g *Graph) rnnLast(m *Recurrent, main *Var) *Var {
	d := newRNNDims(m, main.ints[0], main.ints[1], main.ints[2])
	o := g.buf(d.B * d.DH)
	if d.unbatched {
		o.Shape = append(o.Shape[:0], d.DH)
	} else {
		o.Shape = append(o.Shape[:0], d.B, d.DH)
	}
	rnnLastMap(&d, main.Data.Data, o.Data, false)
	n := g.newNode(o, rnnLastBack, main, nil, nil)
	n.ctx = m
	n.ints = main.ints
	return n
}

// rnnLastMap copies the final outputs from the sequence seq to last, or
// (back) adds last into seq.
func rnnLastMap(d *rnnDims, seq, last []float32, back bool) {
	for dir := 0; dir < d.D; dir++ {
		t := d.lastT(dir)
		for b := 0; b < d.B; b++ {
			row := t*d.B + b
			if d.transposed {
				row = b*d.T + t
			}
			s := seq[row*d.DH+dir*d.H : row*d.DH+(dir+1)*d.H]
			l := last[b*d.DH+dir*d.H : b*d.DH+(dir+1)*d.H]
			if back {
				axpy(s, 1, l)
			} else {
				copy(l, s)
			}
		}
	}
}

func rnnLastBack(n *Var) {
	d := newRNNDims(n.ctx.(*Recurrent), n.ints[0], n.ints[1], n.ints[2])
	rnnLastMap(&d, n.a.grad(), n.Grad.Data, true)
}

// rnnBack is backpropagation through time over every layer and direction.
func rnnBack(n *Var) {
	m := n.ctx.(*Recurrent)
	d := newRNNDims(m, n.ints[0], n.ints[1], n.ints[2])
	g := n.g
	ws := n.s1.Data
	x, h0, c0 := n.a, n.b, n.c
	N, B, H, G, DH, D, L := d.N, d.B, d.H, d.G, d.DH, d.D, d.L
	// Gradient of the top layer's output sequence, time-major.
	dY := n.Grad.Data
	if d.transposed {
		t := g.buf(N * DH).Data
		swap01(t, dY, B, d.T, DH, false)
		dY = t
	}
	dGi := g.buf(N * G).Data
	dGh := dGi
	if d.kind == rnnGRU {
		dGh = g.buf(N * G).Data
	}
	dh := g.buf(B * H).Data
	dc := g.buf(B * H).Data
	dstate := n.s2.Data
	BH := B * H
	for l := L - 1; l >= 0; l-- {
		X, in := d.input(ws, x.Data.Data, l)
		// dX receives the gradient of layer l's input.
		var dX []float32
		switch {
		case l > 0:
			dX = g.zbuf(N * DH).Data
		case x.requiresGrad && d.transposed:
			dX = g.zbuf(N * d.I).Data
		case x.requiresGrad:
			dX = x.grad()
		}
		Y := d.y(ws, l)
		for dir := 0; dir < D; dir++ {
			k := l*D + dir
			w := m.Weights[k]
			copy(dh, dstate[k*BH:(k+1)*BH])
			copy(dc, dstate[(L*D+k)*BH:(L*D+k+1)*BH])
			rnnBackDir(&d, w, ws, dY, Y, dGi, dGh, dh, dc, h0, c0, l, dir)
			if h0 != nil && h0.requiresGrad {
				axpy(h0.grad()[k*BH:(k+1)*BH], 1, dh)
			}
			if c0 != nil && c0.requiresGrad {
				axpy(c0.grad()[k*BH:(k+1)*BH], 1, dc)
			}
			// Weight gradients, one GEMM each over the whole sequence.
			if w.WeightIH.requiresGrad {
				tensor.Gemm(true, false, G, in, N, 1, dGi, G, X, in, 1, w.WeightIH.grad(), in)
			}
			if w.WeightHH.requiresGrad {
				gw := w.WeightHH.grad()
				// Step t's previous state is the output at t-1 (forward) or
				// t+1 (backward), or the initial state at the first step.
				if d.T > 1 {
					if dir == 0 {
						tensor.Gemm(true, false, G, H, N-B, 1, dGh[B*G:], G, Y[dir*H:], DH, 1, gw, H)
					} else {
						tensor.Gemm(true, false, G, H, N-B, 1, dGh, G, Y[B*DH+dir*H:], DH, 1, gw, H)
					}
				}
				if h0 != nil {
					t0 := d.step(dir, 0)
					tensor.Gemm(true, false, G, H, B, 1, dGh[t0*B*G:], G, d.initState(ws, h0, l, dir), H, 1, gw, H)
				}
			}
			if w.BiasIH != nil && w.BiasIH.requiresGrad {
				tensor.SumRowsInto(w.BiasIH.grad(), dGi)
			}
			if w.BiasHH != nil && w.BiasHH.requiresGrad {
				tensor.SumRowsInto(w.BiasHH.grad(), dGh)
			}
			if dX != nil {
				tensor.Gemm(false, false, N, in, G, 1, dGi, G, w.WeightIH.Data.Data, in, 1, dX, in)
			}
		}
		switch {
		case l > 0:
			if d.dropout {
				mask := d.mask(ws, l)
				for i := range dX {
					dX[i] *= mask[i]
				}
			}
			dY = dX
		case dX != nil && d.transposed:
			swap01(x.grad(), dX, d.T, B, d.I, true)
		}
	}
	clear(dstate)
}

// rnnBackDir backpropagates layer l, direction dir through time. On entry
// dh and dc hold the gradients of the final states; on return they hold
// those of the initial states, and dGi/dGh the gradients of the gates'
// pre-activations (input and hidden parts; the same buffer except for a
// GRU).
func rnnBackDir(d *rnnDims, w RNNWeights, ws, dY, Y, dGi, dGh, dh, dc []float32, h0, c0 *Var, l, dir int) {
	B, H, G, DH := d.B, d.H, d.G, d.DH
	gates, extra := d.cell(ws, l, dir)
	whh := w.WeightHH.Data.Data
	hInit := d.initState(ws, h0, l, dir)
	var cInit, C, TC []float32
	if d.kind == rnnLSTM {
		cInit = d.initState(ws, c0, l, dir)
		C, TC = extra[:d.N*H], extra[d.N*H:]
	}
	for s := d.T - 1; s >= 0; s-- {
		t := d.step(dir, s)
		yt, dyt := Y[t*B*DH+dir*H:], dY[t*B*DH+dir*H:]
		for b := 0; b < B; b++ {
			axpy(dh[b*H:(b+1)*H], 1, dyt[b*DH:b*DH+H])
		}
		gt := gates[t*B*G : (t+1)*B*G]
		dgi, dgh := dGi[t*B*G:(t+1)*B*G], dGh[t*B*G:(t+1)*B*G]
		switch d.kind {
		case rnnTanh, rnnReLU:
			for b := 0; b < B; b++ {
				h, gh, dst := yt[b*DH:b*DH+H], dh[b*H:(b+1)*H], dgi[b*H:(b+1)*H]
				if d.kind == rnnTanh {
					for j, v := range h {
						dst[j] = gh[j] * (1 - v*v)
					}
				} else {
					for j, v := range h {
						if v > 0 {
							dst[j] = gh[j]
						} else {
							dst[j] = 0
						}
					}
				}
			}
			tensor.Gemm(false, false, B, H, G, 1, dgi, G, whh, H, 0, dh, H)
		case rnnGRU:
			hw := extra[t*B*G : (t+1)*B*G]
			hp, ldh := hInit, H
			if s > 0 {
				hp, ldh = Y[d.step(dir, s-1)*B*DH+dir*H:], DH
			}
			for b := 0; b < B; b++ {
				gr, hr, di, dhh := gt[b*G:(b+1)*G], hw[b*G:(b+1)*G], dgi[b*G:(b+1)*G], dgh[b*G:(b+1)*G]
				r, z, nn, hn := gr[:H], gr[H:2*H], gr[2*H:3*H], hr[2*H:3*H]
				hprev, gh := hp[b*ldh:b*ldh+H], dh[b*H:(b+1)*H]
				for j := range gh {
					g := gh[j]
					dnp := g * (1 - z[j]) * (1 - nn[j]*nn[j])
					dzp := g * (hprev[j] - nn[j]) * z[j] * (1 - z[j])
					drp := dnp * hn[j] * r[j] * (1 - r[j])
					di[j], di[H+j], di[2*H+j] = drp, dzp, dnp
					dhh[j], dhh[H+j], dhh[2*H+j] = drp, dzp, dnp*r[j]
					gh[j] = g * z[j]
				}
			}
			tensor.Gemm(false, false, B, H, G, 1, dgh, G, whh, H, 1, dh, H)
		case rnnLSTM:
			cp := cInit
			if s > 0 {
				cp = C[d.step(dir, s-1)*B*H:]
			}
			for b := 0; b < B; b++ {
				gr, dg := gt[b*G:(b+1)*G], dgi[b*G:(b+1)*G]
				i, f, gg, o := gr[:H], gr[H:2*H], gr[2*H:3*H], gr[3*H:]
				tc, cprev := TC[(t*B+b)*H:(t*B+b+1)*H], cp[b*H:(b+1)*H]
				gh, gc := dh[b*H:(b+1)*H], dc[b*H:(b+1)*H]
				for j := range gh {
					g := gh[j]
					dcv := gc[j] + g*o[j]*(1-tc[j]*tc[j])
					dg[j] = dcv * gg[j] * i[j] * (1 - i[j])
					dg[H+j] = dcv * cprev[j] * f[j] * (1 - f[j])
					dg[2*H+j] = dcv * i[j] * (1 - gg[j]*gg[j])
					dg[3*H+j] = g * tc[j] * o[j] * (1 - o[j])
					gc[j] = dcv * f[j]
				}
			}
			tensor.Gemm(false, false, B, H, G, 1, dgi, G, whh, H, 0, dh, H)
		}
	}
}

// recurrentHead and recurrentTail are the keyword arguments RNN, GRU and
// LSTM share, in PyTorch's order (RNN's nonlinearity goes between them).
type recurrentHead struct {
	InputSize  int `json:"input_size" auto:"true" min:"1" help:"features of each time step"`
	HiddenSize int `json:"hidden_size" required:"true" min:"1" help:"features of the hidden state"`
	NumLayers  int `json:"num_layers" min:"1" help:"stacked recurrent layers"`
}

type recurrentTail struct {
	Bias            bool    `json:"bias" help:"learn biases"`
	BatchFirst      bool    `json:"batch_first" help:"inputs are (N, L, H) rather than (L, N, H)"`
	Dropout         float64 `json:"dropout" min:"0" max:"1" help:"dropout between stacked layers"`
	Bidirectional   bool    `json:"bidirectional" help:"run in both directions"`
	ReturnSequences bool    `json:"return_sequences" help:"false: hand only the final output (N, D·hidden_size) to the next layer"`
}

// RNNParams are torch.nn.RNN's keyword arguments, with return_sequences.
type RNNParams struct {
	recurrentHead
	Nonlinearity string `json:"nonlinearity" enum:"tanh,relu" help:"activation of the recurrence"`
	recurrentTail
}

// GRUParams are torch.nn.GRU's keyword arguments, with return_sequences.
type GRUParams struct {
	recurrentHead
	recurrentTail
}

// LSTMParams are torch.nn.LSTM's keyword arguments, with
// return_sequences; projections (proj_size > 0) are not supported.
type LSTMParams struct {
	recurrentHead
	recurrentTail
	ProjSize int `json:"proj_size" min:"0" max:"0" help:"LSTM projection size: only 0 (no projection) is supported"`
}

var (
	recurrentHeadDefaults = recurrentHead{NumLayers: 1}
	recurrentTailDefaults = recurrentTail{Bias: true, ReturnSequences: true}
)

// buildRecurrent builds a recurrent layer without weights.
func buildRecurrent(kind rnnKind, h recurrentHead, t recurrentTail, c *layerCtx) (Module, error) {
	in, err := orAuto(h.InputSize, "input_size", c.lastDim)
	if err != nil {
		return nil, err
	}
	opt := RNNOptions{NumLayers: h.NumLayers, NoBias: !t.Bias, BatchFirst: t.BatchFirst, Dropout: t.Dropout,
		Bidirectional: t.Bidirectional, LastStep: !t.ReturnSequences}
	m, err := recurrentShell(kind, in, h.HiddenSize, opt)
	if err != nil {
		// NewLayer prefixes the layer type already.
		_, msg, _ := strings.Cut(err.Error(), ": ")
		return nil, errors.New(msg)
	}
	return m, nil
}

func init() {
	registerLayer("RNN", "Elman recurrent layer",
		func() RNNParams {
			return RNNParams{recurrentHead: recurrentHeadDefaults, Nonlinearity: "tanh", recurrentTail: recurrentTailDefaults}
		},
		func(p RNNParams, c *layerCtx) (Module, error) {
			kind := rnnTanh
			if p.Nonlinearity == "relu" {
				kind = rnnReLU
			}
			return buildRecurrent(kind, p.recurrentHead, p.recurrentTail, c)
		})
	registerLayer("GRU", "gated recurrent unit layer",
		func() GRUParams { return GRUParams{recurrentHeadDefaults, recurrentTailDefaults} },
		func(p GRUParams, c *layerCtx) (Module, error) {
			return buildRecurrent(rnnGRU, p.recurrentHead, p.recurrentTail, c)
		})
	registerLayer("LSTM", "long short-term memory layer",
		func() LSTMParams {
			return LSTMParams{recurrentHead: recurrentHeadDefaults, recurrentTail: recurrentTailDefaults}
		},
		func(p LSTMParams, c *layerCtx) (Module, error) {
			return buildRecurrent(rnnLSTM, p.recurrentHead, p.recurrentTail, c)
		})
}
