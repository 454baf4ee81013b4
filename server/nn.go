package server

import (
	"slices"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
	"github.com/mlforge/mlforge/train"
)

// nnParam describes one parameter of a layer, loss, optimizer, scheduler or
// transform for the web page's network form; its JSON form is {"name",
// "type", "default", "enum", "min", "max", "help", "auto", "n_labels",
// "required", "nullable"}.
type nnParam = nn.ParamInfo

// nnEntry is one class of the catalogue.
type nnEntry struct {
	Name   string    `json:"name"`
	Kind   string    `json:"kind,omitempty"` // transforms: "transform" or "target_transform"
	Doc    string    `json:"doc"`
	Params []nnParam `json:"params"`
}

// specExcludedLosses are the losses a training spec rejects (their targets
// cannot be described in a spec), left out of the form.
var specExcludedLosses = []string{"BCELoss", "BCEWithLogitsLoss"}

// entries converts catalogue entries, keeping those keep accepts (all when
// keep is nil).
func entries(infos []nn.Info, keep func(name string) bool) []nnEntry {
	out := []nnEntry{}
	for _, info := range infos {
		if keep != nil && !keep(info.Name) {
			continue
		}
		e := nnEntry{Name: info.Name, Doc: info.Doc, Params: info.Params}
		if e.Params == nil {
			e.Params = []nnParam{}
		}
		out = append(out, e)
	}
	return out
}

// networkCatalogue returns the catalogues of /api/classes for networks,
// read from the registries of package nn, nn/optim and data/images, so
// that a newly registered class appears with its parameters.
func networkCatalogue() map[string]any {
	var tr []nnEntry
	for _, info := range images.Catalogue() {
		if info.Name == "Compose" {
			continue
		}
		e := nnEntry{Name: info.Name, Kind: info.Kind, Doc: info.Doc, Params: []nnParam{}}
		for _, p := range info.Params {
			e.Params = append(e.Params, nnParam{Name: p.Name, Type: p.Type, Default: p.Default, Enum: p.Enum,
				Help: p.Help, Required: p.Default == nil})
		}
		tr = append(tr, e)
	}
	return map[string]any{
		"layers":     entries(nn.LayerCatalogue(), nil),
		"losses":     entries(nn.LossCatalogue(), func(n string) bool { return !slices.Contains(specExcludedLosses, n) }),
		"optimizers": optim.Catalogue(),
		"schedulers": optim.SchedulerCatalogue(),
		"transforms": tr,
	}
}

// describeNetwork adds each layer's output shape for a validated network
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
	extraClasses = networkCatalogue
	describeSpec = describeNetwork
}
