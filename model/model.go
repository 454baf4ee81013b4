// Package model defines the mlforge model file: one safetensors file whose
// tensors are the fitted arrays of every pipeline step and whose metadata
// holds a JSON manifest (format version, spec, input schema, classes, step
// classes and parameters, metrics) and a SHA-256 checksum.
//
// A neural network uses the same container: the manifest has kind "network"
// with the resolved layer specs, the input shape and the prediction
// transforms, and the tensors are the weights under their exact PyTorch
// state_dict names ("0.weight", "0.bias", ...), so that
// model.load_state_dict(safetensors.torch.load_file(path)) loads them into
// the same torch.nn.Sequential.
//
// A model file holds data only. Loading one builds each step through the
// estimator registry by class name and restores its state with
// UnmarshalState; nothing in the file is ever executed.
package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/internal/atomicfile"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/buildinfo"
	"github.com/mlforge/mlforge/internal/crashpoint"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/safetensors"
)

// Format identifies mlforge model files; FormatVersion is the version this
// code writes and the only one it reads.
const (
	Format        = "mlforge-model"
	FormatVersion = 1
	// FileName is the model file inside a model directory.
	FileName = "model.safetensors"
	// MaxFileSize caps the size of a model file that Load accepts.
	MaxFileSize = 2 << 30
)

// Column describes one input column.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"` // "number" or "text"
	// Categories is a text column's dictionary: its strings in the order
	// of their codes (data.Frame.Text).
	Categories []string `json:"categories,omitempty"`
}

// Step is one fitted estimator in the manifest.
type Step struct {
	Class  string                     `json:"class"`
	Params json.RawMessage            `json:"params"`
	Attrs  map[string]json.RawMessage `json:"attrs,omitempty"`
	// Columns, for a preprocessing step with a column selection
	// (ml.ColumnStep), names the columns it transforms; ColumnIndex holds
	// their indices in the step's input of ColumnsIn columns.
	Columns     []string `json:"columns,omitempty"`
	ColumnIndex []int    `json:"column_index,omitempty"`
	ColumnsIn   int      `json:"columns_in,omitempty"`
}

// Manifest is the JSON description stored in the model file.
type Manifest struct {
	Format         string    `json:"format"`
	FormatVersion  int       `json:"format_version"`
	MLForgeVersion string    `json:"mlforge_version"`
	Name           string    `json:"name"`
	Created        time.Time `json:"created"`
	Task           ml.Task   `json:"task"`
	// Features are the input columns, in the order the pipeline expects.
	Features []Column `json:"features"`
	// Target is the name of the target column in the training data.
	Target string `json:"target"`
	// Classes are the class values the classifier predicts (sorted).
	Classes []float64 `json:"classes,omitempty"`
	// Labels, when the target was text, name Classes one to one.
	Labels     []string        `json:"labels,omitempty"`
	Preprocess []Step          `json:"preprocess"`
	Model      Step            `json:"model"`
	Spec       json.RawMessage `json:"spec,omitempty"`
	Metrics    Metrics         `json:"metrics,omitempty"`
	// Selection is the run's cross-validation or search (cv_results_),
	// as train writes it, when the spec had one.
	Selection json.RawMessage `json:"model_selection,omitempty"`
	// Kind is KindNetwork for a neural network and empty for a pipeline.
	Kind string `json:"kind,omitempty"`
	// Network describes a network (Kind "network").
	Network *NetworkManifest `json:"network,omitempty"`
}

// Values are metric values by name. In JSON a value that is not finite
// (NaN, ±Inf: a metric that overflowed) is null, which JSON can carry, and
// reads back as NaN: a run that trained fine is never lost at the save
// step (or at a checkpoint) for it.
type Values map[string]float64

