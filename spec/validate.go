package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/nn"
)

// Env is what Validate needs to know about where the spec runs.
type Env struct {
	// Root is the directory that relative paths in the spec start from; ""
	// means the current directory.
	Root string
	// Restrict keeps every path inside Root, as the service needs: absolute
	// paths, ".." elements, backslashes and symbolic links that lead out of
	// Root are rejected.
	Restrict bool
}

// Data returns the data.Root of env: the one helper that confines the
// spec's paths, for validation and for the run alike.
func (env Env) Data() data.Root { return data.Root{Dir: env.Root, Restrict: env.Restrict} }

// Resolve returns the file-system path for a path written in a spec:
// joined to Root unless it is absolute. With Restrict set it rejects paths
// that could leave Root, including through symbolic links that exist now
// (data.Root.Resolve). The error is a *FieldError without a Path.
func (env Env) Resolve(p string) (string, error) {
	full, err := env.Data().Resolve(p)
	if err != nil {
		return "", &FieldError{Msg: err.Error()}
	}
	return full, nil
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

const nameRule = `1 to 64 letters, digits, ".", "_" or "-"`

// Validate checks what Parse cannot, without reading any data: the fields
// against each other, the registry and the file system's names. It requires
// a name, data.train, a registered classifier or regressor with valid
// parameters, registered transformers in preprocess, metrics of the model's
// task (and predict_proba for the metrics that need it), data files that
// exist, and a test_size in (0, 1), checked even when data.test makes the
// split unused; with env.Restrict, every path must stay inside env.Root.
// The keys of network training are errors with a classic model. For a
// network (model.layers) it checks the criterion, optimizer, scheduler,
// transforms, batch_size and epochs.
//
// What needs the data is left to train.Check, which every caller uses: the
// target column, the shape of a sample, the number of classes, the layers
// planned on that shape, the seed as random_state and the memory budgets.
//
// Validate fills in the defaults that depend on the model: Metrics,
// Data.Split.Stratify and Output, and for a network Criterion, Optimizer,
// BatchSize and Epochs. The error, if any, is an Errors listing every
// problem found, in field order.
func (s *Spec) Validate(env Env) error {
	var c errs

	// name
	nameOK := false
	switch {
	case s.Name == "":
		c.add("name", "required: "+nameRule)
	case s.Name == "." || s.Name == "..":
		c.add("name", "expected "+nameRule+` other than "." and "..", got `+quote(s.Name))
	case !namePattern.MatchString(s.Name):
		c.add("name", "expected "+nameRule+", got "+quote(abbrev(s.Name)))
	default:
		nameOK = true
	}

	// data
	dataOK := false
	network := s.IsNetwork()
	if s.Data.Train.IsZero() {
		c.add("data.train", `required: "builtin:NAME" or a CSV path`)
	} else {
		dataOK = checkSource(&c, env, "data.train", s.Data.Train, network)
	}
	if !s.Data.Test.IsZero() {
		dataOK = checkSource(&c, env, "data.test", s.Data.Test, network) && dataOK
	}
	if ts := s.Data.Split.TestSize; !(ts > 0 && ts < 1) {
		c.add("data.split.test_size", "expected a number > 0 and < 1, got "+strconv.FormatFloat(ts, 'g', -1, 64))
	}

	// preprocess
	for i, st := range s.Preprocess {
		path := joinIndex("preprocess", i)
		if info := lookupStep(&c, path, st); info != nil {
			build(&c, path, info.Name, st.Params)
		}
	}

	// model
	taskOK := s.validateTask(&c) // autoencoder.go
	var task ml.Task
	var est ml.Estimator
	if !taskOK {
		// The model is checked once the task is known.
	} else if network {
		task = s.validateNetwork(&c, env, dataOK)
	} else {
		for _, k := range s.networkOnly() {
			c.add(k, "applies to neural networks (model.layers); model.class is a classic estimator")
		}
		if info := lookupModel(&c, s.Model); info != nil {
			task = info.Task
			est = build(&c, "model.params", info.Name, s.Model.Params)
		}
		s.checkFitOnly(&c, est) // unsupervised.go
	}
	s.validatePretrained(&c, env, network) // pretrained_weights and freeze (pretrained.go)
	s.validateCollect(&c)                  // the collection step (collect.go)
	modelName := s.Model.Class
	if network {
		modelName = "the network"
	}

	// data.split.stratify, once the task is known
	if task != "" {
		if s.Data.Split.Stratify == nil {
			strat := task == ml.Classification
			s.Data.Split.Stratify = &strat
		} else if *s.Data.Split.Stratify && task != ml.Classification && s.Data.Test.IsZero() {
			c.add("data.split.stratify", fmt.Sprintf("stratified splitting needs class labels, but %s is a %s", modelName, taskNoun(task)))
		}
	}

	s.validateModelSelection(&c, task) // cv and search (cv.go)
	s.validatePermutation(&c, task)    // permutation_importance (permutation.go)
	s.validateSampleWeight(&c)         // data.sample_weight (weights.go)

	// metrics
	if len(s.Metrics) == 0 {
		switch {
		case task == ml.Clustering || task == ml.Transform:
			s.Metrics = s.unsupervisedMetrics(task)
		case task == ml.Classification && network:
			s.Metrics = []string{"accuracy"}
		case task == ml.Classification:
			s.Metrics = []string{"accuracy", "f1_macro"}
		case task == ml.Regression:
			s.Metrics = []string{"r2", "mean_squared_error"}
		}
	}
	seen := map[string]int{}
	for i, name := range s.Metrics {
		p := joinIndex("metrics", i)
		if first, dup := seen[name]; dup {
			c.add(p, fmt.Sprintf("%s is listed twice (also %s)", quote(abbrev(name)), joinIndex("metrics", first)))
			continue
		}
		seen[name] = i
		m, err := metrics.Lookup(name)
		switch {
		case err != nil:
			c.add(p, err.Error())
		case task != "" && m.Task != task:
			c.add(p, fmt.Sprintf("%s is a %s metric but %s is a %s", quote(name), m.Task, modelName, taskNoun(task)))
		case s.checkUnsupervisedMetric(m) != "":
			c.add(p, s.checkUnsupervisedMetric(m))
		case m.NeedsProba && est != nil:
			if _, ok := est.(ml.ProbaPredictor); !ok {
				c.add(p, fmt.Sprintf("%s needs predicted probabilities, but %s has no predict_proba", quote(name), s.Model.Class))
			}
		}
	}

	// output
	if s.Output == "" && nameOK {
		s.Output = "models/" + s.Name
	}
	if s.Output != "" {
		if _, err := env.Resolve(s.Output); err != nil {
			c.add("output", err.(*FieldError).Msg)
		}
	}

	return c.err()
}

// checkSource checks that a data source names a known built-in dataset, a
// regular file or, for a network, an image folder or a pair of IDX files,
// and reports whether it does.
func checkSource(c *errs, env Env, path string, src Source, network bool) bool {
	if src.Builtin != "" {
		if !datasets.Has(src.Builtin) {
			names := datasets.Names()
			c.add(path, fmt.Sprintf("unknown built-in dataset %s%s; known: %s",
				quote(abbrev(src.Builtin)), suggest.Hint(src.Builtin, names), strings.Join(names, ", ")))
			return false
		}
		return true
	}
	if src.IsIDX() {
		if !network {
			c.add(path, "IDX images need a neural network (model.layers); a classic estimator takes a CSV file or a built-in dataset")
			return false
		}
		ok := checkFile(c, env, joinKey(path, "images"), src.Images, "an IDX image file", false)
		return checkFile(c, env, joinKey(path, "labels"), src.Labels, "an IDX label file", false) && ok
	}
	if strings.HasPrefix(src.Path, data.DatasetPrefix) { // a stored dataset, opened (and checked) by data/source
		if !network {
			c.add(path, "a stored image dataset needs a neural network (model.layers)")
		}
		return network
	}
	return checkFile(c, env, path, src.Path, "a CSV file", network)
}

// build makes the estimator class with params (the object at path base) to
// check its parameters, reporting problems to c; it returns nil after a
// problem. The spec's seed as random_state is train's to add and check.
func build(c *errs, base, class string, params json.RawMessage) ml.Estimator {
	e, err := ml.New(class, params)
	if err != nil {
		addParamError(c, base, err)
		return nil
	}
	return e
}

// checkFile checks that p is a regular file (what) or, with dirOK, a
// directory.
func checkFile(c *errs, env Env, path, p, what string, dirOK bool) bool {
	root := env.Data()
	if _, err := root.Resolve(p); err != nil {
		c.add(path, err.Error())
		return false
	}
	q := quote(abbrev(p))
	fi, err := root.Stat(p)
	switch {
	case err != nil:
		c.add(path, describeOSError(p, err))
	case fi.IsDir() && dirOK:
		return true
	case fi.IsDir():
		c.add(path, q+" is a directory; expected "+what+" (a folder of images needs a network: model.layers)")
	case !fi.Mode().IsRegular():
		c.add(path, q+" is not a regular file; expected "+what)
	default:
		return true
	}
	return false
}

// lookupModel returns the class of the model, or nil after reporting why it
// cannot be used.
func lookupModel(c *errs, m Model) *ml.ClassInfo {
	info, err := ml.Lookup(m.Class)
	switch {
	case m.Class == "":
		if len(m.Layers) == 0 {
			c.add("model.class", `required: an estimator class name such as "KNeighborsClassifier"`)
		}
	case err != nil && suggest.Hint(m.Class, nn.Architectures()) != "":
		c.add("model.class", fmt.Sprintf("unknown class %s%s: a torchvision architecture, which model.class also names (with its model.params)", quote(abbrev(m.Class)), suggest.Hint(m.Class, nn.Architectures())))
	case err != nil:
		c.add("model.class", paramMsg(err))
	case unsupervisedClass(info): // unsupervised.go
		return info
	case info.Task != ml.Classification && info.Task != ml.Regression:
		hint := ""
		if info.Task == ml.Transform {
			hint = " (transformers go in preprocess)"
		}
		c.add("model.class", fmt.Sprintf("%s is a %s; expected a classifier or a regressor%s", info.Name, taskNoun(info.Task), hint))
	default:
		return info
	}
	return nil
}

// lookupStep returns the class of a preprocessing step, or nil after
// reporting why it is not a registered transformer.
func lookupStep(c *errs, path string, st Step) *ml.ClassInfo {
	tpath := joinKey(path, "type")
	if st.Type == "" {
		hint := ""
		var params map[string]json.RawMessage
		if json.Unmarshal(st.Params, &params) == nil {
			keys := make([]string, 0, len(params))
			for k := range params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if suggest.Closest(k, []string{"type"}) != "" {
					hint = fmt.Sprintf(" (did you mean \"type\" instead of %s?)", quote(abbrev(k)))
					break
				}
			}
		}
		c.add(tpath, `required: a transformer class name such as "StandardScaler"`+hint)
		return nil
	}
	info, err := ml.Lookup(st.Type)
	if err != nil {
		c.add(tpath, paramMsg(err))
		return nil
	}
	if info.Task != ml.Transform {
		c.add(tpath, fmt.Sprintf("%s is a %s, not a transformer", info.Name, taskNoun(info.Task)))
		return nil
	}
	if _, ok := info.New().(ml.Transformer); !ok {
		c.add(tpath, fmt.Sprintf("%s is registered as a transformer but has no Transform method", info.Name))
		return nil
	}
	return info
}

