package spec

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
)

// The defaults of network training.
const (
	DefaultBatchSize = 64
	DefaultEpochs    = 10
	DefaultLR        = 0.01
)

// NLabels is the layer parameter value that stands for the number of classes.
const NLabels = "n_labels"

// DataKind says what kind of data a source holds.
type DataKind string

// The kinds of data.
const (
	TableData  DataKind = "table"  // a CSV file or a built-in dataset: rows of numbers
	IDXData    DataKind = "idx"    // a pair of IDX files: gray images and labels
	FolderData DataKind = "folder" // a folder with one subfolder of images per class
)

// Kind returns the kind of data s holds; for a path it looks at the file
// system (a directory is an image folder) through env.
func (env Env) Kind(s Source) DataKind {
	switch {
	case s.IsIDX():
		return IDXData
	case s.Builtin != "":
		return TableData
	}
	full, err := env.Resolve(s.Path)
	if err == nil {
		if fi, err := os.Stat(full); err == nil && fi.IsDir() {
			return FolderData
		}
	}
	return TableData
}

// LayerInfo is one layer of a validated network: its index, PyTorch type and
// output shape for a batch of one.
type LayerInfo struct {
	Index    int    `json:"index"`
	Type     string `json:"type"`
	OutShape []int  `json:"out_shape"`
}

// NetInfo is what Validate learns about a network spec from its data and
// layers.
type NetInfo struct {
	// Task is ml.Classification or ml.Regression, from the criterion.
	Task ml.Task
	// Kind is the kind of the training data.
	Kind DataKind
	// InShape is the shape of one sample (without the batch dimension).
	InShape []int
	// OutShape is the network's output shape for a batch of one.
	OutShape []int
	// NLabels is the number of classes (classification), the value of
	// "n_labels".
	NLabels int
	// Classes names the classes in index order, when known (the spec's
	// labels, the folder's subfolders, the text labels of a CSV target).
	Classes []string
	// Features names the input columns of table data.
	Features []string
	// Layers lists every layer with its output shape.
	Layers []LayerInfo
}

// Net returns what Validate learned about a network spec, or nil for a
// classic spec or one that has not been validated.
func (s *Spec) Net() *NetInfo { return s.net }

// networkTask is the task of a network: regression for the point losses,
// classification otherwise (CrossEntropyLoss is the default).
func (s *Spec) networkTask() ml.Task {
	if s.Criterion != nil {
		switch s.Criterion.Type {
		case "MSELoss", "L1Loss", "SmoothL1Loss":
			return ml.Regression
		}
	}
	return ml.Classification
}

// specLosses are the losses a spec can train with; BCE losses need targets
// that a spec cannot describe.
var specLosses = []string{"CrossEntropyLoss", "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss"}

// ResolveLayers returns a copy of layers with every parameter written as
// "n_labels" replaced by nLabels (which must be positive for it to be
// used).
func ResolveLayers(layers []nn.LayerSpec, nLabels int) ([]nn.LayerSpec, error) {
	out := make([]nn.LayerSpec, len(layers))
	for i, l := range layers {
		c := make(nn.LayerSpec, len(l))
		for k, v := range l {
			if k != "type" && bytes.Equal(bytes.TrimSpace(v), []byte(`"`+NLabels+`"`)) {
				if nLabels <= 0 {
					return nil, fmt.Errorf("layers[%d]: %s: %q is the number of classes, which only a classification network (CrossEntropyLoss or NLLLoss) has", i, k, NLabels)
				}
				v = json.RawMessage(strconv.Itoa(nLabels))
			}
			c[k] = v
		}
		out[i] = c
	}
	return out, nil
}

var layerIndex = regexp.MustCompile(`^layers\[(\d+)\]: `)

