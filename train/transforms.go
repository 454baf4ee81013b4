package train

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/spec"
)

// EvalTransforms are the transforms a network keeps for evaluation and
// prediction: the deterministic ones. The random augmentations
// (RandomCrop, RandomHorizontalFlip, RandomRotation, ...) apply to training
// only. Train owns this choice: the model file stores the kept list
// (model.NetworkManifest.Transforms) and prediction applies it as it is.
var EvalTransforms = []string{"Resize", "CenterCrop", "Grayscale", "ConvertRGB", "ToTensor", "Normalize"}

// FilterEvalTransforms returns the JSON list of the transforms in raw (a
// JSON list) whose type is one of EvalTransforms, or nil when none is left.
func FilterEvalTransforms(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	var keep []json.RawMessage
	for _, t := range list {
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(t, &head); err != nil {
			return nil, err
		}
		if slices.Contains(EvalTransforms, head.Type) {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	return json.Marshal(keep)
}

// transforms returns the spec's transforms for training and their
// deterministic part for evaluation, and the target transforms; a OneHot
// without num_classes gets nLabels, the data's number of classes.
func transforms(s *spec.Spec, nLabels int) (train, eval images.Transform, target images.TargetTransform, err error) {
	if len(s.Transforms) > 0 {
		if train, err = images.ParseTransforms(s.Transforms); err != nil {
			return nil, nil, nil, err
		}
		raw, err := FilterEvalTransforms(s.Transforms)
		if err != nil {
			return nil, nil, nil, err
		}
		if raw != nil {
			if eval, err = images.ParseTransforms(raw); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	if len(s.TargetTransforms) > 0 {
		ts, err := images.ParseTargetTransforms(s.TargetTransforms)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, t := range ts {
			if o, ok := t.(*images.OneHot); ok && o.NumClasses == 0 {
				o.NumClasses = nLabels // inferred from the data, as torch's one_hot infers it
			}
		}
		target = ts
	}
	return train, eval, target, nil
}
