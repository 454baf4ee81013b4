package server

import (
	"slices"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/train"
)

// describeNetwork adds each layer's output shape for a checked network
// spec.
func describeNetwork(plan *train.Plan, out *api.Validation) {
	info := plan.Net
	if info == nil {
		return
	}
	out.Layers = make([]api.LayerShape, len(info.Layers))
	for i, l := range info.Layers {
		out.Layers[i] = api.LayerShape{Index: l.Index, Type: l.Type, OutShape: slices.Clone(l.OutShape)}
	}
	out.InputShape = slices.Clone(info.InShape)
	out.NLabels = info.NLabels
}

func init() {
	extraClasses = train.NetworkCatalogue
	describeSpec = describeNetwork
}
