// Package spec reads and checks mlforge's training spec: a JSON document that
// names the data, the preprocessing steps, the model with its
// hyperparameters, the metrics and where the model goes.
//
//	{ "name": "iris-knn",
//	  "data": {"train": "builtin:iris", "target": "target",
//	           "split": {"test_size": 0.25, "seed": 0, "stratify": true}},
//	  "preprocess": [{"type": "StandardScaler"}],
//	  "model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 5}},
//	  "metrics": ["accuracy", "f1_macro"],
//	  "output": "models/iris-knn" }
//
// A spec is checked in two phases here, and a third in train.Check (what
// needs the data: the target column, the shapes, the budgets). Parse checks
// the shape: valid JSON, no duplicate or unknown keys (with a "did you
// mean"), values of the right JSON type. Validate then checks the meaning:
// classes, parameters, metrics and datasets exist and fit together, and
// files are where they should be; it reports every problem it finds, each
// naming its field path:
//
//	model.params.n_neighbors: expected an integer ≥ 1, got "five"
//
// A spec describes either a classic estimator (model.class) or a neural
// network (model.layers), never both. A named architecture (nn's
// "ResNet18", "LeNet5", ...) may be given either way: {"class": "ResNet18",
// "params": {"num_classes": "n_labels"}} is the network of the one layer
// {"type": "ResNet18", "num_classes": "n_labels"}, and its errors name
// model.class and model.params. A network spec lists PyTorch layers
// and takes the keys of network training:
//
//	{ "name": "mnist-cnn",
//	  "data": {"train": {"images": "t10k-images-idx3-ubyte.gz",
//	                     "labels": "t10k-labels-idx1-ubyte.gz"},
//	           "split": {"test_size": 0.2}},
//	  "model": {"layers": [
//	    {"type": "Conv2d", "in_channels": "auto", "out_channels": 32, "kernel_size": 3},
//	    {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"},
//	    {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
//	  "criterion": "CrossEntropyLoss",
//	  "optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9},
//	  "scheduler": {"type": "StepLR", "step_size": 2},
//	  "batch_size": 64, "epochs": 5, "seed": 1 }
//
// "auto" sizes are inferred by running the input shape through the layers
// and "n_labels" is the number of classes, both in train.Check, which reads
// the data; this package reads none. The data of a network is a CSV file or
// built-in dataset (each row a feature vector), a folder with one subfolder
// of images per label, or a pair of IDX files {"images", "labels"} (gzipped
// or not). transforms (torchvision names, image data only) and
// target_transforms apply to every sample; labels optionally names the
// classes. See the README of examples/ for the defaults.
//
// A network may train on a stored image dataset, "dataset:NAME" (only some
// labels: "dataset:NAME:cat,dog"), and a "collect" step collects the
// labels that dataset lacks before training (see Collect).
package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
)

// MaxSize is the largest spec, in bytes, that Parse and Load accept.
const MaxSize = 1 << 20

// BuiltinPrefix starts a data source that names a built-in dataset, as in
// "builtin:iris".
const BuiltinPrefix = "builtin:"

// DefaultTestSize is the fraction of the training data held out for testing
// when the spec gives no data.test and no data.split.test_size.
const DefaultTestSize = 0.25

