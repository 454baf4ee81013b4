package train

import (
	"encoding/json"
	"slices"

	"github.com/mlforge/mlforge/api"
)

// Validation returns what validating the spec answers, on the wire
// (api.Validation): the spec with its defaults filled in and, for a
// network, each layer's output shape, the input shape of one sample and
// the number of classes. The service's /api/validate and the CLI's
// validate print it.
func (p *Plan) Validation() (api.Validation, error) {
	canon, err := json.Marshal(p.spec)
	if err != nil {
		return api.Validation{}, err
	}
	out := api.Validation{Valid: true, Spec: canon, Deferred: p.Deferred}
	if info := p.Net; info != nil {
		out.Layers = make([]api.LayerShape, len(info.Layers))
		for i, l := range info.Layers {
			out.Layers[i] = api.LayerShape{Index: l.Index, Type: l.Type, OutShape: slices.Clone(l.OutShape)}
		}
		out.InputShape = slices.Clone(info.InShape)
		out.NLabels = info.NLabels
	}
	return out, nil
}
