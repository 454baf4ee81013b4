package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/spec"
)

// pretrainedVars loads the spec's pretrained_weights (if any) into seq and
// returns the variables the optimizer trains: every trainable one, or with
// freeze only the head's (nn.Freeze). The file is confined like the data
// paths and its size checked against the model budget before it is read;
// a head whose shape differs keeps its initialisation and is reported as a
// warning. Errors name pretrained_weights.
func (p *Plan) pretrainedVars(rep ml.Reporter, seq nn.Module) ([]*nn.Var, error) {
	s := p.spec
	if s.PretrainedWeights == "" {
		return nn.TrainableVars(seq), nil
	}
	bad := func(msg string) error { return &spec.FieldError{Path: "pretrained_weights", Msg: msg} }
	full, err := spec.Env{Root: p.opt.Root, Restrict: p.opt.Restrict}.Resolve(s.PretrainedWeights)
	if err != nil {
		return nil, bad(err.Error())
	}
	f, err := os.Open(full)
	if err != nil {
		return nil, bad(fmt.Sprintf("cannot open %q: %v", s.PretrainedWeights, err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, bad(fmt.Sprintf("cannot read %q: %v", s.PretrainedWeights, err))
	}
	if !fi.Mode().IsRegular() {
		return nil, bad(fmt.Sprintf("%q is not a regular file", s.PretrainedWeights))
	}
	if err := p.opt.Limits.CheckModel("pretrained_weights", "the pretrained weights file", fi.Size(), ""); err != nil {
		return nil, err
	}
	limit := p.opt.Limits.OrDefault().MaxModelBytes
	if limit < 0 {
		limit = fi.Size()
	}
	rep.Report(ml.Event{Kind: "stage", Message: "load pretrained weights " + s.PretrainedWeights})
	skipped, err := nn.LoadPretrainedSafetensors(f, limit, seq)
	if err != nil {
		return nil, bad(fmt.Sprintf("%q does not fit the network: %s", s.PretrainedWeights, strings.TrimPrefix(err.Error(), "nn: ")))
	}
	if len(skipped) > 0 {
		rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("warning: pretrained_weights: the head's %s differ in shape from the network's (another number of classes?) and keep their initialisation",
			strings.Join(skipped, ", "))})
	}
	if s.Freeze {
		vars := nn.Freeze(seq)
		rep.Report(ml.Event{Kind: "log", Message: fmt.Sprintf("freeze: training only the head %q (%d variables)", nn.Head(seq), len(vars))})
		return vars, nil
	}
	return nn.TrainableVars(seq), nil
}

// resolveNested replaces "n_labels" in the layer lists nested in the
// parameter v of a layer (Residual's body and shortcut, Add's and Concat's
// branches, Sequential's layers): v is a list of layers or a list of such
// lists. Other values are returned as they are. path names v in errors.
func resolveNested(v json.RawMessage, path string, nLabels int) (json.RawMessage, error) {
	t := bytes.TrimSpace(v)
	if len(t) == 0 || t[0] != '[' || !bytes.Contains(t, []byte(`"`+spec.NLabels+`"`)) {
		return v, nil
	}
	var layers []nn.LayerSpec
	if json.Unmarshal(t, &layers) == nil {
		res, err := ResolveLayers(layers, nLabels)
		if err != nil {
			return nil, fmt.Errorf("%s%s", path, strings.TrimPrefix(err.Error(), "layers"))
		}
		return json.Marshal(res)
	}
	var lists []json.RawMessage
	if json.Unmarshal(t, &lists) != nil {
		return v, nil
	}
	out := make([]json.RawMessage, len(lists))
	for i, l := range lists {
		r, err := resolveNested(l, fmt.Sprintf("%s[%d]", path, i), nLabels)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return json.Marshal(out)
}
