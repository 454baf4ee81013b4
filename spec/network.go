package spec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/mlforge/mlforge/data"
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

// validateNetwork checks the network keys that need no data and fills in
// their defaults.
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
	s.checkImageOps(c, kind, dataOK)
	if len(s.TargetTransforms) > 0 {
		if _, err := images.ParseTargetTransforms(s.TargetTransforms); err != nil {
			c.add(transformPath("target_transforms", err), trimIndex(err.Error()))
		}
	}
	if task == ml.Regression && kind != TableData && dataOK {
		c.add("criterion", fmt.Sprintf("%s is a regression loss, but image data has class labels; use CrossEntropyLoss", s.Criterion.Type))
		dataOK = false
	}

	// The input shape, the classes and the layers need the data: train.Check
	// probes it and plans the layers on its shape.
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
		{"image_ops", s.ImageOps != nil},
	} {
		if k.set {
			keys = append(keys, k.key)
		}
	}
	return keys
}