// BuildNetwork builds the layers of a network for samples of shape in,
// replacing "n_labels" by nLabels, and returns the network with each
// layer's output shape (for a batch of one). Errors start with the layer
// as "layers[i]: ".
func BuildNetwork(layers []nn.LayerSpec, in []int, nLabels int, rng *rand.Rand) (*nn.Sequential, []LayerInfo, error) {
	pl, infos, err := PlanNetwork(layers, in, nLabels)
	if err != nil {
		return nil, nil, err
	}
	return pl.Build(rng), infos, nil
}

// SampleInfo is what the data says about the input of a network.
type SampleInfo struct {
	Kind     DataKind
	Shape    []int    // one sample, without the batch dimension
	NLabels  int      // number of classes, 0 when unknown or not asked for
	Classes  []string // class names when the data has them
	Features []string // column names of table data
}

// Sample inspects the training data of a network spec without reading all
// of it: the CSV header, the IDX headers (and the small label file when
// needClasses), the first image of a folder after the transforms. The
// error is a message for data.train.
func (s *Spec) Sample(env Env, needClasses bool) (*SampleInfo, error) {
	src := s.Data.Train
	kind := env.Kind(src)
	info := &SampleInfo{Kind: kind}
	var tr images.Transform
	if len(s.Transforms) > 0 && kind != TableData {
		c, err := images.ParseTransforms(s.Transforms)
		if err != nil {
			return nil, err
		}
		tr = c
	}
	rng := rand.New(rand.NewPCG(uint64(s.Seed), 1))
	switch kind {
	case TableData:
		if src.Builtin != "" {
			f, err := datasets.Load(src.Builtin)
			if err != nil {
				return nil, err
			}
			info.Features = f.Features
			info.Shape = []int{len(f.Features)}
			if needClasses {
				info.Classes, info.NLabels = frameClasses(f)
			}
			break
		}
		fh, err := env.open(src.Path)
		if err != nil {
			return nil, errors.New(describeOSError(src.Path, err))
		}
		names := csvHeader(fh)
		fh.Close()
		if names == nil {
			return nil, fmt.Errorf("cannot read the column names of %s", quote(abbrev(src.Path)))
		}
		for _, n := range names {
			if (s.Data.Target == "" && n != names[len(names)-1]) || (s.Data.Target != "" && n != s.Data.Target) {
				info.Features = append(info.Features, n)
			}
		}
		info.Shape = []int{len(info.Features)}
		if needClasses && len(s.Labels) == 0 {
			fh, err := env.open(src.Path)
			if err != nil {
				return nil, errors.New(describeOSError(src.Path, err))
			}
			f, err := data.ReadCSV(fh, data.CSVOptions{Name: src.Path, Target: s.Data.Target})
			fh.Close()
			if err != nil {
				return nil, err
			}
			info.Classes, info.NLabels = frameClasses(f)
		}
	case IDXData:
		n, h, w, err := idxHeader(env, src.Images, 3)
		if err != nil {
			return nil, err
		}
		nl, _, _, err := idxHeader(env, src.Labels, 1)
		if err != nil {
			return nil, err
		}
		if n != nl {
			return nil, fmt.Errorf("%s holds %d images but %s holds %d labels", quote(abbrev(src.Images)), n, quote(abbrev(src.Labels)), nl)
		}
		info.Shape = []int{1, h, w}
		if tr != nil {
			x, err := images.ApplyToImage(tr, images.NewImage(w, h, 1), rng, src.Images)
			if err != nil {
				return nil, err
			}
			info.Shape = append([]int(nil), x.Shape...)
		}
		if needClasses {
			if info.NLabels, err = idxClasses(env, src.Labels); err != nil {
				return nil, err
			}
		}
	case FolderData:
		full, err := env.Resolve(src.Path)
		if err != nil {
			return nil, err
		}
		var f *images.Folder
		if env.Restrict { // through os.Root: links inside the folder are errors
			f, err = images.ImageFolderRoot(cmp.Or(env.Root, "."), src.Path, images.FolderOptions{Transform: tr})
		} else {
			f, err = images.ImageFolder(full, images.FolderOptions{Transform: tr})
		}
		if err != nil {
			return nil, errors.New(strings.ReplaceAll(strings.TrimPrefix(err.Error(), "images: "), full, src.Path))
		}
		x, _, err := f.Get(0, rng)
		if err != nil {
			return nil, err
		}
		info.Shape = append([]int(nil), x.Shape...)
		info.Classes = f.Classes()
		info.NLabels = len(info.Classes)
	}
	return info, nil
}