// Spec is a training spec. Parse fills it from JSON and Validate checks it and
// fills in the defaults that depend on the model; json.Marshal writes it back
// in a form that Parse reads to an equal Spec.
type Spec struct {
	// Name names the run and its model: 1 to 64 letters, digits, ".", "_"
	// or "-" (but not "." or "..").
	Name string `json:"name"`
	// Data says where the data comes from.
	Data Data `json:"data"`
	// Preprocess lists transformers applied in order before the model.
	Preprocess []Step `json:"preprocess,omitempty"`
	// Model is the final estimator.
	Model Model `json:"model"`
	// Metrics are the names of the scores computed on the test data (see
	// ml/metrics). Validate fills in ["accuracy", "f1_macro"] for a
	// classifier and ["r2", "mean_squared_error"] for a regressor when the
	// list is empty.
	Metrics []string `json:"metrics,omitempty"`
	// Output is where the trained model is written. Validate fills in
	// "models/<name>" when it is empty.
	Output string `json:"output,omitempty"`
	// Seed seeds whatever is random and not seeded explicitly; it is also
	// the default of data.split.seed.
	Seed int64 `json:"seed,omitempty"`
	// CV cross-validates the pipeline on the training part (see CV).
	CV *CV `json:"cv,omitempty"`
	// Search searches the pipeline's hyperparameters (see Search).
	Search *Search `json:"search,omitempty"`
	// ValidationCurve and LearningCurve make the run compute
	// scikit-learn's curves on the training part (see curve.go).
	ValidationCurve *ValidationCurve `json:"validation_curve,omitempty"`
	LearningCurve   *LearningCurve   `json:"learning_curve,omitempty"`
	// PermutationImportance computes scikit-learn's permutation_importance
	// of the fitted pipeline on the test part (see permutation.go).
	PermutationImportance *PermutationImportance `json:"permutation_importance,omitempty"`

	// The keys of neural-network training; they are errors with a classic
	// model.

	// Criterion is the loss, a PyTorch class name with its keyword
	// arguments (in JSON a name or {"type": ..., ...}). Validate fills in
	// CrossEntropyLoss.
	Criterion *Step `json:"criterion,omitempty"`
	// Optimizer is a torch.optim class with its keyword arguments.
	// Validate fills in {"type": "SGD", "lr": 0.01}.
	Optimizer *Step `json:"optimizer,omitempty"`
	// OptimizerD is a GAN's discriminator's optimizer (Optimizer is its
	// generator's); an error for any other spec.
	OptimizerD *Step `json:"optimizer_d,omitempty"`
	// Scheduler is an optional torch.optim.lr_scheduler class (StepLR,
	// ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau), stepped once
	// per epoch; ReduceLROnPlateau watches the validation loss.
	Scheduler *Step `json:"scheduler,omitempty"`
	// BatchSize is the number of samples per step; Validate fills in 64.
	BatchSize int `json:"batch_size,omitempty"`
	// GradClip, when above 0, clips the gradients before each optimizer
	// step to this global L2 norm, as torch.nn.utils.clip_grad_norm_
	// (max_norm, norm_type 2) between backward and step.
	GradClip float64 `json:"grad_clip,omitempty"`
	// Epochs is the number of passes over the training data; Validate
	// fills in 10.
	Epochs int `json:"epochs,omitempty"`
	// Transforms is a JSON list of torchvision transforms applied to every
	// image (image data only), e.g. [{"type": "Normalize", "mean": [0.1307],
	// "std": [0.3081]}].
	Transforms json.RawMessage `json:"transforms,omitempty"`
	ImageOps   json.RawMessage `json:"image_ops,omitempty"` // Pillow operations applied before transforms (see spec/imageops.go)
	// TargetTransforms is a JSON list of target transforms (OneHot,
	// LabelMap) applied to every label.
	TargetTransforms json.RawMessage `json:"target_transforms,omitempty"`
	// Labels optionally names the classes of a network, in class-index
	// order; it also fixes "n_labels".
	Labels []string `json:"labels,omitempty"`

	// Collect, with data.train a stored dataset, collects the labels the
	// dataset lacks before training (see Collect).
	Collect *Collect `json:"collect,omitempty"`

	Pretrained // pretrained_weights and freeze: fine-tuning a network (see pretrained.go)

	// Task names a kind of network that is not one layer list trained
	// against a target: "autoencoder" (autoencoder.go). Empty for every
	// other spec.
	Task string `json:"task,omitempty"`
}

// Data says where the training and test data come from.
type Data struct {
	// Train is the training data (required).
	Train Source `json:"train,omitzero"`
	// Test is the test data. Without it, Train is split per Split.
	Test Source `json:"test,omitzero"`
	// Target is the name of the target column; empty means the last
	// column.
	Target string `json:"target,omitempty"`
	// SampleWeight names a column of the training data (and of the test
	// data, where it is dropped) holding a weight ≥ 0 per row, passed to
	// the final estimator's fit as scikit-learn's sample_weight (and to
	// each fold's fit in cv, search and curves, whose scores stay
	// unweighted); the column is not a feature. Only estimators with a
	// weighted fit take it (see weights.go).
	SampleWeight string `json:"sample_weight,omitempty"`
	// Split says how Train is split when Test is not given; it is ignored
	// otherwise.
	Split Split `json:"split"`
	// Sequence makes a network train on windows of the table's rows (see
	// sequence.go); nil for a table of independent rows.
	Sequence *Sequence `json:"sequence,omitempty"`
}

// Split is a train/test split, like scikit-learn's train_test_split.
type Split struct {
	// TestSize is the fraction of rows held out, in (0, 1). Parse sets
	// DefaultTestSize when the spec leaves it out.
	TestSize float64 `json:"test_size"`
	// Seed seeds the shuffle. Parse sets the spec's top-level seed when the
	// spec leaves it out.
	Seed int64 `json:"seed"`
	// Stratify keeps the class proportions in both parts. Nil means the
	// default, which Validate fills in: true for a classifier, false for a
	// regressor. It must not be true for a regressor when Train is split.
	Stratify *bool `json:"stratify,omitempty"`
}