// MarshalJSON writes v with null for every non-finite value.
func (v Values) MarshalJSON() ([]byte, error) {
	if v == nil {
		return []byte("null"), nil
	}
	out := make(map[string]*float64, len(v))
	for k, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out[k] = &x
		} else {
			out[k] = nil
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads v, a null value as NaN.
func (v *Values) UnmarshalJSON(b []byte) error {
	var in map[string]*float64
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in == nil {
		*v = nil
		return nil
	}
	out := make(Values, len(in))
	for k, x := range in {
		if x == nil {
			out[k] = math.NaN()
		} else {
			out[k] = *x
		}
	}
	*v = out
	return nil
}

// Metrics are metric values by data part ("train", "test") and metric
// name, non-finite ones written as null (Values).
type Metrics map[string]Values

// NonFinite returns "part.metric = value" for every non-finite value of m,
// sorted, so that a run can warn about the values stored as null.
func (m Metrics) NonFinite() []string {
	var out []string
	for part, vals := range m {
		for k, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				out = append(out, fmt.Sprintf("%s %s = %v", part, k, v))
			}
		}
	}
	sort.Strings(out)
	return out
}

// Model is a fitted pipeline, or a trained network, with its manifest.
// Exactly one of Pipeline and Net is set.
type Model struct {
	Manifest Manifest
	Pipeline *ml.Pipeline
	Net      *Network
}

// Error is a model file that cannot be used: unreadable, of another format
// version, truncated or modified.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "model file: " + e.Msg
	}
	return "model file " + e.Path + ": " + e.Msg
}

// BadInput marks the error as the user's input.
func (e *Error) BadInput() bool { return true }

// Encode writes m to w. The manifest's Preprocess and Model steps are filled
// in from the pipeline.
func Encode(w io.Writer, m *Model) error {
	man := m.Manifest
	man.Format, man.FormatVersion = Format, FormatVersion
	if man.MLForgeVersion == "" {
		man.MLForgeVersion = buildinfo.Version
	}
	if man.Created.IsZero() {
		man.Created = time.Now().UTC()
	}
	tensors := map[string]*safetensors.Tensor{}
	if m.Net != nil {
		var err error
		if tensors, err = encodeNetwork(m.Net); err != nil {
			return err
		}
		man.Kind, man.Network = KindNetwork, &m.Net.Manifest
		man.Preprocess, man.Model = []Step{}, Step{Class: "Sequential", Params: json.RawMessage("{}")}
		return encodeFile(w, tensors, man)
	}
	add := func(prefix string, e ml.Estimator) (Step, error) {
		params, err := ml.Params(e)
		if err != nil {
			return Step{}, err
		}
		st, ok := e.(ml.Stateful)
		if !ok {
			return Step{}, fmt.Errorf("model: %s cannot be saved", ml.ClassName(e))
		}
		s, err := st.MarshalState()
		if err != nil {
			return Step{}, fmt.Errorf("model: %s: %w", ml.ClassName(e), err)
		}
		for name, a := range s.Arrays {
			tensors[prefix+name] = &safetensors.Tensor{Shape: a.Shape, F64: a.F64, F32: a.F32}
			if a.F64 == nil && a.F32 == nil {
				tensors[prefix+name].F64 = []float64{}
			}
		}
		return Step{Class: ml.ClassName(e), Params: params, Attrs: s.Attrs}, nil
	}
	man.Preprocess = make([]Step, len(m.Pipeline.Steps))
	for i, s := range m.Pipeline.Steps {
		cs, _ := s.(*ml.ColumnStep)
		if cs != nil {
			s = cs.Step
		}
		var err error
		if man.Preprocess[i], err = add(fmt.Sprintf("preprocess.%d.", i), s); err != nil {
			return err
		}
		if cs != nil {
			if cs.Columns == nil || cs.NFeaturesIn() == 0 {
				return fmt.Errorf("model: preprocess step %d (%s) is not fitted", i, ml.ClassName(s))
			}
			man.Preprocess[i].Columns = cs.Names
			man.Preprocess[i].ColumnIndex = cs.Columns
			man.Preprocess[i].ColumnsIn = cs.NFeaturesIn()
		}
	}
	var err error
	if man.Model, err = add("model.", m.Pipeline.Final); err != nil {
		return err
	}
	return encodeFile(w, tensors, man)
}

