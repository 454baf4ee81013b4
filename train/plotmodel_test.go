package train_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/plots"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestModelPlotData: a saved model alone draws the kinds it keeps the data
// of: a TSNE its embedding, an AgglomerativeClustering its merge tree, a
// forest its importances, a search its cv_results (search and parallel);
// and a TSNE run records its embedding, coloured by the labelled column.
func TestModelPlotData(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"tsne", `"data": {"train": "builtin:iris", "target": "target"}, "model": {"class": "TSNE", "params": {"perplexity": 10, "random_state": 0}}`,
			[]string{plots.KindEmbedding}},
		{"agglo", `"data": {"train": "builtin:iris"}, "model": {"class": "AgglomerativeClustering", "params": {"n_clusters": 3}}`,
			[]string{plots.KindDendrogram}},
		{"forest", `"data": {"train": "builtin:iris"}, "model": {"class": "RandomForestClassifier", "params": {"n_estimators": 5, "random_state": 0}}`,
			[]string{plots.KindImportances}},
		{"search", `"data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
			"search": {"type": "GridSearchCV", "param_grid": {"model__n_neighbors": [1, 5, 15], "model__weights": ["uniform", "distance"]}, "cv": 3}`,
			[]string{plots.KindSearch, plots.KindParallel}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := spec.Parse([]byte(`{"name": "` + c.name + `", ` + c.body + `, "output": "` + filepath.Join(t.TempDir(), "m") + `"}`))
			if err != nil {
				t.Fatal(err)
			}
			res, err := train.Run(context.Background(), s, train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "tsne" {
				e := res.Embedding
				if e == nil || e.Kind != "embedding" || len(e.X) != 150 || e.ColourBy != "label" || len(e.Groups) != 3 {
					t.Fatalf("the TSNE run's embedding: %+v", e)
				}
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatal(err)
			}
			sel, err := train.ModelPlotData(m)
			if err != nil {
				t.Fatal(err)
			}
			src := plots.Source{Name: c.name, Selection: sel}
			if got := plots.Available(src); !slices.Equal(got, c.want) {
				t.Fatalf("a %s model draws %v, want %v (%s)", c.name, got, c.want, abbrev(sel))
			}
			for _, k := range c.want {
				if _, err := plots.Draw(src, k, plots.Options{Width: 300, Height: 200}); err != nil {
					t.Errorf("%s: %v", k, err)
				}
			}
			if c.name == "forest" {
				var im struct {
					Importances struct{ Features []string } `json:"importances"`
				}
				json.Unmarshal(sel, &im)
				if len(im.Importances.Features) != 4 || !slices.Contains(im.Importances.Features, "petal_length") {
					t.Errorf("importances name %v, want iris's features", im.Importances.Features)
				}
			}
		})
	}
}

func abbrev(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
