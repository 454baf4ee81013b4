package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
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

// DataKind says what kind of data a source holds (data.Kind).
type DataKind = data.Kind

// The kinds of data.
const (
	TableData  = data.TableData  // a CSV file or a built-in dataset: rows of numbers
	IDXData    = data.IDXData    // a pair of IDX files: gray images and labels
	FolderData = data.FolderData // a folder with one subfolder of images per class
)

// Kind returns the kind of data s holds; for a path it looks at the file
// system (a directory is an image folder) through env's data.Root.
func (env Env) Kind(s Source) DataKind {
	return env.Data().Kind(s.Builtin, s.Path, s.IsIDX())
}

// networkTask is the task of a network, from its criterion: a loss that
// compares the output with classes (class indices, one-hot, multi-hot, ±1
// or a distribution; nn.TargetFormOf) makes a classifier. A loss of values
// (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, PoissonNLLLoss) makes a
// regressor, unless the spec says that the target holds classes: a layer
// parameter "n_labels", a OneHot target transform, labels, or IDX data
// (labels are classes); then it is a classifier trained against one-hot
// targets. A built-in regression data set keeps it a regressor.
func (s *Spec) networkTask() ml.Task {
	if lossForm(s.Criterion) != nn.TargetValue {
		return ml.Classification
	}
	if s.namesClasses() && !s.regressionBuiltin() {
		return ml.Classification
	}
	return ml.Regression
}

// lossForm returns the target form of the criterion (CrossEntropyLoss's
// when it is nil or unknown, which Validate reports), ignoring its
// parameters unless they decode.
func lossForm(c *Step) nn.TargetForm {
	name, raw := "CrossEntropyLoss", json.RawMessage(nil)
	if c != nil {
		name, raw = c.Type, c.Params
	}
	l, err := nn.NewLoss(name, raw)
	if err != nil {
		if l, err = nn.NewLoss(name, nil); err != nil {
			return nn.TargetClass
		}
	}
	return nn.TargetFormOf(l)
}

// namesClasses reports whether the spec says that its target holds
// classes, whatever its loss.
func (s *Spec) namesClasses() bool {
	if len(s.Labels) > 0 || s.Data.Train.IsIDX() {
		return true
	}
	for _, l := range s.Model.Layers {
		for k, v := range l {
			if k != "type" && bytes.Contains(v, []byte(`"`+NLabels+`"`)) {
				return true
			}
		}
	}
	if len(s.TargetTransforms) > 0 {
		if ts, err := images.ParseTargetTransforms(s.TargetTransforms); err == nil {
			for _, t := range ts {
				if _, ok := t.(*images.OneHot); ok {
					return true
				}
			}
		}
	}
	return false
}

// regressionBuiltin reports whether the training data is a built-in
// regression data set used with its own target.
func (s *Spec) regressionBuiltin() bool {
	if s.Data.Train.Builtin == "" {
		return false
	}
	in, err := datasets.Describe(s.Data.Train.Builtin)
	return err == nil && in.Task == string(ml.Regression) && (s.Data.Target == "" || s.Data.Target == in.Target)
}

// valueLosses lists the registered losses of values (regression targets).
func valueLosses() []string {
	var out []string
	for _, name := range nn.LossTypes() {
		// Losses of two or three inputs (nn.PackedInputs) are not for a
		// layer list's one output.
		if l, err := nn.NewLoss(name, nil); err == nil && nn.PackedInputs(l) != "" {
			continue
		}
		if lossForm(&Step{Type: name}) == nn.TargetValue {
			out = append(out, name)
		}
	}
	return out
}

