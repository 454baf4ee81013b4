package nn

// ParamInfo describes one keyword argument of a layer or loss (or, in
// package optim, of an optimizer or scheduler) for forms and documentation.
// Its JSON form is what the service's /api/classes serves.
type ParamInfo struct {
	// Name is PyTorch's keyword name.
	Name string `json:"name"`
	// Type is one of int, float, bool, string, pair (an int or a list of
	// two: height, width), padding (a pair, "valid" or "same"), []int,
	// []float or list (of layer objects).
	Type string `json:"type"`
	// Default is the value used when the parameter is left out: a JSON
	// value, "auto" for sizes inferred from the input, or null when the
	// parameter is required or defaults to "none".
	Default any `json:"default"`
	// Enum lists the accepted strings of a string parameter.
	Enum []string `json:"enum,omitempty"`
	// Min and Max bound numeric values (each element of a pair or list);
	// the constructors enforce them.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Help is a short description.
	Help string `json:"help,omitempty"`
	// Auto marks sizes that accept "auto" (inferred from the input shape).
	Auto bool `json:"auto"`
	// NLabels marks sizes for which "n_labels" (the number of classes of a
	// training spec) is the usual value.
	NLabels bool `json:"n_labels"`
	// Required marks parameters without a default.
	Required bool `json:"required,omitempty"`
	// Nullable marks parameters that accept null (meaning "none").
	Nullable bool `json:"nullable,omitempty"`
}

// Info describes a layer, loss, optimizer or scheduler: its PyTorch class
// name, a one-line description and its parameters in constructor order.
type Info struct {
	Name   string      `json:"name"`
	Doc    string      `json:"doc"`
	Params []ParamInfo `json:"params"`
}

// paramDoc documents a parameter: help text, bounds (which the readers
// enforce) and whether "n_labels" is its usual value.
type paramDoc struct {
	help     string
	min, max *float64
	nLabels  bool
	// what names the kind of value in range errors ("a probability");
	// empty means "a value".
	what string
}

func bound(v float64) *float64 { return &v }

// paramDocs documents the parameters by name, or by "Type.name" where a
// layer or loss needs its own wording or bounds. The parameter names,
// types, defaults and enums come from the constructors (describe mode).
var paramDocs = map[string]paramDoc{
	"in_features":             {help: "size of each input sample", min: bound(1)},
	"out_features":            {help: "size of each output sample", min: bound(1), nLabels: true},
	"bias":                    {help: "learn an additive bias"},
	"in_channels":             {help: "channels of the input", min: bound(1)},
	"out_channels":            {help: "channels of the output", min: bound(1), nLabels: true},
	"kernel_size":             {help: "window height and width (an int for a square)", min: bound(1)},
	"stride":                  {help: "step of the window", min: bound(1)},
	"padding":                 {help: "implicit zero padding on both sides", min: bound(0)},
	"Conv2d.padding":          {help: "zero padding: an int, a pair, \"valid\" or (stride 1) \"same\"", min: bound(0)},
	"ConvTranspose2d.padding": {help: "zero padding removed from the output: an int, a pair or \"valid\"", min: bound(0)},
	"dilation":                {help: "spacing between kernel elements", min: bound(1)},
	"groups":                  {help: "blocked connections from input to output channels", min: bound(1)},
	"padding_mode":            {help: "only zero padding"},
	"output_padding":          {help: "extra size added to one side of the output", min: bound(0)},
	"MaxPool2d.stride":        {help: "step of the window (default: kernel_size)", min: bound(1)},
	"AvgPool2d.stride":        {help: "step of the window (default: kernel_size)", min: bound(1)},
	"ceil_mode":               {help: "round the output size up"},
	"return_indices":          {help: "must be false in a Sequential"},
	"count_include_pad":       {help: "count the zero padding in the average"},
	"output_size":             {help: "output height and width (an int for a square)", min: bound(1)},
	"start_dim":               {help: "first dimension to flatten"},
	"end_dim":                 {help: "last dimension to flatten"},
	"Unflatten.dim":           {help: "dimension to split (not the batch dimension 0; negative counts from the end)"},
	"unflattened_size":        {help: "sizes the dimension is split into (one may be -1)"},
	"p":                       {help: "probability of an element to be zeroed", min: bound(0), max: bound(1), what: "a probability"},
	"inplace":                 {help: "accepted for PyTorch compatibility"},
	"num_features":            {help: "channels C of the input (N, C, ...)", min: bound(1)},
	"eps":                     {help: "added to the variance", min: bound(0)},
	"momentum":                {help: "weight of the running statistics' update (null: cumulative average)", min: bound(0), max: bound(1)},
	"affine":                  {help: "learn a scale and a shift"},
	"track_running_stats":     {help: "keep running mean and variance for evaluation"},
	"normalized_shape":        {help: "trailing shape to normalize (auto: the last dimension)", min: bound(1)},
	"elementwise_affine":      {help: "learn a scale and a shift"},
	"num_embeddings":          {help: "size of the dictionary", min: bound(1)},
	"embedding_dim":           {help: "size of each embedding vector", min: bound(1)},
	"padding_idx":             {help: "index whose vector stays zero (none by default)"},
	"negative_slope":          {help: "slope for negative inputs"},
	"approximate":             {help: "tanh approximation or exact"},
	"dim":                     {help: "dimension of the softmax"},
	"layers":                  {help: "the layers, each {\"type\": ...}"},
	"input_size":              {help: "features of each time step", min: bound(1)},
	"hidden_size":             {help: "features of the hidden state", min: bound(1)},
	"num_layers":              {help: "stacked recurrent layers", min: bound(1)},
	"RNN.bias":                {help: "learn biases"},
	"GRU.bias":                {help: "learn biases"},
	"LSTM.bias":               {help: "learn biases"},
	"nonlinearity":            {help: "activation of the recurrence"},
	"batch_first":             {help: "inputs are (N, L, H) rather than (L, N, H)"},
	"dropout":                 {help: "dropout between stacked layers", min: bound(0), max: bound(1)},
	"bidirectional":           {help: "run in both directions"},
	"return_sequences":        {help: "false: hand only the final output (N, D·hidden_size) to the next layer"},
	"proj_size":               {help: "LSTM projection size: only 0 (no projection) is supported", min: bound(0), max: bound(0)},

	"weight":          {help: "a weight per class"},
	"pos_weight":      {help: "a weight of the positive examples per output"},
	"ignore_index":    {help: "target value that is ignored"},
	"label_smoothing": {help: "mix the target with the uniform distribution", min: bound(0), max: bound(1)},
	"reduction":       {help: "how the per-sample losses are combined"},
	"beta":            {help: "threshold between the quadratic and linear parts", min: bound(0)},
}