// Source is a data source: a built-in dataset, a CSV file, a folder of
// images (one subfolder per class) or a pair of IDX files. In JSON it is a
// string, "builtin:NAME" or a path (a directory is an image folder), or an
// object {"images": PATH, "labels": PATH} for IDX files. Exactly one of
// Builtin, Path and Images is set.
type Source struct {
	// Builtin is the name of a built-in dataset, e.g. "iris".
	Builtin string
	// Path is the path of a CSV file or an image folder, relative to
	// Env.Root unless absolute.
	Path string
	// Images and Labels are the paths of an IDX image file (idx3) and its
	// label file (idx1), gzipped or not.
	Images, Labels string
}

// IsZero reports whether s names no data.
func (s Source) IsZero() bool {
	return s.Builtin == "" && s.Path == "" && s.Images == "" && s.Labels == ""
}

// IsIDX reports whether s is a pair of IDX files.
func (s Source) IsIDX() bool { return s.Images != "" || s.Labels != "" }

// String returns s as written in a spec: "builtin:NAME", the path, or
// "IMAGES + LABELS" for IDX files.
func (s Source) String() string {
	switch {
	case s.Builtin != "":
		return BuiltinPrefix + s.Builtin
	case s.IsIDX():
		return s.Images + " + " + s.Labels
	}
	return s.Path
}

// MarshalJSON writes s as a JSON string, or an object for IDX files.
func (s Source) MarshalJSON() ([]byte, error) {
	if s.IsIDX() {
		return json.Marshal(map[string]string{"images": s.Images, "labels": s.Labels})
	}
	return json.Marshal(s.String())
}

// UnmarshalJSON reads s from a JSON string or an {"images", "labels"}
// object.
func (s *Source) UnmarshalJSON(b []byte) error {
	n, err := parseJSON(b)
	if err != nil {
		return err
	}
	d := &decoder{}
	*s = d.source(n, "")
	return d.err()
}

func parseSource(str string) Source {
	if name, ok := strings.CutPrefix(str, BuiltinPrefix); ok {
		return Source{Builtin: name}
	}
	return Source{Path: str}
}

// Step is one preprocessing step: a transformer class and its
// hyperparameters. In JSON the parameters sit beside the type:
//
//	{"type": "SimpleImputer", "strategy": "median"}
//
// A step with "columns" transforms only the named feature columns and
// passes the others through, as scikit-learn's ColumnTransformer does
// with remainder="passthrough": its output is the transformed columns
// followed by the untouched ones in their order.
//
//	{"type": "OneHotEncoder", "columns": ["city"]}
type Step struct {
	// Type is the registered class name, e.g. "StandardScaler".
	Type string
	// Columns names the feature columns the step transforms; nil for all.
	Columns []string
	// Params is a JSON object of hyperparameters, or nil for the defaults.
	Params json.RawMessage
}