// encodeFile writes the tensors with the manifest and its checksum.
func encodeFile(w io.Writer, tensors map[string]*safetensors.Tensor, man Manifest) error {
	mj, err := json.Marshal(man)
	if err != nil {
		return err
	}
	// Encode once to learn the data bytes, then checksum manifest+data.
	var body bytes.Buffer
	if err := safetensors.Encode(&body, tensors, map[string]string{"format": Format, "manifest": string(mj)}); err != nil {
		return err
	}
	f, err := safetensors.Decode(body.Bytes())
	if err != nil {
		return err
	}
	return safetensors.Encode(w, tensors, map[string]string{
		"format":         Format,
		"format_version": strconv.Itoa(FormatVersion),
		"manifest":       string(mj),
		"sha256":         checksum(mj, f.Data),
	})
}

func checksum(manifest, data []byte) string {
	h := sha256.New()
	h.Write(manifest)
	h.Write([]byte{0})
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Decode reads a model from the bytes of a model file. A network's
// manifest is planned and its weights checked against the default model
// budget (budget.Default) before any weight is allocated.
func Decode(b []byte) (*Model, error) { return decode(b, budget.Limits{}) }

// decode is Decode with the model budget of limits.
func decode(b []byte, limits budget.Limits) (*Model, error) {
	f, err := safetensors.Decode(b)
	if err != nil {
		return nil, &Error{Msg: "not a readable model file (" + err.Error() + ")"}
	}
	md := f.Metadata
	if md["format"] != Format {
		return nil, &Error{Msg: fmt.Sprintf("not an mlforge model (format %q)", md["format"])}
	}
	if v := md["format_version"]; v != strconv.Itoa(FormatVersion) {
		return nil, &Error{Msg: fmt.Sprintf("format version %q is not supported by this mlforge (%s), which reads version %d", v, buildinfo.Version, FormatVersion)}
	}
	mj := []byte(md["manifest"])
	if md["sha256"] != checksum(mj, f.Data) {
		return nil, &Error{Msg: "checksum mismatch: the file is corrupted or was modified"}
	}
	var man Manifest
	d := json.NewDecoder(bytes.NewReader(mj))
	d.DisallowUnknownFields()
	if err := d.Decode(&man); err != nil {
		return nil, &Error{Msg: "bad manifest: " + err.Error()}
	}
	if err := checkManifest(&man); err != nil {
		return nil, err
	}
	switch man.Kind {
	case "":
	case KindNetwork:
		net, err := decodeNetwork(&man, f.Tensors, limits)
		if err != nil {
			return nil, err
		}
		return &Model{Manifest: man, Net: net}, nil
	default:
		return nil, &Error{Msg: fmt.Sprintf("unknown model kind %q, expected %q or none", man.Kind, KindNetwork)}
	}
	build := func(prefix string, s Step) (ml.Estimator, error) {
		e, err := ml.New(s.Class, s.Params)
		if err != nil {
			return nil, &Error{Msg: fmt.Sprintf("step %s: %v", strings.TrimSuffix(prefix, "."), err)}
		}
		st, ok := e.(ml.Stateful)
		if !ok {
			return nil, &Error{Msg: fmt.Sprintf("step %s: class %s cannot be loaded", prefix, s.Class)}
		}
		state := ml.NewState()
		for k, v := range s.Attrs {
			state.Attrs[k] = v
		}
		for name, t := range f.Tensors {
			if rest, ok := strings.CutPrefix(name, prefix); ok {
				if t.I64 != nil {
					return nil, &Error{Msg: fmt.Sprintf("tensor %q: unexpected dtype I64", name)}
				}
				state.Arrays[rest] = &ml.Array{Shape: t.Shape, F64: t.F64, F32: t.F32}
			}
		}
		if err := st.UnmarshalState(state); err != nil {
			return nil, &Error{Msg: fmt.Sprintf("step %s (%s): %v", strings.TrimSuffix(prefix, "."), s.Class, err)}
		}
		return e, nil
	}
	p := &ml.Pipeline{}
	for i, s := range man.Preprocess {
		e, err := build(fmt.Sprintf("preprocess.%d.", i), s)
		if err != nil {
			return nil, err
		}
		t, ok := e.(ml.Transformer)
		if !ok {
			return nil, &Error{Msg: fmt.Sprintf("preprocess step %d: %s is not a transformer", i, s.Class)}
		}
		if s.Columns != nil || s.ColumnIndex != nil || s.ColumnsIn != 0 {
			if err := checkColumns(i, s, len(man.Features)); err != nil {
				return nil, err
			}
			cs := ml.NewColumnStep(t, s.Columns)
			cs.Columns = append([]int(nil), s.ColumnIndex...)
			cs.SetNFeaturesIn(s.ColumnsIn)
			t = cs
		}
		p.Steps = append(p.Steps, t)
	}
	if p.Final, err = build("model.", man.Model); err != nil {
		return nil, err
	}
	return &Model{Manifest: man, Pipeline: p}, nil
}

// checkColumns refuses the column selection of preprocessing step i that
// does not name distinct columns of its input (nFeatures columns for the
// first step).
func checkColumns(i int, s Step, nFeatures int) error {
	bad := func(msg string) error {
		return &Error{Msg: fmt.Sprintf("preprocess step %d (%s): %s", i, s.Class, msg)}
	}
	switch {
	case len(s.Columns) == 0 || len(s.ColumnIndex) != len(s.Columns):
		return bad(fmt.Sprintf("%d column names for %d column indices", len(s.Columns), len(s.ColumnIndex)))
	case s.ColumnsIn <= 0 || (i == 0 && s.ColumnsIn != nFeatures):
		return bad(fmt.Sprintf("columns_in is %d for %d features", s.ColumnsIn, nFeatures))
	}
	seen := make(map[int]bool, len(s.ColumnIndex))
	for _, j := range s.ColumnIndex {
		if j < 0 || j >= s.ColumnsIn || seen[j] {
			return bad(fmt.Sprintf("column index %d is out of range or repeated (%d input columns)", j, s.ColumnsIn))
		}
		seen[j] = true
	}
	return nil
}

// checkManifest refuses a manifest whose schema or classes cannot be used:
// a classifier without classes (it would predict a class it does not
// have), repeated or non-finite classes or labels, labels that do not name
// the classes one to one, and feature columns without a name or named
// twice (columns are matched by name).
func checkManifest(man *Manifest) error {
	bad := func(format string, args ...any) error {
		return &Error{Msg: "manifest: " + fmt.Sprintf(format, args...)}
	}
	if man.Task == ml.Classification && len(man.Classes) == 0 {
		return bad("a classifier with no classes; expected the class values it predicts")
	}
	seenClass := make(map[float64]bool, len(man.Classes))
	for i, c := range man.Classes {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return bad("class %d is %v; classes must be finite numbers", i, c)
		}
		if seenClass[c] {
			return bad("class %v appears twice", c)
		}
		seenClass[c] = true
	}
	if len(man.Labels) > 0 && len(man.Labels) != len(man.Classes) {
		return bad("%d labels for %d classes", len(man.Labels), len(man.Classes))
	}
	seenLabel := make(map[string]bool, len(man.Labels))
	for _, l := range man.Labels {
		if seenLabel[l] {
			return bad("label %q appears twice", l)
		}
		seenLabel[l] = true
	}
	if man.Kind == "" && len(man.Features) == 0 {
		return bad("no feature columns; expected the columns the pipeline was trained on")
	}
	seen := make(map[string]int, len(man.Features))
	for i, c := range man.Features {
		if c.Name == "" {
			return bad("feature %d has no name", i+1)
		}
		if k, dup := seen[c.Name]; dup {
			return bad("feature %q appears twice (columns %d and %d); columns are matched by name", c.Name, k+1, i+1)
		}
		seen[c.Name] = i
		switch c.Type {
		case "number", "":
			if c.Categories != nil {
				return bad("feature %q is a number column with categories", c.Name)
			}
		case "text":
			if len(c.Categories) == 0 {
				return bad("text feature %q has no categories", c.Name)
			}
			dup := make(map[string]bool, len(c.Categories))
			for _, s := range c.Categories {
				if dup[s] {
					return bad("text feature %q has the category %q twice", c.Name, s)
				}
				dup[s] = true
			}
		default:
			return bad("feature %q has the type %q; expected \"number\" or \"text\"", c.Name, c.Type)
		}
	}
	return nil
}

