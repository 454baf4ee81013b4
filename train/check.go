package train

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/spec"
)

// Plan is a spec checked against its data and its budgets, ready to run:
// what Check learned (the pipeline to fit, or the network's planned
// shapes) travels with it, so that Run neither validates nor probes the
// data again. A Plan runs once: Run fits its Pipeline in place.
type Plan struct {
	spec *spec.Spec
	opt  Options
	root data.Root

	// Pipeline is the unfitted pipeline of a classic spec, with the
	// hyperparameters of EffectiveParams.
	Pipeline *ml.Pipeline
	// Net is what Check learned about a network spec; nil for a classic
	// spec.
	Net *NetInfo

	netPlan *nn.NetPlan // the network's layers, planned without weights
	// netCands are a network search's candidates, each checked and
	// planned (netsearch.go); nil without a search.
	netCands []netCandidate
	probe    *source.Probe // the network's data probe
	// labels are the text labels of the training table's target once it
	// is read (loadData), nil for a numeric target: a class_weight's
	// labels become class values with them (classweight.go).
	labels []string

	// Deferred, when set, says why the checks that need the data (the
	// probe, the layers planned on its shape, the budgets) wait for the
	// spec's collection step: the stored dataset does not hold every label
	// to collect yet. The plan cannot Run: collect, then Check again.
	Deferred string
}

// Spec returns the checked spec, its defaults filled in.
func (p *Plan) Spec() *spec.Spec { return p.spec }

// LayerInfo is one layer of a planned network: its index, PyTorch type and
// output shape for a batch of one.
type LayerInfo struct {
	Index    int    `json:"index"`
	Type     string `json:"type"`
	OutShape []int  `json:"out_shape"`
}

// NetInfo is what Check learns about a network spec from its data and
// layers.
type NetInfo struct {
	// Task is ml.Classification or ml.Regression, from the criterion.
	Task ml.Task
	// Kind is the kind of the training data.
	Kind data.Kind
	// InShape is the shape of one sample (without the batch dimension):
	// of one crop when the transforms make crops.
	InShape []int
	// NCrops is the number of samples the transforms make of each image
	// (FiveCrop 5, TenCrop 10; crops.go), 1 without.
	NCrops int
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
	// Latent is an autoencoder's latent shape for a batch of one (the
	// encoder's output); nil for any other network.
	Latent []int
}

// Check validates s (spec.Validate) and checks it against its data and the
// budgets in opt.Limits, without allocating what the run will: it probes
// the data once (the CSV header or the IDX headers and the first image of
// a folder; a table whose classes a network needs is read, and kept for
// the run), checks the target column, builds the unfitted pipeline, plans
// a network's layers on the data's shape (nn.Plan: shapes, never weights)
// and compares the memory estimates with the budgets (ml.CheckMemory,
// nn.NetPlan.CheckBudget). The CLI and the service call it to validate a
// spec, and Run calls it, so that validating and running agree.
//
// The error is a spec.Errors listing every problem, in field order, each
// naming its field: a layer that does not fit names its index and both
// shapes, a spec over budget the layer or parameter, the estimate and the
// budget.
func Check(s *spec.Spec, opt Options) (*Plan, error) {
	env := spec.Env{Root: opt.Root, Restrict: opt.Restrict}
	verr := s.Validate(env)
	var list spec.Errors
	if verr != nil && !errors.As(verr, &list) {
		return nil, verr
	}
	p := &Plan{spec: s, opt: opt, root: env.Data()}
	var c problems
	if s.IsAutoencoder() {
		p.checkAutoencoder(&c, list) // autoencoder.go
	} else if s.IsGAN() {
		p.checkGAN(&c, list) // gan.go
	} else if s.IsNetwork() {
		p.checkNetwork(&c, list)
	} else {
		p.checkClassic(&c, list)
	}
	if err := spec.Merge(verr, c...); err != nil {
		return nil, s.Paths(err)
	}
	return p, nil
}

// problems collects what Check finds beyond Validate.
type problems []*spec.FieldError

func (c *problems) add(path, msg string) { *c = append(*c, &spec.FieldError{Path: path, Msg: msg}) }

// addBudget reports err, a *budget.Error whose Field is relative to base,
// under that field; any other error goes to base.
func (c *problems) addBudget(base string, err error) {
	var be *budget.Error
	if !errors.As(err, &be) {
		c.add(base, err.Error())
		return
	}
	path := be.Field
	if base != "" {
		path = base + "." + be.Field
	}
	c.add(path, be.Message())
}

// src converts a spec's source.
func src(s spec.Source) source.Source { return source.Source(s) }

