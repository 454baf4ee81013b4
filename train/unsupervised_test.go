package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml/cluster"
	"github.com/mlforge/mlforge/ml/decomposition"
	"github.com/mlforge/mlforge/ml/manifold"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
)

// TestUnsupervisedExamples runs the unsupervised example specs: KMeans on
// iris scored against its labels, PCA on wine keeping 80% of the variance.
func TestUnsupervisedExamples(t *testing.T) {
	for file, check := range map[string]func(t *testing.T, res *Result, m *model.Model){
		"iris-kmeans.json": func(t *testing.T, res *Result, m *model.Model) {
			tr := res.Metrics["train"]
			// scikit-learn 1.2.1, StandardScaler then KMeans(3, n_init=10,
			// random_state=0) on iris: ARI 0.6201, NMI 0.6595, silhouette 0.4599.
			if tr["adjusted_rand_score"] < 0.6 || tr["normalized_mutual_info_score"] < 0.64 || tr["silhouette_score"] < 0.45 || tr["n_clusters"] != 3 || tr["inertia"] <= 0 {
				t.Errorf("train metrics %v", tr)
			}
			km, ok := m.Pipeline.Final.(*cluster.KMeans)
			if !ok || len(km.Labels()) != 150 {
				t.Fatalf("loaded model's final estimator is %T with %d labels", m.Pipeline.Final, len(km.Labels()))
			}
			// A new row is assigned to a cluster.
			p, err := m.Predict(mat.NewDense(1, 4, []float64{5.1, 3.5, 1.4, 0.2}), false)
			if err != nil || p.Values[0] != float64(km.Labels()[0]) {
				t.Errorf("predict = %v, %v; the first training row's cluster is %d", p, err, km.Labels()[0])
			}
		},
		"wine-pca.json": func(t *testing.T, res *Result, m *model.Model) {
			// scikit-learn: 5 components explain 0.8016 of the standardised wine variance.
			if v := res.Metrics["train"]["explained_variance_ratio"]; v < 0.8 || v > 0.81 {
				t.Errorf("explained variance ratio %v", v)
			}
			pc, ok := m.Pipeline.Final.(*decomposition.PCA)
			if !ok || pc.NComponentsFitted() != 5 {
				t.Fatalf("final %T", m.Pipeline.Final)
			}
			Z, err := m.Transform(mat.NewDense(1, 13, make([]float64, 13)))
			if r, c := Z.Dims(); err != nil || r != 1 || c != 5 {
				t.Errorf("transform: %v", err)
			}
		},
	} {
		t.Run(file, func(t *testing.T) {
			s, err := spec.Load(filepath.Join("..", "examples", file))
			if err != nil {
				t.Fatal(err)
			}
			s.Output = filepath.Join(t.TempDir(), "model")
			res, err := Run(context.Background(), s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(res.ModelPath)
			if err != nil {
				t.Fatal(err)
			}
			check(t, res, m)
		})
	}
}

// TestUnsupervisedCSV: a CSV without data.target clusters every column;
// DBSCAN's labels are saved; a metric against labels without data.target
// and n_clusters above the rows are errors naming the field.
func TestUnsupervisedCSV(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pts.csv"), []byte("a,b\n0,0\n0,0.1\n0.1,0\n5,5\n5,5.1\n5.1,5\n20,20\n"), 0o644)
	res, err := runSpec(t, dir, `{"name": "db", "data": {"train": "pts.csv"},
		"model": {"class": "DBSCAN", "params": {"eps": 0.5, "min_samples": 2}}, "output": "m"}`)
	if err != nil {
		t.Fatal(err)
	}
	if tr := res.Metrics["train"]; tr["n_clusters"] != 2 || !(tr["silhouette_score"] > 0.5) || len(res.Features) != 2 {
		t.Fatalf("result %+v", res)
	}
	m, err := model.Load(filepath.Join(dir, "m"))
	if err != nil {
		t.Fatal(err)
	}
	if db := m.Pipeline.Final.(*cluster.DBSCAN); len(db.Labels()) != 7 || db.Labels()[6] != -1 {
		t.Fatalf("saved labels %v", db.Labels())
	}
	for _, c := range []struct{ spec, want string }{
		{`{"name": "x", "data": {"train": "pts.csv"}, "model": {"class": "KMeans", "params": {"n_clusters": 2}}, "metrics": ["adjusted_rand_score"], "output": "m"}`, "metrics[0]: \"adjusted_rand_score\" compares the clusters with a labelled column"},
		{`{"name": "x", "data": {"train": "builtin:iris"}, "model": {"class": "KMeans", "params": {"n_clusters": 151}}, "output": "m"}`, "model.params.n_clusters: n_clusters is 151 but the data has only 150 rows"},
		{`{"name": "x", "data": {"train": "pts.csv"}, "model": {"class": "PCA", "params": {"n_components": 3}}, "output": "m"}`, "model.params.n_components: n_components is 3 but the data has"},
		{`{"name": "x", "data": {"train": "pts.csv"}, "model": {"class": "KMeans", "params": {"n_clusters": 8}}, "output": "m"}`, "n_clusters is 8 but the data has only 7 rows"},
		{`{"name": "x", "data": {"train": "pts.csv"}, "model": {"class": "DBSCAN", "params": {"eps": 0}}, "output": "m"}`, "model.params.eps"},
	} {
		_, err := runSpec(t, dir, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.spec, err, c.want)
		}
	}
}