// RefusesUnknown reports whether the step that encodes the text feature
// column name refuses a string it did not see in training (its
// handle_unknown is "error", the default), so that a caller can name the
// string rather than its code.
func (m *Model) RefusesUnknown(name string) bool {
	for _, s := range m.Manifest.Preprocess {
		if !slices.Contains(s.Columns, name) {
			continue
		}
		var p struct {
			HandleUnknown string `json:"handle_unknown"`
		}
		json.Unmarshal(s.Params, &p)
		return p.HandleUnknown == "" || p.HandleUnknown == "error"
	}
	return false
}

// TextColumns returns the dictionaries of the model's text feature
// columns by name (data.CSVOptions.Text), nil when every feature is a
// number.
func (m *Model) TextColumns() map[string][]string {
	var out map[string][]string
	for _, c := range m.Manifest.Features {
		if c.Type == "text" {
			if out == nil {
				out = map[string][]string{}
			}
			out[c.Name] = c.Categories
		}
	}
	return out
}

// Resolve returns the model file for path: path itself if it is a file, or
// path/model.safetensors if it is a directory.
func Resolve(path string) string {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return filepath.Join(path, FileName)
	}
	return path
}

// Load reads the model at path (a model file or a model directory) under
// the default model budget.
func Load(path string) (*Model, error) { return LoadLimits(path, budget.Limits{}) }

