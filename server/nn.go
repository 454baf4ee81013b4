package server

import (
	"slices"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
)

// nnParam describes one parameter of a layer, loss, optimizer, scheduler or
// transform for the web page's network form. Auto marks sizes that may be
// "auto" (inferred from the input shape); NLabels marks sizes that may be
// "n_labels" (the number of classes).
type nnParam struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"` // int, float, bool, string, pair, []float, []int, size, padding, degrees, object, list
	Default  any      `json:"default"`
	Enum     []string `json:"enum,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Help     string   `json:"help,omitempty"`
	Auto     bool     `json:"auto"`
	NLabels  bool     `json:"n_labels"`
	Required bool     `json:"required,omitempty"`
}

// nnEntry is one class of the catalogue.
type nnEntry struct {
	Name   string    `json:"name"`
	Kind   string    `json:"kind,omitempty"` // transforms: "transform" or "target_transform"
	Doc    string    `json:"doc"`
	Params []nnParam `json:"params"`
}

func f64(v float64) *float64 { return &v }

func reqInt(name, help string) nnParam {
	return nnParam{Name: name, Type: "int", Min: f64(1), Help: help, Required: true}
}

func sizeIn(name, help string) nnParam {
	return nnParam{Name: name, Type: "int", Default: "auto", Min: f64(1), Help: help, Auto: true}
}

func sizeOut(name, help string) nnParam {
	return nnParam{Name: name, Type: "int", Min: f64(1), Help: help, NLabels: true, Required: true}
}

func boolP(name string, def bool, help string) nnParam {
	return nnParam{Name: name, Type: "bool", Default: def, Help: help}
}

func floatP(name string, def float64, min, max *float64, help string) nnParam {
	return nnParam{Name: name, Type: "float", Default: def, Min: min, Max: max, Help: help}
}

func intP(name string, def int, min *float64, help string) nnParam {
	return nnParam{Name: name, Type: "int", Default: def, Min: min, Help: help}
}

var reduction = nnParam{Name: "reduction", Type: "string", Default: "mean", Enum: []string{"mean", "sum", "none"}, Help: "how the per-sample losses are combined"}

// layerCatalogue describes the parameters of the layers nn.NewLayer builds,
// with PyTorch's names and defaults.
var layerCatalogue = map[string]nnEntry{
	"Linear": {Doc: "y = x Wᵀ + b over the last dimension", Params: []nnParam{
		sizeIn("in_features", "size of each input sample"), sizeOut("out_features", "size of each output sample"),
		boolP("bias", true, "learn an additive bias")}},
	"Conv2d":          {Doc: "2-D convolution over (N, C, H, W)", Params: convParams(false)},
	"ConvTranspose2d": {Doc: "2-D transposed convolution (fractionally strided)", Params: convParams(true)},
	"MaxPool2d": {Doc: "2-D max pooling", Params: append(poolParams(), nnParam{Name: "dilation", Type: "pair", Default: 1, Min: f64(1), Help: "spacing between window elements"},
		boolP("return_indices", false, "must be false in a Sequential"))},
	"AvgPool2d": {Doc: "2-D average pooling", Params: append(poolParams(), boolP("count_include_pad", true, "count the zero padding in the average"))},
	"AdaptiveAvgPool2d": {Doc: "average pooling to a fixed output size", Params: []nnParam{
		{Name: "output_size", Type: "pair", Min: f64(1), Required: true, Help: "output height and width (an int for a square)"}}},
	"Flatten": {Doc: "flatten dimensions start_dim..end_dim into one", Params: []nnParam{
		intP("start_dim", 1, nil, "first dimension to flatten"), intP("end_dim", -1, nil, "last dimension to flatten")}},
	"Dropout": {Doc: "zero elements with probability p during training", Params: []nnParam{
		floatP("p", 0.5, f64(0), f64(1), "probability of an element to be zeroed"), boolP("inplace", false, "accepted for PyTorch compatibility")}},
	"BatchNorm1d": {Doc: "batch normalization over (N, C) or (N, C, L)", Params: bnParams()},
	"BatchNorm2d": {Doc: "batch normalization over (N, C, H, W)", Params: bnParams()},
	"LayerNorm": {Doc: "layer normalization over the last dimensions", Params: []nnParam{
		{Name: "normalized_shape", Type: "[]int", Default: "auto", Auto: true, Help: "trailing shape to normalize (auto: the last dimension)"},
		floatP("eps", 1e-5, f64(0), nil, "added to the variance"), boolP("elementwise_affine", true, "learn a scale and a shift")}},
	"Embedding": {Doc: "lookup table of embedding vectors for integer indices", Params: []nnParam{
		reqInt("num_embeddings", "size of the dictionary"), reqInt("embedding_dim", "size of each embedding vector"),
		{Name: "padding_idx", Type: "int", Default: nil, Help: "index whose vector stays zero (none by default)"}}},
	"ReLU":       {Doc: "max(0, x)", Params: []nnParam{boolP("inplace", false, "accepted for PyTorch compatibility")}},
	"Sigmoid":    {Doc: "1 / (1 + exp(-x))", Params: []nnParam{boolP("inplace", false, "accepted for PyTorch compatibility")}},
	"Tanh":       {Doc: "hyperbolic tangent", Params: []nnParam{boolP("inplace", false, "accepted for PyTorch compatibility")}},
	"LeakyReLU":  {Doc: "max(0, x) + negative_slope · min(0, x)", Params: []nnParam{floatP("negative_slope", 0.01, nil, nil, "slope for negative inputs"), boolP("inplace", false, "accepted for PyTorch compatibility")}},
	"GELU":       {Doc: "Gaussian error linear unit", Params: []nnParam{{Name: "approximate", Type: "string", Default: "none", Enum: []string{"none", "tanh"}, Help: "tanh approximation or exact"}, boolP("inplace", false, "accepted for PyTorch compatibility")}},
	"Softmax":    {Doc: "softmax along a dimension", Params: []nnParam{intP("dim", -1, nil, "dimension of the softmax")}},
	"LogSoftmax": {Doc: "log of the softmax along a dimension (pair with NLLLoss)", Params: []nnParam{intP("dim", -1, nil, "dimension of the softmax")}},
	"Sequential": {Doc: "a nested list of layers applied in order", Params: []nnParam{{Name: "layers", Type: "list", Default: []any{}, Help: "the layers, each {\"type\": ...}"}}},
	"RNN": {Doc: "Elman recurrent layer", Params: append(rnnParams(),
		nnParam{Name: "nonlinearity", Type: "string", Default: "tanh", Enum: []string{"tanh", "relu"}, Help: "activation of the recurrence"})},
	"GRU":  {Doc: "gated recurrent unit layer", Params: rnnParams()},
	"LSTM": {Doc: "long short-term memory layer", Params: rnnParams()},
}

func convParams(transpose bool) []nnParam {
	ps := []nnParam{
		sizeIn("in_channels", "channels of the input"), sizeOut("out_channels", "channels of the output"),
		{Name: "kernel_size", Type: "pair", Min: f64(1), Required: true, Help: "window height and width (an int for a square)"},
		{Name: "stride", Type: "pair", Default: 1, Min: f64(1), Help: "step of the window"},
		{Name: "padding", Type: "padding", Default: 0, Help: "zero padding: an int, a pair, \"valid\" or (Conv2d, stride 1) \"same\""},
		{Name: "dilation", Type: "pair", Default: 1, Min: f64(1), Help: "spacing between kernel elements"},
		intP("groups", 1, f64(1), "blocked connections from input to output channels"),
		boolP("bias", true, "learn an additive bias"),
		{Name: "padding_mode", Type: "string", Default: "zeros", Enum: []string{"zeros"}, Help: "only zero padding"},
	}
	if transpose {
		ps = append(ps, nnParam{Name: "output_padding", Type: "pair", Default: 0, Min: f64(0), Help: "extra size added to one side of the output"})
	}
	return ps
}

func poolParams() []nnParam {
	return []nnParam{
		{Name: "kernel_size", Type: "pair", Min: f64(1), Required: true, Help: "window height and width (an int for a square)"},
		{Name: "stride", Type: "pair", Default: nil, Min: f64(1), Help: "step of the window (default: kernel_size)"},
		{Name: "padding", Type: "pair", Default: 0, Min: f64(0), Help: "implicit padding on both sides"},
		boolP("ceil_mode", false, "round the output size up"),
	}
}

func bnParams() []nnParam {
	return []nnParam{
		sizeIn("num_features", "channels C of the input (N, C, ...)"),
		floatP("eps", 1e-5, f64(0), nil, "added to the variance"),
		floatP("momentum", 0.1, f64(0), f64(1), "weight of the running statistics' update"),
		boolP("affine", true, "learn a scale and a shift"),
		boolP("track_running_stats", true, "keep running mean and variance for evaluation"),
	}
}

func rnnParams() []nnParam {
	return []nnParam{
		sizeIn("input_size", "features of each time step"),
		reqInt("hidden_size", "features of the hidden state"),
		intP("num_layers", 1, f64(1), "stacked recurrent layers"),
		boolP("bias", true, "learn biases"),
		boolP("batch_first", false, "inputs are (N, L, H) rather than (L, N, H)"),
		floatP("dropout", 0, f64(0), f64(1), "dropout between stacked layers"),
		boolP("bidirectional", false, "run in both directions"),
		boolP("return_sequences", true, "false: hand only the final output (N, D·hidden_size) to the next layer"),
	}
}

var lossCatalogue = map[string]nnEntry{
	"CrossEntropyLoss": {Doc: "softmax cross-entropy of logits against class indices (classification)", Params: []nnParam{
		{Name: "weight", Type: "[]float", Default: nil, Help: "a weight per class"},
		intP("ignore_index", -100, nil, "target value that is ignored"),
		floatP("label_smoothing", 0, f64(0), f64(1), "mix the target with the uniform distribution"), reduction}},
	"NLLLoss": {Doc: "negative log-likelihood of log-probabilities (after LogSoftmax; classification)", Params: []nnParam{
		{Name: "weight", Type: "[]float", Default: nil, Help: "a weight per class"},
		intP("ignore_index", -100, nil, "target value that is ignored"), reduction}},
	"MSELoss":      {Doc: "mean squared error (regression)", Params: []nnParam{reduction}},
	"L1Loss":       {Doc: "mean absolute error (regression)", Params: []nnParam{reduction}},
	"SmoothL1Loss": {Doc: "Huber-like loss, quadratic below beta (regression)", Params: []nnParam{floatP("beta", 1, f64(0), nil, "threshold between the quadratic and linear parts"), reduction}},
}

var optimCatalogue = map[string]nnEntry{
	"SGD": {Doc: "stochastic gradient descent with optional (Nesterov) momentum", Params: []nnParam{
		{Name: "lr", Type: "float", Default: spec.DefaultLR, Min: f64(0), Required: true, Help: "learning rate"},
		floatP("momentum", 0, f64(0), nil, "momentum factor"), floatP("dampening", 0, f64(0), nil, "dampening of the momentum"),
		floatP("weight_decay", 0, f64(0), nil, "L2 penalty"), boolP("nesterov", false, "Nesterov momentum")}},
	"Adam":  {Doc: "Adam", Params: adamParams(0)},
	"AdamW": {Doc: "Adam with decoupled weight decay", Params: adamParams(1e-2)},
	"RMSprop": {Doc: "RMSprop", Params: []nnParam{
		floatP("lr", 1e-2, f64(0), nil, "learning rate"), floatP("alpha", 0.99, f64(0), f64(1), "smoothing constant"),
		floatP("eps", 1e-8, f64(0), nil, "added to the denominator"), floatP("weight_decay", 0, f64(0), nil, "L2 penalty"),
		floatP("momentum", 0, f64(0), nil, "momentum factor"), boolP("centered", false, "normalize by the estimated variance")}},
	"Adagrad": {Doc: "Adagrad", Params: []nnParam{
		floatP("lr", 1e-2, f64(0), nil, "learning rate"), floatP("lr_decay", 0, f64(0), nil, "learning rate decay"),
		floatP("weight_decay", 0, f64(0), nil, "L2 penalty"), floatP("initial_accumulator_value", 0, f64(0), nil, "starting sum of squares"),
		floatP("eps", 1e-10, f64(0), nil, "added to the denominator")}},
}

func adamParams(wd float64) []nnParam {
	return []nnParam{
		floatP("lr", 1e-3, f64(0), nil, "learning rate"),
		{Name: "betas", Type: "[]float", Default: []float64{0.9, 0.999}, Help: "decay rates of the moment estimates"},
		floatP("eps", 1e-8, f64(0), nil, "added to the denominator"),
		floatP("weight_decay", wd, f64(0), nil, "weight decay"),
		boolP("amsgrad", false, "the AMSGrad variant"),
	}
}

var schedCatalogue = map[string]nnEntry{
	"StepLR":            {Doc: "multiply the rate by gamma every step_size epochs", Params: []nnParam{reqInt("step_size", "epochs between decays"), floatP("gamma", 0.1, f64(0), nil, "decay factor")}},
	"ExponentialLR":     {Doc: "multiply the rate by gamma every epoch", Params: []nnParam{{Name: "gamma", Type: "float", Min: f64(0), Required: true, Help: "decay factor"}}},
	"CosineAnnealingLR": {Doc: "cosine annealing from the initial rate to eta_min over T_max epochs", Params: []nnParam{reqInt("T_max", "epochs of a half period"), floatP("eta_min", 0, f64(0), nil, "minimum rate")}},
	"ReduceLROnPlateau": {Doc: "reduce the rate when the validation loss stops improving", Params: []nnParam{
		{Name: "mode", Type: "string", Default: "min", Enum: []string{"min", "max"}, Help: "min: lower is better"},
		floatP("factor", 0.1, f64(0), f64(1), "multiplies the rate on a plateau"),
		intP("patience", 10, f64(0), "epochs without improvement tolerated"),
		floatP("threshold", 1e-4, f64(0), nil, "minimum improvement"),
		{Name: "threshold_mode", Type: "string", Default: "rel", Enum: []string{"rel", "abs"}, Help: "relative or absolute threshold"},
		intP("cooldown", 0, f64(0), "epochs to wait after a reduction"),
		floatP("min_lr", 0, f64(0), nil, "lower bound of the rate"),
		floatP("eps", 1e-8, f64(0), nil, "smallest change applied")}},
}

// entries lists the catalogue entries for names, in that order; a name
// missing from the table gets an entry without parameters.
func entries(names []string, table map[string]nnEntry) []nnEntry {
	out := make([]nnEntry, 0, len(names))
	for _, n := range names {
		e, ok := table[n]
		if !ok {
			e = nnEntry{Doc: "", Params: []nnParam{}}
		}
		e.Name = n
		out = append(out, e)
	}
	return out
}

// networkCatalogue returns the catalogues of /api/classes for networks.
func networkCatalogue() map[string]any {
	losses := []string{}
	for _, l := range nn.LossTypes() {
		if _, ok := lossCatalogue[l]; ok {
			losses = append(losses, l)
		}
	}
	var tr []nnEntry
	for _, info := range images.Catalogue() {
		if info.Name == "Compose" {
			continue
		}
		e := nnEntry{Name: info.Name, Kind: info.Kind, Doc: info.Doc, Params: []nnParam{}}
		for _, p := range info.Params {
			e.Params = append(e.Params, nnParam{Name: p.Name, Type: p.Type, Default: p.Default, Enum: p.Enum,
				Help: p.Help, Required: p.Default == nil})
		}
		tr = append(tr, e)
	}
	return map[string]any{
		"layers":     entries(nn.LayerTypes(), layerCatalogue),
		"losses":     entries(losses, lossCatalogue),
		"optimizers": entries(optim.Names(), optimCatalogue),
		"schedulers": entries(spec.SchedulerTypes(), schedCatalogue),
		"transforms": tr,
	}
}

// describeNetwork returns each layer's output shape for a validated network
// spec.
func describeNetwork(sp *spec.Spec) map[string]any {
	info := sp.Net()
	if info == nil {
		return nil
	}
	out := map[string]any{"layers": slices.Clone(info.Layers), "input_shape": info.InShape}
	if info.NLabels > 0 {
		out["n_labels"] = info.NLabels
	}
	return out
}

func init() {
	extraClasses = networkCatalogue
	describeSpec = describeNetwork
}
