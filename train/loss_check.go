package train

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/tensor"
)

// checkLoss runs the criterion once on a batch of two zero outputs of the
// planned width and targets in the form the run will give it (class
// labels 0 and 1 converted as the trainer converts them, or values), so
// that parameters that do not fit the data, such as a weight per class of
// the wrong length, are a validation error and not the first step's.
//
// A classifier on table data whose target holds numbers with fractions is
// refused, as scikit-learn refuses a "continuous" target: such a target is
// a regression's.
func (p *Plan) checkLoss(c *problems, task ml.Task, kind data.Kind, classes []string, nLabels int, out []int) {
	s := p.spec
	if task == ml.Classification && kind == data.TableData && len(s.Labels) == 0 {
		for _, name := range classes {
			if v, err := strconv.ParseFloat(name, 64); err == nil && v != math.Trunc(v) {
				c.add("criterion", fmt.Sprintf("%s compares the output with classes, but the target column holds continuous values such as %s; use a loss of values (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, PoissonNLLLoss) with a last layer of \"out_features\": 1",
					criterionName(s.Criterion), name))
				return
			}
		}
	}
	if s.Criterion == nil {
		return
	}
	loss, err := nn.NewLoss(s.Criterion.Type, s.Criterion.Params)
	if err != nil {
		return // reported by Validate
	}
	_, gaussian := loss.(*nn.GaussianNLLLoss)
	switch in := nn.PackedInputs(loss); {
	case gaussian && task == ml.Classification:
		c.add("criterion", fmt.Sprintf("GaussianNLLLoss needs %s; in a spec it is a regression loss, whose network outputs the mean and the variance of the target, but this spec's target holds classes (use a regression target, or a loss of classes)", in))
		return
	case in != "" && !gaussian:
		c.add("criterion", fmt.Sprintf("%s needs %s, but a spec's network has one output and its target is a class label or a value, which give it none of these; use it from Go (Forward with its inputs packed as its documentation says, or its method taking them apart)", s.Criterion.Type, in))
		return
	}
	if len(out) != 2 || out[1] < 1 || out[1] > 1<<16 {
		return
	}
	g := nn.NewInferenceGraph()
	x := tensor.New(2, out[1])
	var y *tensor.Tensor
	oneHot := kind != data.TableData && hasOneHot(s)
	if task == ml.Classification {
		y = tensor.New(2)
		y.Data[1] = float32(1 % max(nLabels, 1))
		if oneHot { // the image's labels reach the loss one-hot
			y = tensor.New(2, nLabels)
			y.Data[0], y.Data[nLabels+1%nLabels] = 1, 1
		} else if nn.TargetFormOf(loss) != nn.TargetClass {
			if y, err = nn.ClassTargets(loss, y, nLabels, nil); err != nil {
				c.add("criterion", fmt.Sprintf("%s: %v", s.Criterion.Type, err))
				return
			}
		}
	} else {
		y = tensor.New(2, out[1])
		if gaussian { // [mean | var] against one target
			y = tensor.New(2, max(out[1]/2, 1))
		}
	}
	loss.Forward(g, g.Const(x), g.Const(y))
	if err := g.Err(); err != nil {
		msg := fmt.Sprintf("%s (the network outputs %d values per sample", strings.TrimPrefix(err.Error(), "nn: "), out[1])
		if oneHot {
			msg += "; the OneHot target transform gives it one-hot targets: leave it out for a loss of class indices"
		}
		c.add("criterion", msg+")")
	}
}

// hasOneHot reports whether the spec's target transforms make one-hot
// targets.
func hasOneHot(s *spec.Spec) bool {
	if len(s.TargetTransforms) == 0 {
		return false
	}
	ts, err := images.ParseTargetTransforms(s.TargetTransforms)
	if err != nil {
		return false
	}
	for _, t := range ts {
		if _, ok := t.(*images.OneHot); ok {
			return true
		}
	}
	return false
}

func criterionName(st *spec.Step) string {
	if st == nil {
		return "CrossEntropyLoss"
	}
	return st.Type
}
