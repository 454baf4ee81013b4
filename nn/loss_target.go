package nn

import (
	"fmt"
	"math"

	"github.com/mlforge/mlforge/tensor"
)

// TargetForm is the form of target a loss compares a model's output with.
// A training loop that has class labels asks TargetFormOf(loss) and, where
// the loss wants another form, converts each batch's labels with
// ClassTargets instead of refusing the loss.
type TargetForm string

// The target forms.
const (
	// TargetClass: class indices, (N) or (N, d1, ...): CrossEntropyLoss
	// (which also takes probabilities shaped like the output), NLLLoss,
	// MultiMarginLoss.
	TargetClass TargetForm = "class"
	// TargetMultiHot: 0/1 per class, shaped like the output (one-hot from
	// a class label): BCELoss, BCEWithLogitsLoss, MultiLabelSoftMarginLoss.
	TargetMultiHot TargetForm = "multi_hot"
	// TargetSigned: ±1 per class, shaped like the output (2·one-hot - 1):
	// HingeEmbeddingLoss, SoftMarginLoss.
	TargetSigned TargetForm = "signed"
	// TargetDistribution: a probability per class, shaped like the output
	// (one-hot): KLDivLoss.
	TargetDistribution TargetForm = "distribution"
	// TargetLogDistribution: log-probabilities (KLDivLoss with log_target),
	// which a class label cannot give (log 0).
	TargetLogDistribution TargetForm = "log_distribution"
	// TargetClassList: the sample's classes, then -1, shaped like the
	// output: MultiLabelMarginLoss.
	TargetClassList TargetForm = "class_list"
	// TargetValue: real values shaped like the output (regression):
	// MSELoss, L1Loss, SmoothL1Loss, HuberLoss, PoissonNLLLoss; a class
	// label becomes one-hot.
	TargetValue TargetForm = "value"
)

// TargetFormOf returns the target form loss expects (TargetValue for a
// loss that does not say).
func TargetFormOf(l Loss) TargetForm {
	if f, ok := l.(interface{ TargetForm() TargetForm }); ok {
		return f.TargetForm()
	}
	return TargetValue
}

// TargetForm returns TargetClass.
func (*CrossEntropyLoss) TargetForm() TargetForm { return TargetClass }

// TargetForm returns TargetClass.
func (*NLLLoss) TargetForm() TargetForm { return TargetClass }

// TargetForm returns TargetClass.
func (*MultiMarginLoss) TargetForm() TargetForm { return TargetClass }

// TargetForm returns TargetMultiHot.
func (*BCELoss) TargetForm() TargetForm { return TargetMultiHot }

// TargetForm returns TargetMultiHot.
func (*BCEWithLogitsLoss) TargetForm() TargetForm { return TargetMultiHot }

// TargetForm returns TargetMultiHot.
func (*MultiLabelSoftMarginLoss) TargetForm() TargetForm { return TargetMultiHot }

// TargetForm returns TargetSigned.
func (*HingeEmbeddingLoss) TargetForm() TargetForm { return TargetSigned }

// TargetForm returns TargetSigned.
func (*SoftMarginLoss) TargetForm() TargetForm { return TargetSigned }

// TargetForm returns TargetDistribution, or TargetLogDistribution with
// log_target.
func (l *KLDivLoss) TargetForm() TargetForm {
	if l.LogTarget {
		return TargetLogDistribution
	}
	return TargetDistribution
}

// TargetForm returns TargetClassList.
func (*MultiLabelMarginLoss) TargetForm() TargetForm { return TargetClassList }

// ClassTargets converts class indices labels, shaped (N) (float32 values,
// as the training loop keeps them), into the target loss expects for a
// model output of shape (N, numClasses): labels itself for TargetClass, an
// (N, numClasses) tensor otherwise, written into dst when it has room (a
// loop passes the previous batch's result and allocates nothing in the
// steady state) or else newly allocated: N·numClasses values, the size of
// the batch's output, which the caller's budget already covers.
func ClassTargets(l Loss, labels *tensor.Tensor, numClasses int, dst *tensor.Tensor) (*tensor.Tensor, error) {
	form := TargetFormOf(l)
	if form == TargetClass {
		return labels, nil
	}
	if form == TargetLogDistribution {
		return nil, fmt.Errorf("KLDivLoss with log_target takes log-probabilities, which class labels cannot give (log 0); set log_target to false")
	}
	if labels.Dim() != 1 {
		return nil, fmt.Errorf("class labels of shape %v, expected (N)", labels.Shape)
	}
	if numClasses < 1 || numClasses > math.MaxInt32 {
		return nil, fmt.Errorf("%d classes, expected at least 1", numClasses)
	}
	N := labels.Shape[0]
	off, on := float32(0), float32(1)
	if form == TargetSigned {
		off = -1
	}
	if numClasses > MaxElements/max(N, 1) {
		return nil, fmt.Errorf("%d labels of %d classes: more than 2^40 values", N, numClasses)
	}
	var out *tensor.Tensor
	if dst != nil && cap(dst.Data) >= N*numClasses && dst != labels {
		dst.Shape = append(dst.Shape[:0], N, numClasses)
		dst.Data = dst.Data[:N*numClasses]
		out = dst
	} else {
		out = tensor.New(N, numClasses)
	}
	for n, v := range labels.Data {
		k := int(v)
		if float32(k) != v || k < 0 || k >= numClasses {
			return nil, fmt.Errorf("label %v at position %d is not a class index in [0, %d)", v, n, numClasses)
		}
		row := out.Data[n*numClasses : (n+1)*numClasses]
		if form == TargetClassList {
			row[0] = float32(k)
			for c := 1; c < len(row); c++ {
				row[c] = -1
			}
			continue
		}
		for c := range row {
			row[c] = off
		}
		row[k] = on
	}
	return out, nil
}
