package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/spec"
)

// EvalTransforms are the transforms a network keeps for evaluation and
// prediction: the deterministic ones. The random augmentations
// (RandomCrop, RandomHorizontalFlip, RandomRotation, ...) apply to training
// only. Train owns this choice: the model file stores the kept list
// (model.NetworkManifest.Transforms) and prediction applies it as it is.
var EvalTransforms = []string{"Resize", "CenterCrop", "Grayscale", "ConvertRGB", "Pad", "PILToTensor", "ToPILImage", "ToTensor", "ConvertImageDtype", "Normalize", "LinearTransformation", "FiveCrop", "TenCrop"}

// FilterEvalTransforms returns the JSON list of the transforms in raw (a
// JSON list) whose type is one of EvalTransforms, or nil when none is left.
// A nested list (a Compose) is filtered in place, its kept transforms
// inline. A random crop, which fixes the size of the samples the network
// was built for, becomes its deterministic counterpart: RandomCrop(size)
// a CenterCrop(size) (its padding is symmetric, so the centre is the same),
// RandomResizedCrop(size) a Resize(size) then CenterCrop(size).
func FilterEvalTransforms(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	keep, err := evalTransforms(raw, 0)
	if err != nil || len(keep) == 0 {
		return nil, err
	}
	return json.Marshal(keep)
}

// maxComposeDepth bounds the nesting of transform lists followed.
const maxComposeDepth = 32

func evalTransforms(raw json.RawMessage, depth int) ([]json.RawMessage, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	var keep []json.RawMessage
	for _, t := range list {
		if t = bytes.TrimSpace(t); len(t) > 0 && t[0] == '[' {
			if depth >= maxComposeDepth {
				return nil, fmt.Errorf("transforms nested more than %d lists deep", maxComposeDepth)
			}
			inner, err := evalTransforms(t, depth+1)
			if err != nil {
				return nil, err
			}
			keep = append(keep, inner...)
			continue
		}
		var head struct {
			Type string          `json:"type"`
			Size json.RawMessage `json:"size"`
		}
		if err := json.Unmarshal(t, &head); err != nil {
			return nil, err
		}
		switch {
		case slices.Contains(EvalTransforms, head.Type):
			keep = append(keep, t)
		case head.Type == "RandomCrop" && head.Size != nil:
			keep = append(keep, sized("CenterCrop", head.Size))
		case head.Type == "RandomResizedCrop" && head.Size != nil:
			keep = append(keep, sized("Resize", head.Size), sized("CenterCrop", head.Size))
		}
	}
	return keep, nil
}

// sized returns the transform {"type": typ, "size": size}.
func sized(typ string, size json.RawMessage) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": typ, "size": size})
	return b
}

// RandomImageOps are the image operations that apply to training only:
// effect_spread moves pixels at random, as a random augmentation does.
// The others are deterministic and kept for evaluation and prediction
// (model.NetworkManifest.ImageOps).
var RandomImageOps = []string{"effect_spread"}

// FilterEvalImageOps returns the JSON list of the image operations in raw
// (a spec's image_ops) without RandomImageOps, or nil when none is left.
func FilterEvalImageOps(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	var keep []json.RawMessage
	for _, op := range list {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(op, &obj); err != nil {
			return nil, err
		}
		name := ""
		if t, ok := obj["type"]; ok {
			if err := json.Unmarshal(t, &name); err != nil {
				return nil, err
			}
		} else {
			for k := range obj {
				name = k
			}
		}
		if !slices.Contains(RandomImageOps, strings.TrimPrefix(name, "Image.")) {
			keep = append(keep, op)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	return json.Marshal(keep)
}

// withImageOps returns the transform t preceded by the image operations
// in raw (a JSON list; t alone when raw is empty).
func withImageOps(raw json.RawMessage, t images.Transform) (images.Transform, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return t, nil
	}
	ops, err := images.ParseImageOps(raw)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return ops.Transform(), nil
	}
	return images.Compose{ops.Transform(), t}, nil
}

// trainTransform returns the spec's image_ops and transforms as one
// training transform, or nil when it has neither.
func trainTransform(s *spec.Spec) (images.Transform, error) {
	var t images.Transform
	if len(s.Transforms) > 0 {
		var err error
		if t, err = images.ParseTransforms(s.Transforms); err != nil {
			return nil, err
		}
	}
	return withImageOps(s.ImageOps, t)
}

// transforms returns the spec's image_ops and transforms for training and
// their deterministic part for evaluation, and the target transforms; a
// OneHot without num_classes gets nLabels, the data's number of classes.
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
	if train, err = withImageOps(s.ImageOps, train); err != nil {
		return nil, nil, nil, err
	}
	evalOps, err := FilterEvalImageOps(s.ImageOps)
	if err != nil {
		return nil, nil, nil, err
	}
	if eval, err = withImageOps(evalOps, eval); err != nil {
		return nil, nil, nil, err
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