// LoadLimits is Load under the model budget of limits (what a server was
// started with: a model it trained under a larger --max-model-bytes than
// the default loads, and one over a smaller budget is refused before its
// weights are allocated).
func LoadLimits(path string, limits budget.Limits) (*Model, error) {
	file := Resolve(path)
	f, err := os.Open(file)
	if err != nil {
		return nil, &Error{Path: file, Msg: strings.TrimPrefix(err.Error(), "open "+file+": ")}
	}
	defer f.Close()
	// The open file's mode and size, before reading: a path linked to a
	// device (/dev/zero) or a pipe is refused, not read up to the cap.
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{Path: file, Msg: err.Error()}
	}
	if !st.Mode().IsRegular() {
		return nil, &Error{Path: file, Msg: fmt.Sprintf("not a regular file (%s); expected a model file or a model directory", describeMode(st.Mode()))}
	}
	if st.Size() > MaxFileSize {
		return nil, &Error{Path: file, Msg: fmt.Sprintf("%d bytes, larger than the %d-byte limit", st.Size(), MaxFileSize)}
	}
	// Read what the size says, and one byte more to notice a file that grew.
	b := make([]byte, st.Size()+1)
	n, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, &Error{Path: file, Msg: err.Error()}
	}
	if int64(n) > st.Size() {
		return nil, &Error{Path: file, Msg: "the file changed while it was read"}
	}
	m, err := decode(b[:n], limits)
	if e, ok := err.(*Error); ok {
		e.Path = file
	}
	return m, err
}