// frameClasses returns the class names of a table's target (its text
// labels, or the distinct numbers) and their count.
func frameClasses(f *data.Frame) ([]string, int) {
	if f.Classes != nil {
		return f.Classes, len(f.Classes)
	}
	classes, _, err := ml.EncodeClasses(f.Y)
	if err != nil {
		return nil, 0
	}
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = strconv.FormatFloat(c, 'g', -1, 64)
	}
	return names, len(classes)
}

// openMaybeGzip opens a spec path, decompressing it when it starts with the
// gzip magic bytes.
func openMaybeGzip(env Env, p string) (io.Reader, func(), error) {
	f, err := env.open(p)
	if err != nil {
		return nil, nil, errors.New(describeOSError(p, err))
	}
	br := bufio.NewReader(f)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: not a readable gzip file: %v", quote(abbrev(p)), err)
		}
		return zr, func() { f.Close() }, nil
	}
	return br, func() { f.Close() }, nil
}

// idxHeader reads the header of an unsigned-byte IDX file with dims
// dimensions and returns its sizes (N, and H, W for images).
func idxHeader(env Env, p string, dims int) (n, h, w int, err error) {
	r, done, err := openMaybeGzip(env, p)
	if err != nil {
		return 0, 0, 0, err
	}
	defer done()
	hdr := make([]byte, 4+4*dims)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return 0, 0, 0, fmt.Errorf("%s: too short for an IDX header", quote(abbrev(p)))
	}
	magic := binary.BigEndian.Uint32(hdr)
	want := uint32(0x0800 + dims)
	if magic != want {
		what := "an IDX label file (magic 0x00000801)"
		if dims == 3 {
			what = "an IDX image file (magic 0x00000803)"
		}
		return 0, 0, 0, fmt.Errorf("%s: expected %s, got magic 0x%08x", quote(abbrev(p)), what, magic)
	}
	v := func(i int) int { return int(binary.BigEndian.Uint32(hdr[4+4*i:])) }
	n = v(0)
	if dims == 3 {
		h, w = v(1), v(2)
		if h < 1 || w < 1 || h*w > 10_000_000 {
			return 0, 0, 0, fmt.Errorf("%s: images of %d x %d pixels are not supported", quote(abbrev(p)), h, w)
		}
	}
	if n < 1 {
		return 0, 0, 0, fmt.Errorf("%s: holds no items", quote(abbrev(p)))
	}
	return n, h, w, nil
}

// idxClasses reads an IDX label file and returns the largest label + 1.
func idxClasses(env Env, p string) (int, error) {
	r, done, err := openMaybeGzip(env, p)
	if err != nil {
		return 0, err
	}
	defer done()
	if _, err := io.CopyN(io.Discard, r, 8); err != nil {
		return 0, fmt.Errorf("%s: too short for an IDX header", quote(abbrev(p)))
	}
	var seen [256]bool
	buf := make([]byte, 1<<16)
	for {
		k, err := r.Read(buf)
		for _, b := range buf[:k] {
			seen[b] = true
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %v", quote(abbrev(p)), err)
		}
	}
	top := 0
	for i, ok := range seen {
		if ok {
			top = i + 1
		}
	}
	return top, nil
}

