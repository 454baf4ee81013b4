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
// A spec is checked in two phases. Parse checks the shape: valid JSON, no
// duplicate or unknown keys (with a "did you mean"), values of the right JSON
// type. Validate then checks the meaning: classes, parameters, metrics and
// datasets exist and fit together, and files are where they should be; it
// reports every problem it finds, each naming its field path:
//
//	model.params.n_neighbors: expected an integer ≥ 1, got "five"
//
// The keys of neural-network training (model.layers, criterion, optimizer,
// scheduler, batch_size, epochs, transforms, target_transforms, labels) are
// reserved: Parse accepts them so that the shape of future specs is stable,
// and Validate rejects them until networks are available.
package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/mlforge/mlforge/ml"
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

	// The keys of neural-network training are reserved: they are kept as
	// written so that a later version can give them types, and Validate
	// rejects them today.
	Criterion        json.RawMessage `json:"criterion,omitempty"`
	Optimizer        json.RawMessage `json:"optimizer,omitempty"`
	Scheduler        json.RawMessage `json:"scheduler,omitempty"`
	BatchSize        json.RawMessage `json:"batch_size,omitempty"`
	Epochs           json.RawMessage `json:"epochs,omitempty"`
	Transforms       json.RawMessage `json:"transforms,omitempty"`
	TargetTransforms json.RawMessage `json:"target_transforms,omitempty"`
	Labels           json.RawMessage `json:"labels,omitempty"`
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
	// Split says how Train is split when Test is not given; it is ignored
	// otherwise.
	Split Split `json:"split"`
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

// Source is a data source: a built-in dataset or a CSV file. In JSON it is a
// string, "builtin:NAME" or a path; Builtin and Path are never both set.
type Source struct {
	// Builtin is the name of a built-in dataset, e.g. "iris".
	Builtin string
	// Path is the path of a CSV file, relative to Env.Root unless absolute.
	Path string
}

// IsZero reports whether s names no data.
func (s Source) IsZero() bool { return s.Builtin == "" && s.Path == "" }

// String returns s as written in a spec: "builtin:NAME" or the path.
func (s Source) String() string {
	if s.Builtin != "" {
		return BuiltinPrefix + s.Builtin
	}
	return s.Path
}

// MarshalJSON writes s as a JSON string.
func (s Source) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.String())
}

// UnmarshalJSON reads s from a JSON string. The object form for image data is
// not available yet and is an error.
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
type Step struct {
	// Type is the registered class name, e.g. "StandardScaler".
	Type string
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
	if p := bytes.TrimSpace(s.Params); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(p, &obj); err != nil {
			return nil, fmt.Errorf("spec: step %s: params must be a JSON object: %w", s.Type, err)
		}
		if _, ok := obj["type"]; ok {
			return nil, fmt.Errorf("spec: step %s: params must not contain \"type\"", s.Type)
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
	Class string `json:"class"`
	// Params is a JSON object of hyperparameters, or nil for the defaults.
	Params json.RawMessage `json:"params,omitempty"`
	// Layers is reserved for neural networks; Validate rejects it today.
	Layers json.RawMessage `json:"layers,omitempty"`
}

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
// full path the OS error carries.
func describeOSError(name string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("file %s does not exist", quote(name))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("no permission to read %s", quote(name))
	}
	return fmt.Sprintf("%s: %v", quote(name), err)
}

// ModelTask returns the task of the model's class (ml.Classification or
// ml.Regression for a valid spec), or "" when the class is not registered.
func (s *Spec) ModelTask() ml.Task {
	c, err := ml.Lookup(s.Model.Class)
	if err != nil {
		return ""
	}
	return c.Task
}