// TestUnsupervisedManifold: a TSNE run on iris saves its embedding of the
// 150 rows and reports kl_divergence, an NMF run its reconstruction_err;
// a perplexity of at least the rows is an error naming the field.
func TestUnsupervisedManifold(t *testing.T) {
	dir := t.TempDir()
	res, err := runSpec(t, dir, `{"name": "ts", "data": {"train": "builtin:iris"},
		"model": {"class": "TSNE", "params": {"perplexity": 20, "n_iter": 250, "random_state": 0}}, "output": "m"}`)
	if err != nil {
		t.Fatal(err)
	}
	if kl := res.Metrics["train"]["kl_divergence"]; !(kl > 0) {
		t.Errorf("train metrics %v, want kl_divergence > 0", res.Metrics["train"])
	}
	m, err := model.Load(filepath.Join(dir, "m"))
	if err != nil {
		t.Fatal(err)
	}
	ts, ok := m.Pipeline.Final.(*manifold.TSNE)
	if !ok {
		t.Fatalf("final %T", m.Pipeline.Final)
	}
	if r, c := ts.Embedding().Dims(); r != 150 || c != 2 {
		t.Errorf("saved embedding %dx%d, want 150x2", r, c)
	}
	if _, err := m.Transform(mat.NewDense(1, 4, []float64{5.1, 3.5, 1.4, 0.2})); err == nil || !strings.Contains(err.Error(), "no transform for new rows") {
		t.Errorf("transform with a TSNE model: %v", err)
	}
	res, err = runSpec(t, dir, `{"name": "nmf", "data": {"train": "builtin:iris"},
		"model": {"class": "NMF", "params": {"n_components": 2}}, "output": "m2"}`)
	if err != nil {
		t.Fatal(err)
	}
	// scikit-learn 1.2.1: NMF(n_components=2) on iris, reconstruction_err_ 3.9433 (ml/decomposition/testdata/nmf.json).
	if v := res.Metrics["train"]["reconstruction_err"]; math.Abs(v-3.943322751) > 1e-6 {
		t.Errorf("reconstruction_err %v, scikit-learn 3.943322751", v)
	}
	os.WriteFile(filepath.Join(dir, "pts.csv"), []byte("a,b\n0,0\n0,0.1\n0.1,0\n5,5\n5,5.1\n5.1,5\n20,20\n"), 0o644)
	if _, err := runSpec(t, dir, `{"name": "x", "data": {"train": "pts.csv"}, "model": {"class": "TSNE"}, "output": "m3"}`); err == nil || !strings.Contains(err.Error(), "model.params.perplexity: perplexity is 30 but the data has 7 samples") {
		t.Errorf("TSNE on 7 rows: %v", err)
	}
	if _, err := runSpec(t, dir, `{"name": "x", "data": {"train": "pts.csv", "test": "pts.csv"}, "model": {"class": "TSNE", "params": {"perplexity": 2}}, "output": "m4"}`); err == nil || !strings.Contains(err.Error(), "data.test: TSNE has no transform for new rows") {
		t.Errorf("TSNE with data.test: %v", err)
	}
}
