package train

import (
	"encoding/json"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/model"
)

// ModelPlotData returns what a saved model alone can be drawn from, as
// the JSON package plots reads (plots.Source.Selection): the manifest's
// model_selection (a search's cv_results, a learning or validation
// curve), the final estimator's importances (feature_importances_ or
// |coef_|), an AgglomerativeClustering's merge tree and a TSNE's
// embedding of its training rows (uncoloured: a model keeps no labels).
// What needs data (confusion, roc, pr, boundary, a clusterer's scatter)
// or a run's series (loss) is not there.
func ModelPlotData(m *model.Model) (json.RawMessage, error) {
	out := map[string]any{}
	if len(m.Manifest.Selection) > 0 {
		var sel map[string]json.RawMessage
		if err := json.Unmarshal(m.Manifest.Selection, &sel); err != nil {
			return nil, fmt.Errorf("the model's model_selection: %w", err)
		}
		for k, v := range sel {
			out[k] = v
		}
	}
	if p := m.Pipeline; p != nil && p.Final != nil {
		features := m.FeatureNames()
		// Step names come from transforming one row; zeros stand for it
		// (the names are x0, x1, ... where a step refuses them).
		var row *mat.Dense
		if len(features) > 0 {
			row = mat.NewDense(1, len(features), nil)
		}
		if im := importances(p, features, row); im != nil {
			out["importances"] = im
		}
		if a, ok := p.Final.(interface{ Children() [][2]int }); ok {
			if dg := dendrogram(p.Final, len(a.Children())+1); dg != nil {
				out["dendrogram"] = dg
			}
		}
		if fe, ok := p.Final.(interface{ Embedding() *mat.Dense }); ok {
			if E := fe.Embedding(); E != nil {
				n, _ := E.Dims()
				if e := embedding(p.Final, mat.NewDense(n, 1, nil), nil, nil, nil, nil); e != nil {
					out["embedding"] = e
				}
			}
		}
	}
	return json.Marshal(out)
}
