package train

import (
	"slices"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/ml/metrics"
	"github.com/mlforge/mlforge/ml/modelselection"
	"github.com/mlforge/mlforge/nn"
	"github.com/mlforge/mlforge/nn/optim"
)

// The catalogues of what a spec can name, for the service's /api/classes
// and the web page's forms: read from the registries, so that a newly
// registered class appears with its parameters. They are here, beside the
// code that builds those classes from a spec, so that the service needs
// no registry of its own.

// metricInfo describes one metric.
type metricInfo struct {
	Name            string  `json:"name"`
	Task            ml.Task `json:"task"`
	NeedsProba      bool    `json:"needs_proba"`
	GreaterIsBetter bool    `json:"greater_is_better"`
	Doc             string  `json:"doc"`
}

// ClassicCatalogue returns the estimators (ml.Classes), the metrics, the
// built-in datasets and the cross-validators of cv and search.cv, under
// the keys "estimators", "metrics", "datasets" and "cross_validators".
func ClassicCatalogue() map[string]any {
	var ms []metricInfo
	for _, n := range metrics.Names() {
		m, _ := metrics.Lookup(n)
		ms = append(ms, metricInfo{m.Name, m.Task, m.NeedsProba, m.GreaterIsBetter, m.Doc})
	}
	var ds []datasets.Info
	for _, n := range datasets.Names() {
		if info, err := datasets.Describe(n); err == nil {
			ds = append(ds, info)
		}
	}
	return map[string]any{"estimators": ml.Classes(), "metrics": ms, "datasets": ds, "cross_validators": modelselection.Splitters()}
}

// nnEntry is one class of the network catalogue; its parameters' JSON form
// is {"name", "type", "default", "enum", "min", "max", "help", "auto",
// "n_labels", "required", "nullable"}.
type nnEntry struct {
	Name   string         `json:"name"`
	Kind   string         `json:"kind,omitempty"` // transforms: "transform" or "target_transform"
	Doc    string         `json:"doc"`
	Params []nn.ParamInfo `json:"params"`
}

// specExcludedLosses are the losses a training spec rejects (their targets
// cannot be described in a spec), left out of the catalogue.
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
			e.Params = []nn.ParamInfo{}
		}
		out = append(out, e)
	}
	return out
}

// NetworkCatalogue returns the layers, losses, optimizers, schedulers,
// transforms and image operations (image_ops) a network spec can name, from the registries of package nn,
// nn/optim and data/images.
func NetworkCatalogue() map[string]any {
	var tr []nnEntry
	for _, info := range images.Catalogue() {
		if info.Name == "Compose" {
			continue
		}
		tr = append(tr, imageEntry(info))
	}
	ops := []nnEntry{}
	for _, info := range images.ImageOpsCatalogue() {
		ops = append(ops, imageEntry(info))
	}
	return map[string]any{
		"image_ops":  ops,
		"layers":     entries(nn.LayerCatalogue(), nil),
		"losses":     entries(nn.LossCatalogue(), func(n string) bool { return !slices.Contains(specExcludedLosses, n) }),
		"optimizers": optim.Catalogue(),
		"schedulers": optim.SchedulerCatalogue(),
		"transforms": tr,
	}
}

// imageEntry converts a transform or image operation of package images.
func imageEntry(info images.Info) nnEntry {
	e := nnEntry{Name: info.Name, Kind: info.Kind, Doc: info.Doc, Params: []nn.ParamInfo{}}
	for _, p := range info.Params {
		e.Params = append(e.Params, nn.ParamInfo{Name: p.Name, Type: p.Type, Default: p.Default, Enum: p.Enum,
			Help: p.Help, Required: p.Default == nil})
	}
	return e
}