// describeMode names the kind of a file that is not a regular one.
func describeMode(m os.FileMode) string {
	switch {
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}

// Save writes m into the directory dir as dir/model.safetensors, atomically:
// the file is written under a temporary name, synced and renamed, and the
// directory synced, so a crash never leaves a half-written or lost model. It returns the file's path.
func Save(dir string, m *Model) (string, error) {
	return atomicfile.Write(dir, FileName, ".model-*.tmp", func(w io.Writer) error {
		return Encode(crashpoint.Writer("model-write", w), m)
	})
}

// Label returns the display label of a class value: its name when the
// target was text, otherwise the number.
func (m *Model) Label(v float64) string {
	for i, c := range m.Manifest.Classes {
		if c == v && i < len(m.Manifest.Labels) {
			return m.Manifest.Labels[i]
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// FeatureNames returns the input column names in order.
func (m *Model) FeatureNames() []string {
	names := make([]string, len(m.Manifest.Features))
	for i, c := range m.Manifest.Features {
		names[i] = c.Name
	}
	return names
}

// Prediction holds a model's output for a batch of rows.
type Prediction struct {
	Values []float64  // predicted targets (class values or regression outputs)
	Labels []string   // display labels, one per row
	Proba  *mat.Dense // class probabilities, nil unless asked for and available
}

// Predict runs the pipeline on X (columns in FeatureNames order). With proba,
// class probabilities are included when the model has predict_proba.
//
// For a network trained on table data, X holds the features in the same
// order; networks trained on images predict through PredictImages.
func (m *Model) Predict(X *mat.Dense, proba bool) (*Prediction, error) {
	if m.Net != nil {
		return m.predictRows(X, proba)
	}
	v, err := m.Pipeline.Predict(X)
	if err != nil {
		return nil, err
	}
	p := &Prediction{Values: v, Labels: make([]string, len(v))}
	for i, x := range v {
		p.Labels[i] = m.Label(x)
	}
	if proba {
		if _, ok := m.Pipeline.Final.(ml.ProbaPredictor); !ok {
			return nil, &Error{Msg: fmt.Sprintf("%s has no predict_proba", m.Manifest.Model.Class)}
		}
		if p.Proba, err = m.Pipeline.PredictProba(X); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// IsClassifier reports whether the model predicts classes.
func (m *Model) IsClassifier() bool { return m.Manifest.Task == ml.Classification }

// ClassLabels returns the labels of every class, in the column order of
// predicted probabilities.
func (m *Model) ClassLabels() []string {
	out := make([]string, len(m.Manifest.Classes))
	for i, c := range m.Manifest.Classes {
		out[i] = m.Label(c)
	}
	return out
}

// MetricNames returns the names of the test metrics recorded at training,
// sorted.
func (m *Model) MetricNames() []string {
	var names []string
	for k := range m.Manifest.Metrics["test"] {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// TargetValues converts targets read from labelled data into the class
// values the model predicts, so they can be scored against predictions.
// names, when non-nil, are the text labels that y indexes (as data.Frame
// holds a text target); an unknown label is an error. Numeric targets are
// returned as they are.
func (m *Model) TargetValues(names []string, y []float64) ([]float64, error) {
	if names == nil {
		if len(m.Manifest.Labels) > 0 {
			return nil, &Error{Msg: "the data's target holds numbers but the model was trained on text labels"}
		}
		return y, nil
	}
	if len(m.Manifest.Labels) == 0 {
		return nil, &Error{Msg: "the data's target holds text but the model was trained on numbers"}
	}
	pos := make(map[string]float64, len(m.Manifest.Labels))
	for i, l := range m.Manifest.Labels {
		pos[l] = m.Manifest.Classes[i]
	}
	out := make([]float64, len(y))
	for i, v := range y {
		c, ok := pos[names[int(v)]]
		if !ok {
			return nil, &Error{Msg: fmt.Sprintf("row %d: class %q was not seen in training (known: %s)", i+1, names[int(v)], strings.Join(m.Manifest.Labels, ", "))}
		}
		out[i] = c
	}
	return out, nil
}