// validateNetwork checks the network keys and builds the layers on the data's
// sample shape; it fills in the defaults and s.net.
func (s *Spec) validateNetwork(c *errs, env Env, dataOK bool) ml.Task {
	if s.Model.Class != "" {
		c.add("model.class", "a spec has model.class (a classic estimator) or model.layers (a network), not both")
	}
	if len(s.Model.Params) > 0 {
		c.add("model.params", "a network takes no model.params; its settings are the layers' parameters and the top-level keys (optimizer, epochs, ...)")
	}
	if len(s.Preprocess) > 0 {
		c.add("preprocess", "preprocess applies to classic estimators; a network takes transforms (image data) or its own layers")
	}
	if len(s.Model.Layers) == 0 {
		c.add("model.layers", `expected at least one layer, such as {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}`)
	}
	task := s.networkTask()

	// criterion
	if s.Criterion == nil {
		s.Criterion = &Step{Type: "CrossEntropyLoss"}
	}
	if !contains(specLosses, s.Criterion.Type) {
		if contains(nn.LossTypes(), s.Criterion.Type) {
			c.add("criterion.type", fmt.Sprintf("%s is not available in a spec (its targets cannot be described); expected one of %s", s.Criterion.Type, strings.Join(specLosses, ", ")))
		} else {
			c.add("criterion.type", fmt.Sprintf("unknown loss %s%s, expected one of %s", quote(abbrev(s.Criterion.Type)), suggest.Hint(s.Criterion.Type, specLosses), strings.Join(specLosses, ", ")))
		}
	} else if _, err := nn.NewLoss(s.Criterion.Type, s.Criterion.Params); err != nil {
		c.add("criterion", err.Error())
	}

	// optimizer
	if s.Optimizer == nil {
		s.Optimizer = &Step{Type: "SGD", Params: json.RawMessage(`{"lr":0.01}`)}
	}
	dummy, _ := optim.NewSGD(nil, optim.SGDConfig{LR: DefaultLR})
	if _, err := optim.New(s.Optimizer.Type, nil, s.Optimizer.Params); err != nil {
		path := "optimizer"
		if strings.Contains(err.Error(), "unknown optimizer") {
			path = "optimizer.type"
		}
		c.add(path, strings.TrimPrefix(err.Error(), "optim: "))
	}
	if s.Scheduler != nil {
		path := "scheduler"
		if !contains(optim.SchedulerNames(), s.Scheduler.Type) {
			path = "scheduler.type"
		}
		if _, err := optim.NewScheduler(s.Scheduler.Type, dummy, s.Scheduler.Params); err != nil {
			c.add(path, strings.TrimPrefix(err.Error(), "optim: "))
		}
	}
	if s.BatchSize == 0 {
		s.BatchSize = DefaultBatchSize
	} else if s.BatchSize < 0 {
		c.add("batch_size", fmt.Sprintf("expected an integer ≥ 1, got %d", s.BatchSize))
	}
	if s.Epochs == 0 {
		s.Epochs = DefaultEpochs
	} else if s.Epochs < 0 || s.Epochs > 100000 {
		c.add("epochs", fmt.Sprintf("expected an integer from 1 to 100000, got %d", s.Epochs))
	}

	// data kinds and transforms
	kind := TableData
	if dataOK {
		kind = env.Kind(s.Data.Train)
		if !s.Data.Test.IsZero() {
			if tk := env.Kind(s.Data.Test); tk != kind {
				c.add("data.test", fmt.Sprintf("holds %s data but data.train holds %s data; expected the same kind", tk, kind))
				dataOK = false
			}
		}
		if kind != TableData && s.Data.Target != "" {
			c.add("data.target", "applies to table data (CSV or built-in); images take their labels from the IDX label file or the class folders")
		}
	}
	if len(s.Transforms) > 0 {
		if _, err := images.ParseTransforms(s.Transforms); err != nil {
			c.add(transformPath("transforms", err), trimIndex(err.Error()))
			dataOK = false
		} else if dataOK && kind == TableData {
			c.add("transforms", "image transforms apply to image data (an image folder or IDX files), not to table data")
		}
	}
	if len(s.TargetTransforms) > 0 {
		if _, err := images.ParseTargetTransforms(s.TargetTransforms); err != nil {
			c.add(transformPath("target_transforms", err), trimIndex(err.Error()))
		}
	}
	if task == ml.Regression && kind != TableData && dataOK {
		c.add("criterion", fmt.Sprintf("%s is a regression loss, but image data has class labels; use CrossEntropyLoss", s.Criterion.Type))
		dataOK = false
	}

	// input shape, classes and the layers
	if !dataOK || len(s.Model.Layers) == 0 {
		return task
	}
	needClasses := task == ml.Classification
	info, err := s.Sample(env, needClasses)
	if err != nil {
		c.add("data.train", err.Error())
		return task
	}
	if len(s.Labels) > 0 {
		if info.NLabels > 0 && len(s.Labels) < info.NLabels {
			c.add("labels", fmt.Sprintf("names %d classes but the data has %d", len(s.Labels), info.NLabels))
			return task
		}
		info.Classes, info.NLabels = s.Labels, len(s.Labels)
	}
	if needClasses && info.NLabels < 2 {
		c.add("data.train", fmt.Sprintf("a classification network needs at least 2 classes, the data has %d", info.NLabels))
		return task
	}
	pl, layers, err := PlanNetwork(s.Model.Layers, info.Shape, info.NLabels)
	if path, msg, ok := planErrorField(err); ok {
		c.add(path, msg)
		return task
	}
	if err != nil {
		msg := err.Error()
		path := "model.layers"
		if m := layerIndex.FindStringSubmatch(msg); m != nil {
			path = "model.layers[" + m[1] + "]"
			msg = msg[len(m[0]):]
		}
		if strings.HasPrefix(msg, "unknown layer type") {
			// The list of layers grows; the hint is what helps here.
			msg, _, _ = strings.Cut(msg, ", expected one of")
		}
		if strings.Contains(msg, "shape") {
			msg += fmt.Sprintf(" (the data's samples have shape %v)", info.Shape)
		}
		c.add(path, msg)
		return task
	}
	if !s.checkNetworkBudget(c, env, pl) {
		return task
	}
	out := layers[len(layers)-1].OutShape
	switch {
	case needClasses && (len(out) < 2 || out[1] != info.NLabels):
		c.add("model.layers", fmt.Sprintf("the last layer outputs shape %v but the data has %d classes; expected (1, %d), e.g. a last Linear with \"out_features\": \"n_labels\"", out, info.NLabels, info.NLabels))
	case needClasses && len(out) != 2:
		c.add("model.layers", fmt.Sprintf("the last layer outputs shape %v; a classifier's output must be (N, classes): add a Flatten", out))
	case task == ml.Regression && !(len(out) == 2 && out[1] == 1):
		c.add("model.layers", fmt.Sprintf("the last layer outputs shape %v; a regression network must output (1, 1), e.g. a last Linear with \"out_features\": 1", out))
	default:
		s.net = &NetInfo{Task: task, Kind: info.Kind, InShape: info.Shape, OutShape: out, NLabels: info.NLabels,
			Classes: info.Classes, Features: info.Features, Layers: layers}
	}
	return task
}

var elemIndex = regexp.MustCompile(`^(?:target_)?transforms\[(\d+)\]: `)

// transformPath returns the field path of a transform error.
func transformPath(key string, err error) string {
	if m := elemIndex.FindStringSubmatch(err.Error()); m != nil {
		return key + "[" + m[1] + "]"
	}
	return key
}

func trimIndex(msg string) string {
	if m := elemIndex.FindStringSubmatch(msg); m != nil {
		return msg[len(m[0]):]
	}
	return msg
}

// networkOnly lists the keys that only a network takes, with their values'
// presence.
func (s *Spec) networkOnly() []string {
	var keys []string
	for _, k := range []struct {
		key string
		set bool
	}{
		{"criterion", s.Criterion != nil}, {"optimizer", s.Optimizer != nil}, {"scheduler", s.Scheduler != nil},
		{"batch_size", s.BatchSize != 0}, {"epochs", s.Epochs != 0}, {"transforms", s.Transforms != nil},
		{"target_transforms", s.TargetTransforms != nil}, {"labels", s.Labels != nil},
	} {
		if k.set {
			keys = append(keys, k.key)
		}
	}
	return keys
}