// checkClassic checks a classic spec: the target column, the pipeline with
// the spec's seed and the memory budgets of its steps.
func (p *Plan) checkClassic(c *problems, list spec.Errors) {
	s := p.spec
	dataOK := !s.Data.Train.IsZero() && !list.Has("data.train", "data.test")
	var h source.Header
	table := dataOK && p.root.Kind(s.Data.Train.Builtin, s.Data.Train.Path, s.Data.Train.IsIDX()) == data.TableData
	if table {
		h = source.Columns(p.root, src(s.Data.Train))
		checkTarget(c, p.root, s.Data, h)
	}
	cols, frame := h.Names, h.Frame
	if list.Has("preprocess", "model", "seed") || s.Model.Class == "" {
		return
	}
	pipe, err := Pipeline(s)
	if err != nil {
		var pe spec.Errors
		if errors.As(err, &pe) {
			*c = append(*c, pe...)
		} else {
			c.add("model", err.Error())
		}
		return
	}
	p.Pipeline = pipe
	p.checkPrecomputed(c) // precomputed.go
	if !dataOK || list.Has("data.target") {
		return
	}
	checkColumns(c, s, pipe, table, frame, cols)
	p.checkWeightsColumn(c, cols)     // weights.go
	p.checkModelShape(c, frame, cols) // shapecheck.go
	if table && frame == nil && len(cols) > 0 {
		// Text columns in the first rows (the run checks them all).
		if ex := source.TextColumns(p.root, src(s.Data.Train), probeRows); ex != nil {
			target := cmp.Or(s.Data.Target, cols[len(cols)-1])
			delete(ex, target)
			*c = append(*c, textProblems(s, s.Data.Train.String(), cols, ex)...)
		}
	}
	// The training data's shape as far as Check knows it: all of a
	// built-in dataset; the columns of a CSV file, with one row and two
	// classes, since its rows are counted only when it is read (Run checks
	// again with the real shape before fitting).
	n, f, k := 1, 1, 2
	switch {
	case frame != nil:
		n, f = frame.X.Dims()
		k = distinct(frame.Y)
	case len(cols) >= 2:
		f = len(cols) - 1
	case !s.Data.Train.IsIDX():
		return
	}
	if info := ml.ClassOf(pipe.Final); info != nil && info.Task == ml.Regression {
		k = 1
		if frame == nil && s.Data.Train.Path != "" && !checkNumericTarget(c, p.root, s, cols) {
			return
		}
	}
	if precomputedParam(s) != "" { // precomputed.go: the matrix is n × n
		if s.Data.SampleWeight != "" && frame == nil && f > 1 {
			f--
		}
		if frame != nil && s.Data.Test.IsZero() {
			if err := checkSquare(s, frame, "data.train"); err != nil {
				var fe spec.Errors
				if errors.As(err, &fe) {
					*c = append(*c, fe...)
				} else {
					c.add("data.train", err.Error())
				}
				return
			}
		}
		n = max(n, f)
	}
	p.checkUnsupervised(c, n, f, frame != nil) // unsupervised.go
	for i, st := range pipe.Steps {
		if err := ml.CheckMemory(p.opt.Limits, fmt.Sprintf("preprocess[%d]", i), st, n, f, f); err != nil {
			c.addBudget("", err)
		}
	}
	if err := ml.CheckMemory(p.opt.Limits, "model.params", pipe.Final, n, f, k); err != nil {
		c.addBudget("", err)
	}
	p.checkSelection(c, frame, cols) // cv.go
}

// checkColumns binds the steps' column selections to the training data's
// feature columns (ml.Pipeline.Bind), known from a built-in frame or the
// CSV header: a name that is not a feature column is reported at
// preprocess[i].columns with the closest name.
func checkColumns(c *problems, s *spec.Spec, pipe *ml.Pipeline, table bool, frame *data.Frame, cols []string) {
	has := false
	for _, st := range s.Preprocess {
		has = has || st.Columns != nil
	}
	if !has {
		return
	}
	var features []string
	switch {
	case frame != nil:
		features = frame.Features
	case len(cols) > 0:
		target := s.Data.Target
		if target == "" {
			target = cols[len(cols)-1]
		}
		for _, n := range cols {
			if n != target {
				features = append(features, n)
			}
		}
	case table:
		return // the header is unreadable: loading the data reports it
	default:
		for i, st := range s.Preprocess {
			if st.Columns != nil {
				c.add(fmt.Sprintf("preprocess[%d].columns", i), "selects columns of table data (a CSV file or a built-in table); "+
					text.Quote(s.Data.Train.String())+" has no named columns")
			}
		}
		return
	}
	if err := bindColumns(pipe, features); err != nil {
		var fe spec.Errors
		if errors.As(err, &fe) {
			*c = append(*c, fe...)
		} else {
			c.add("preprocess", err.Error())
		}
	}
}