// layerDocs describes each layer type in one line.
var layerDocs = map[string]string{
	"Linear":            "y = x Wᵀ + b over the last dimension",
	"Conv2d":            "2-D convolution over (N, C, H, W)",
	"ConvTranspose2d":   "2-D transposed convolution (fractionally strided)",
	"MaxPool2d":         "2-D max pooling",
	"AvgPool2d":         "2-D average pooling",
	"AdaptiveAvgPool2d": "average pooling to a fixed output size",
	"Flatten":           "flatten dimensions start_dim..end_dim into one",
	"Unflatten":         "split one dimension into several, e.g. (N, 64) into (N, 8, 8) for a recurrent layer",
	"Dropout":           "zero elements with probability p during training",
	"BatchNorm1d":       "batch normalization over (N, C) or (N, C, L)",
	"BatchNorm2d":       "batch normalization over (N, C, H, W)",
	"LayerNorm":         "layer normalization over the last dimensions",
	"Embedding":         "lookup table of embedding vectors for integer indices",
	"ReLU":              "max(0, x)",
	"Sigmoid":           "1 / (1 + exp(-x))",
	"Tanh":              "hyperbolic tangent",
	"LeakyReLU":         "max(0, x) + negative_slope · min(0, x)",
	"GELU":              "Gaussian error linear unit",
	"Softmax":           "softmax along a dimension",
	"LogSoftmax":        "log of the softmax along a dimension (pair with NLLLoss)",
	"Sequential":        "a nested list of layers applied in order",
	"RNN":               "Elman recurrent layer",
	"GRU":               "gated recurrent unit layer",
	"LSTM":              "long short-term memory layer",
}

// lossDocs describes each loss in one line.
var lossDocs = map[string]string{
	"CrossEntropyLoss":  "softmax cross-entropy of logits against class indices (classification)",
	"NLLLoss":           "negative log-likelihood of log-probabilities (after LogSoftmax; classification)",
	"BCELoss":           "binary cross-entropy of probabilities against 0/1 targets",
	"BCEWithLogitsLoss": "binary cross-entropy of logits against 0/1 targets",
	"MSELoss":           "mean squared error (regression)",
	"L1Loss":            "mean absolute error (regression)",
	"SmoothL1Loss":      "Huber-like loss, quadratic below beta (regression)",
}

// LayerCatalogue describes every layer type NewLayer accepts, sorted by
// name. The parameters (names, types, defaults, enums, which are required
// or accept "auto") are read from the layer constructors themselves, so a
// newly registered layer appears with its parameters.
func LayerCatalogue() []Info {
	out := make([]Info, 0, len(layerRegistry))
	for _, name := range LayerTypes() {
		ctor := layerRegistry[name]
		params := describeParams(name, func(p *specReader) {
			_, _ = ctor(p)
		})
		out = append(out, Info{Name: name, Doc: layerDocs[name], Params: params})
	}
	return out
}

// LossCatalogue describes every loss NewLoss accepts, sorted by name, with
// the parameters read from the loss constructors.
func LossCatalogue() []Info {
	out := make([]Info, 0, len(lossRegistry))
	for _, name := range LossTypes() {
		ctor := lossRegistry[name]
		params := describeParams(name, func(p *specReader) { ctor(p) })
		out = append(out, Info{Name: name, Doc: lossDocs[name], Params: params})
	}
	return out
}