// validateNetwork checks the network keys that need no data and fills in
// their defaults.
func (s *Spec) validateNetwork(c *errs, env Env, dataOK bool) ml.Task {
	ae, gan := s.IsAutoencoder(), s.IsGAN()
	switch {
	case ae:
		s.validateAutoencoderModel(c) // autoencoder.go
		s.ganOnly(c)
	case gan:
		s.validateGANModel(c) // gan.go
	default:
		s.ganOnly(c)
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
		for _, k := range []struct {
			key string
			set bool
		}{{"model.encoder", s.Model.Encoder != nil}, {"model.decoder", s.Model.Decoder != nil}} {
			if k.set {
				c.add(k.key, `belongs to an autoencoder: add "task": "autoencoder" (with model.encoder and model.decoder, and no model.layers)`)
			}
		}
	}
	if s.IsSequence() && s.Criterion == nil {
		s.Criterion = &Step{Type: "MSELoss"} // a forecast (sequence.go)
	}
	task := s.networkTask()

	// criterion
	if s.Criterion == nil {
		s.Criterion = &Step{Type: "CrossEntropyLoss"}
	}
	if l, err := nn.NewLoss(s.Criterion.Type, s.Criterion.Params); err != nil {
		if !contains(nn.LossTypes(), s.Criterion.Type) {
			c.add("criterion.type", fmt.Sprintf("unknown loss %s%s, expected one of %s", quote(abbrev(s.Criterion.Type)), suggest.Hint(s.Criterion.Type, nn.LossTypes()), strings.Join(nn.LossTypes(), ", ")))
		} else {
			c.add("criterion", err.Error())
		}
	} else if ae {
		s.checkAutoencoderLoss(c, l)
	} else if gan {
		// validateGANModel named the losses a GAN takes
	} else {
		s.checkLoss(c, l)
	}

	// optimizer, and the scheduler over it (a scheduler may need what the
	// optimizer has, as CyclicLR's cycle_momentum needs a momentum)
	if s.Optimizer == nil {
		s.Optimizer = &Step{Type: "SGD", Params: json.RawMessage(`{"lr":0.01}`)}
	}
	o, err := optim.New(s.Optimizer.Type, nil, s.Optimizer.Params)
	if err != nil {
		path := "optimizer"
		if strings.Contains(err.Error(), "unknown optimizer") {
			path = "optimizer.type"
		}
		c.add(path, strings.TrimPrefix(err.Error(), "optim: "))
	}
	if gan && s.OptimizerD != nil {
		if _, err := optim.New(s.OptimizerD.Type, nil, s.OptimizerD.Params); err != nil {
			path := "optimizer_d"
			if strings.Contains(err.Error(), "unknown optimizer") {
				path = "optimizer_d.type"
			}
			c.add(path, strings.TrimPrefix(err.Error(), "optim: "))
		}
	}
	if s.Scheduler != nil {
		path := "scheduler"
		if !contains(optim.SchedulerNames(), s.Scheduler.Type) {
			path = "scheduler.type"
		}
		// Over a plain SGD when the optimizer's own error is reported.
		dummy, _ := optim.NewSGD(nil, optim.SGDConfig{LR: DefaultLR})
		if o == nil {
			o = dummy
		}
		if _, err := optim.NewScheduler(s.Scheduler.Type, o, s.Scheduler.Params); err != nil {
			msg := strings.TrimPrefix(err.Error(), "optim: ")
			if o != dummy {
				if _, err := optim.NewScheduler(s.Scheduler.Type, dummy, s.Scheduler.Params); err == nil {
					msg += "; the optimizer is " + s.Optimizer.Type
				}
			}
			c.add(path, msg)
		}
	}
	if s.BatchSize == 0 {
		s.BatchSize = DefaultBatchSize
	} else if s.BatchSize < 0 {
		c.add("batch_size", fmt.Sprintf("expected an integer ≥ 1, got %d", s.BatchSize))
	}
	if math.IsNaN(s.GradClip) || math.IsInf(s.GradClip, 0) || s.GradClip < 0 {
		c.add("grad_clip", fmt.Sprintf("expected a number > 0 (the gradients' largest L2 norm before each step, as clip_grad_norm_'s max_norm), got %v", s.GradClip))
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
		if kind != TableData && s.Data.Target != "" && !ae && !gan {
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
	s.checkImageOps(c, kind, dataOK)
	if len(s.TargetTransforms) > 0 {
		if ts, err := images.ParseTargetTransforms(s.TargetTransforms); err != nil {
			c.add(transformPath("target_transforms", err), trimIndex(err.Error()))
		} else if dataOK && kind == TableData {
			// A table's labels reach the loss as class indices, converted
			// to the form the loss needs (one-hot as OneHot makes them);
			// nothing else applies them.
			for i, t := range ts {
				if _, ok := t.(*images.OneHot); !ok {
					c.add(fmt.Sprintf("target_transforms[%d]", i), "applies to image data; for table data, recode the target column (a OneHot is the only target transform a table takes: the run makes one-hot targets itself)")
				}
			}
		}
	}
	if gan {
		s.validateGANData(c, kind, dataOK)
		return autoencoderTask
	}
	if ae {
		if s.IsSequence() {
			c.add("data.sequence", "applies to a network trained against a target; an autoencoder reconstructs its input")
		}
		if kind != TableData && s.Data.Target != "" && dataOK {
			c.add("data.target", "applies to table data (a column left out of an autoencoder's input); images are reconstructed whole")
		}
		return autoencoderTask
	}
	if task == ml.Regression && kind != TableData && dataOK {
		c.add("criterion", fmt.Sprintf("%s compares the output with values, but image data has class labels; give the last layer \"out_features\": \"n_labels\" to train it against one-hot labels, or use CrossEntropyLoss", s.Criterion.Type))
		dataOK = false
	}

	s.validateSequence(c, kind, dataOK) // data.sequence (sequence.go)

	// The input shape, the classes and the layers need the data: train.Check
	// probes it and plans the layers on its shape.
	return task
}

// formWords describes the target forms made from class labels.
var formWords = map[nn.TargetForm]string{
	nn.TargetClass: "class indices", nn.TargetMultiHot: "0/1 targets per class", nn.TargetSigned: "±1 targets per class",
	nn.TargetDistribution: "one-hot distributions", nn.TargetClassList: "lists of class indices",
}

// checkLoss checks that the run can give the criterion l its targets and
// reduce it to one number.
func (s *Spec) checkLoss(c *errs, l nn.Loss) {
	name := s.Criterion.Type
	if nn.LossReduction(l) == "none" {
		if nn.DeprecationWarning(l) != "" { // the deprecated reduce false
			c.add("criterion.reduce", fmt.Sprintf(`%s with reduce false (reduction "none") gives a loss per element, but training needs one number; leave reduce out and use reduction "mean" or "sum"`, name))
		} else {
			c.add("criterion.reduction", fmt.Sprintf(`%s with reduction "none" gives a loss per element, but training needs one number; use "mean" or "sum"`, name))
		}
	}
	switch form := nn.TargetFormOf(l); {
	case form == nn.TargetLogDistribution:
		c.add("criterion.log_target", fmt.Sprintf("%s with log_target true compares with log-probabilities, which class labels cannot give (log 0); set log_target to false to train against one-hot distributions", name))
	case form != nn.TargetValue && s.regressionBuiltin():
		c.add("criterion.type", fmt.Sprintf("%s compares the output with %s made from class labels, but %s has a regression target; use a loss of values: %s",
			name, formWords[form], s.Data.Train.String(), strings.Join(valueLosses(), ", ")))
	}
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
		{"image_ops", s.ImageOps != nil}, {"data.sequence", s.Data.Sequence != nil}, {"optimizer_d", s.OptimizerD != nil},
		{"grad_clip", s.GradClip != 0},
	} {
		if k.set {
			keys = append(keys, k.key)
		}
	}
	return keys
}