// MarshalJSON writes the step as one object: "type" first, then the
// parameters.
func (s Step) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"type":`)
	t, err := json.Marshal(s.Type)
	if err != nil {
		return nil, err
	}
	buf.Write(t)
	if s.Columns != nil {
		c, err := json.Marshal(s.Columns)
		if err != nil {
			return nil, err
		}
		buf.WriteString(`,"columns":`)
		buf.Write(c)
	}
	if p := bytes.TrimSpace(s.Params); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(p, &obj); err != nil {
			return nil, fmt.Errorf("spec: step %s: params must be a JSON object: %w", s.Type, err)
		}
		if _, ok := obj["type"]; ok {
			return nil, fmt.Errorf("spec: step %s: params must not contain \"type\"", s.Type)
		}
		if _, ok := obj["columns"]; ok {
			return nil, fmt.Errorf("spec: step %s: params must not contain \"columns\"", s.Type)
		}
		// Copy the members as written, keeping their order.
		inner := bytes.TrimSpace(p[1 : len(p)-1])
		if len(inner) > 0 {
			buf.WriteByte(',')
			buf.Write(inner)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads a step written as one object.
func (s *Step) UnmarshalJSON(b []byte) error {
	n, err := parseJSON(b)
	if err != nil {
		return err
	}
	d := &decoder{src: b}
	*s = d.step(n, "")
	return d.err()
}

// Model is the final estimator.
type Model struct {
	// Class is the registered class name, e.g. "KNeighborsClassifier".
	Class string `json:"class,omitempty"`
	// Params is a JSON object of hyperparameters, or nil for the defaults.
	Params json.RawMessage `json:"params,omitempty"`
	// Layers makes the model a neural network: PyTorch layers applied in
	// order (an nn.Sequential), each {"type": "Conv2d", ...} with
	// PyTorch's keyword arguments, where sizes may be "auto" (inferred from
	// the input) or "n_labels" (the number of classes).
	Layers []nn.LayerSpec `json:"layers,omitempty"`
	// Encoder and Decoder are the two halves of an autoencoder ("task":
	// "autoencoder", autoencoder.go), each a layer list like Layers.
	Encoder []nn.LayerSpec `json:"encoder,omitempty"`
	Decoder []nn.LayerSpec `json:"decoder,omitempty"`
	// Generator and Discriminator are the two networks of a GAN ("task":
	// "gan", gan.go); the generator maps noise of LatentDim values to a
	// sample, the discriminator a sample to one logit.
	Generator     []nn.LayerSpec `json:"generator,omitempty"`
	Discriminator []nn.LayerSpec `json:"discriminator,omitempty"`
	LatentDim     int            `json:"latent_dim,omitempty"`

	// arch is set when the spec named a named architecture (nn's
	// "ResNet18", ...) as model.class with its model.params: Parse makes
	// that the one layer {"type": class, params...}, as the layer type is
	// used, and Paths names that layer's fields as the spec wrote them.
	arch bool
}

// unknownParam finds the parameter a layer's "unknown parameter" error
// names.
var unknownParam = regexp.MustCompile(`unknown parameter "([A-Za-z0-9_]+)"`)

// MarshalJSON writes a named architecture given as model.class back in
// that form, so that Parse reads the result to an equal Model.
func (m Model) MarshalJSON() ([]byte, error) {
	type plain Model
	if !m.arch || len(m.Layers) != 1 {
		return json.Marshal(plain(m))
	}
	var class string
	if err := json.Unmarshal(m.Layers[0]["type"], &class); err != nil {
		return nil, err
	}
	params := map[string]json.RawMessage{}
	for k, v := range m.Layers[0] {
		if k != "type" {
			params[k] = v
		}
	}
	out := struct {
		Class  string                     `json:"class"`
		Params map[string]json.RawMessage `json:"params,omitempty"`
	}{class, params}
	if len(params) == 0 {
		out.Params = nil
	}
	return json.Marshal(out)
}

// Paths maps the field paths of err (an Errors or a *FieldError; other
// errors are returned as they are) back to the spec's own keys where Parse
// rewrote them: a named architecture given as model.class has its layer's
// fields, model.layers[0].type and model.layers[0].NAME, reported as
// model.class and model.params.NAME.
func (s *Spec) Paths(err error) error {
	if err == nil || !s.Model.arch {
		return err
	}
	var list Errors
	var fe *FieldError
	switch {
	case errors.As(err, &list):
	case errors.As(err, &fe):
		list = Errors{fe}
	default:
		return err
	}
	for _, e := range list {
		switch {
		case e.Path == "model.layers[0]" && unknownParam.MatchString(e.Msg):
			e.Path = "model.params." + unknownParam.FindStringSubmatch(e.Msg)[1]
		case e.Path == "model.layers[0].type" || e.Path == "model.layers[0]" || e.Path == "model.layers":
			e.Path = "model.class"
		case strings.HasPrefix(e.Path, "model.layers[0]."):
			e.Path = "model.params." + strings.TrimPrefix(e.Path, "model.layers[0].")
		}
	}
	return err
}

// IsNetwork reports whether the spec describes a neural network
// (model.layers) rather than a classic estimator.
func (s *Spec) IsNetwork() bool { return s.Model.Layers != nil || s.IsAutoencoder() || s.IsGAN() }

// Load reads the spec in the file at path and parses it. It reads at most
// MaxSize bytes. Like Parse, it returns Errors for a problem with the file.
func Load(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Errors{{Msg: "cannot read the spec: " + describeOSError(path, err)}}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, Errors{{Msg: "cannot read the spec: " + describeOSError(path, err)}}
	}
	return Parse(b)
}

// describeOSError says what went wrong opening name without repeating the
// full path the OS error carries (data.DescribeOSError).
func describeOSError(name string, err error) string { return data.DescribeOSError(name, err) }

// ModelTask returns the task of the model's class (ml.Classification or
// ml.Regression for a valid spec), or "" when the class is not registered.
// A network's task follows from its criterion.
func (s *Spec) ModelTask() ml.Task {
	if s.IsNetwork() {
		return s.networkTask()
	}
	c, err := ml.Lookup(s.Model.Class)
	if err != nil {
		return ""
	}
	return c.Task
}