// checkTarget checks that the target column is in the training data, whose
// columns are train (nil when unreadable: the reader reports it when the
// data is loaded), and that the test data has the same target column.
func checkTarget(c *problems, root data.Root, d spec.Data, h source.Header) {
	train, fixed := h.Names, h.Fixed
	if train == nil {
		return
	}
	q := func(s string) string { return text.Quote(text.Abbrev(s)) }
	target := d.Target
	switch {
	case target == "":
		target = train[len(train)-1]
	case fixed != "" && target != fixed:
		c.add("data.target", fmt.Sprintf("%s has its target in the column %s, not %s; leave data.target out to use it",
			text.Quote(d.Train.String()), text.Quote(fixed), q(target)))
		return
	case !contains(train, target):
		c.add("data.target", fmt.Sprintf("no column %s in %s%s; columns: %s",
			q(target), q(d.Train.String()), suggest.Hint(target, train), text.List(train)))
		return
	}
	if d.Test.IsZero() {
		return
	}
	th := source.Columns(root, src(d.Test))
	test, fixed := th.Names, th.Fixed
	switch {
	case test == nil:
	case fixed != "" && target != fixed:
		c.add("data.test", fmt.Sprintf("%s has its target in the column %s, but the training data's target is %s",
			text.Quote(d.Test.String()), text.Quote(fixed), q(target)))
	case !contains(test, target):
		c.add("data.test", fmt.Sprintf("has no target column %s, which the training data has; columns: %s",
			q(target), text.List(test)))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var layerIndex = regexp.MustCompile(`^layers\[(\d+)\]: `)

// checkNetwork probes a network's data once, plans its layers on the
// sample shape and checks the plan against the budget.
func (p *Plan) checkNetwork(c *problems, list spec.Errors) {
	s := p.spec
	if s.Data.Train.IsZero() || len(s.Model.Layers) == 0 ||
		list.Has("data.train", "data.test", "transforms", "criterion") {
		return
	}
	kind := p.root.Kind(s.Data.Train.Builtin, s.Data.Train.Path, s.Data.Train.IsIDX())
	task := s.ModelTask()
	needClasses := task == ml.Classification
	o := source.ProbeOptions{Target: s.Data.Target, Seed: s.Seed,
		Classes: needClasses && (kind != data.TableData || s.Data.Train.Builtin != "" || len(s.Labels) == 0)}
	if kind == data.TableData {
		h := source.Columns(p.root, src(s.Data.Train))
		checkTarget(c, p.root, s.Data, h)
		if len(*c) > 0 {
			return
		}
		o.Header = &h // the probe reads the header once
	}
	ncrops := 1
	if (len(s.Transforms) > 0 || len(s.ImageOps) > 0) && kind != data.TableData {
		tr, err := trainTransform(s)
		if err != nil {
			return // reported by Validate
		}
		if ncrops, err = images.NCrops(tr); err != nil {
			c.add("transforms", err.Error())
			return
		}
		o.Transform = tr
	}
	info, err := source.ProbeNetwork(p.root, src(s.Data.Train), o)
	if err == nil && ncrops > 1 {
		// The samples are an image's crops stacked; the network takes one.
		if len(info.Shape) < 2 || info.Shape[0] != ncrops {
			c.add("transforms", fmt.Sprintf("the transforms make samples of shape %v, not %d crops stacked", info.Shape, ncrops))
			return
		}
		info.Shape = info.Shape[1:]
	}
	if s.Collect != nil && !list.Has("collect") {
		// The collection step fills the dataset before the run: a dataset
		// that does not exist yet, or lacks labels, is no error now.
		want := len(s.CollectLabels())
		switch {
		case err != nil:
			p.Deferred = "the data is checked after the collection step: " + err.Error()
			return
		case needClasses && info.NLabels < want:
			p.Deferred = fmt.Sprintf("the data is checked after the collection step: the dataset holds %d of the %d labels to collect", info.NLabels, want)
			return
		}
	}
	if err != nil {
		c.add("data.train", err.Error())
		return
	}
	p.probe = info
	if s.IsSequence() && !p.checkSequence(c, info, o.Header) { // sequence.go
		return
	}
	classes, nLabels := info.Classes, info.NLabels
	if len(s.Labels) > 0 {
		if nLabels > 0 && len(s.Labels) < nLabels {
			c.add("labels", fmt.Sprintf("names %d classes but the data has %d", len(s.Labels), nLabels))
			return
		}
		classes, nLabels = s.Labels, len(s.Labels)
	}
	if needClasses && nLabels < 2 {
		c.add("data.train", fmt.Sprintf("a classification network needs at least 2 classes, the data has %d", nLabels))
		return
	}
	pl, layers, err := PlanNetwork(s.Model.Layers, info.Shape, nLabels)
	var pe *nn.PlanError
	if errors.As(err, &pe) {
		c.add("model."+pe.Path, pe.Msg)
		return
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
		return
	}
	opt := "SGD"
	if s.Optimizer != nil {
		opt = s.Optimizer.Type
	}
	states := nn.OptimizerStates(opt)
	if opt == "LBFGS" {
		states = optim.LBFGSStates(s.Optimizer.Params)
	}
	checkGrads(c, s, pl) // sparse_check.go
	// A batch of images is batch_size*ncrops crops.
	if err := pl.CheckBudgetStates(p.opt.Limits, s.BatchSize*ncrops, opt, states); err != nil {
		c.addBudget("model", err)
		return
	}
	out := layers[len(layers)-1].OutShape
	// A regressor outputs 1 value per sample; with GaussianNLLLoss 2, the
	// mean and the variance.
	regWidth := 1
	if s.Criterion != nil && s.Criterion.Type == "GaussianNLLLoss" {
		regWidth = 2
	}
	switch {
	case len(out) > 2 && (needClasses && out[len(out)-1] == nLabels || task == ml.Regression && out[len(out)-1] == regWidth):
		c.add(missingFlatten(layers, info.Shape, out))
	case task == ml.Regression && regWidth == 2 && !(len(out) == 2 && out[1] == 2):
		c.add("model.layers", fmt.Sprintf("the last layer outputs shape %v; with GaussianNLLLoss a regression network must output (1, 2), the mean and the variance (PyTorch's input and var), e.g. a last Concat of a Linear and a Linear followed by Softplus", out))
	case needClasses && (len(out) < 2 || out[1] != nLabels):
		c.add("model.layers", fmt.Sprintf("the last layer outputs shape %v but the data has %d classes; expected (1, %d), e.g. a last Linear with \"out_features\": \"n_labels\"", out, nLabels, nLabels))
	case needClasses && len(out) != 2:
		c.add("model.layers", fmt.Sprintf("the last layer outputs shape %v; a classifier's output must be (N, classes): add a Flatten", out))
	case task == ml.Regression && regWidth == 1 && !(len(out) == 2 && out[1] == 1):
		c.add("model.layers", fmt.Sprintf("the last layer outputs shape %v; a regression network must output (1, 1), e.g. a last Linear with \"out_features\": 1", out))
	default:
		p.checkLoss(c, task, kind, classes, nLabels, out)
		p.netPlan = pl
		p.Net = &NetInfo{Task: task, Kind: info.Kind, InShape: info.Shape, NCrops: ncrops, OutShape: out, NLabels: nLabels,
			Classes: classes, Features: info.Features, Layers: layers}
		if s.Search != nil && len(*c) == 0 && !list.Has("search") {
			p.checkNetSearch(c) // netsearch.go
		}
	}
}

// checkNumericTarget checks that the target column of the CSV file a
// regressor is trained on holds numbers in its first rows
// (source.TextTarget); it reports a text value at data.target and returns
// false.
func checkNumericTarget(c *problems, root data.Root, s *spec.Spec, cols []string) bool {
	target := s.Data.Target
	if target == "" && len(cols) > 0 {
		target = cols[len(cols)-1]
	}
	v, line, ok := source.TextTarget(root, s.Data.Train.Path, s.Data.Target)
	if !ok {
		return true
	}
	c.add("data.target", fmt.Sprintf("%s is a regressor and expects a number as target, but the column %s of %s holds text (%s on line %d); use a classifier or a numeric target column",
		s.Model.Class, text.Quote(text.Abbrev(target)), text.Quote(text.Abbrev(s.Data.Train.Path)), text.Quote(text.Abbrev(v)), line))
	return false
}

// missingFlatten says where a Flatten is missing in a network whose last
// layer outputs the right number of features but keeps the sample's other
// dimensions (out): before the first Linear that gets more than (N,
// features).
func missingFlatten(layers []LayerInfo, in, out []int) (path, msg string) {
	prev := append([]int{1}, in...)
	for i, l := range layers {
		if l.Type == "Linear" && len(prev) > 2 {
			return fmt.Sprintf("model.layers[%d]", i), fmt.Sprintf("the network outputs shape %v, not (1, %d): the Linear at layers[%d] gets shape %v and acts on its last dimension only; add a {\"type\": \"Flatten\"} before it",
				out, out[len(out)-1], i, prev)
		}
		prev = l.OutShape
	}
	return "model.layers", fmt.Sprintf("the last layer outputs shape %v; the output must be (1, %d): add a Flatten", out, out[len(out)-1])
}
