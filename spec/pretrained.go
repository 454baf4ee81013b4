package spec

import (
	"os"
)

// Pretrained holds the keys of fine-tuning a network from weights the user
// brings:
//
//	"pretrained_weights": "weights/resnet18.safetensors", "freeze": true
//
// The weights are a safetensors file of the network's state_dict
// (torchvision names for the named architectures), loaded after the
// network is built; a classification head whose shape differs (other
// n_labels) keeps its initialisation. Freeze trains only the head.
type Pretrained struct {
	// PretrainedWeights is the path of a safetensors file, relative to
	// Env.Root unless absolute (confined like the data paths).
	PretrainedWeights string `json:"pretrained_weights,omitempty"`
	// Freeze stops the gradients of every parameter outside the head; it
	// needs PretrainedWeights.
	Freeze bool `json:"freeze,omitempty"`
}

// pretrained reads "pretrained_weights" and "freeze" from the top-level
// members m.
func (d *decoder) pretrained(m map[string]*node) Pretrained {
	var p Pretrained
	if n := m["pretrained_weights"]; n != nil && n.kind != kindNull {
		p.PretrainedWeights = d.str(n, "pretrained_weights")
		if n.kind == kindString && p.PretrainedWeights == "" {
			d.add(n, "pretrained_weights", `expected the path of a safetensors file such as "weights/resnet18.safetensors", got ""`)
		}
	}
	if n := m["freeze"]; n != nil && n.kind != kindNull {
		if n.kind != kindBool {
			d.add(n, "freeze", "expected true or false, got "+got(n))
		} else {
			p.Freeze = n.boolean
		}
	}
	return p
}

// validatePretrained checks the keys of Pretrained: a network only, a
// regular file confined by env, and freeze only with weights.
func (s *Spec) validatePretrained(c *errs, env Env, network bool) {
	if !network {
		if s.PretrainedWeights != "" {
			c.add("pretrained_weights", "applies to neural networks (model.layers); model.class is a classic estimator")
		}
		if s.Freeze {
			c.add("freeze", "applies to neural networks (model.layers); model.class is a classic estimator")
		}
		return
	}
	if s.Freeze && s.PretrainedWeights == "" {
		c.add("freeze", `freezes the layers loaded from pretrained_weights, which the spec does not give; add "pretrained_weights": "PATH.safetensors" or drop freeze`)
	}
	if s.PretrainedWeights == "" {
		return
	}
	full, err := env.Resolve(s.PretrainedWeights)
	if err != nil {
		c.add("pretrained_weights", err.(*FieldError).Msg)
		return
	}
	fi, err := os.Stat(full)
	switch {
	case err != nil && os.IsNotExist(err):
		c.add("pretrained_weights", "no such file: "+quote(abbrev(s.PretrainedWeights)))
	case err != nil:
		c.add("pretrained_weights", "cannot read "+quote(abbrev(s.PretrainedWeights))+": "+err.Error())
	case !fi.Mode().IsRegular():
		c.add("pretrained_weights", "expected a safetensors file, but "+quote(abbrev(s.PretrainedWeights))+" is not a regular file")
	}
}