// paramMsg returns an ml error's message without the parameter name that
// *ml.ParamError.Error puts first.
func paramMsg(err error) string {
	var pe *ml.ParamError
	if errors.As(err, &pe) {
		if pe.Msg != "" {
			return pe.Msg
		}
		return fmt.Sprintf("expected %s, got %s", pe.Expected, pe.Got)
	}
	return err.Error()
}

var paramPath = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*([.\[][A-Za-z0-9_\].\[]*)?$`)

// addParamError reports an error from ml.New under base, the path of the
// parameters' object.
func addParamError(c *errs, base string, err error) {
	var pe *ml.ParamError
	if !errors.As(err, &pe) {
		c.add(base, err.Error())
		return
	}
	path := base
	switch {
	case pe.Param == "" || pe.Param == "params":
	case paramPath.MatchString(pe.Param):
		path = base + "." + pe.Param
	default:
		path = joinKey(base, pe.Param)
	}
	c.add(path, paramMsg(pe))
}

// taskNoun names an estimator of task t.
func taskNoun(t ml.Task) string {
	switch t {
	case ml.Classification:
		return "classifier"
	case ml.Regression:
		return "regressor"
	case ml.Transform:
		return "transformer"
	case ml.Clustering:
		return "clustering estimator"
	}
	return string(t) + " estimator"
}
