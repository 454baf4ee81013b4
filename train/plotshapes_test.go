package train

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data/datasets"
	"github.com/mlforge/mlforge/ml/decomposition"
	"github.com/mlforge/mlforge/model"
)

// TestPlotShapes checks what unsupervised runs and classifiers record for
// the embedding, dendrogram and boundary plots.
func TestPlotShapes(t *testing.T) {
	dir := t.TempDir()
	out := func(name string) string { return filepath.ToSlash(filepath.Join(dir, name)) }

	// PCA: the first two output components of every training row.
	res, err := runSpec(t, dir, `{"name": "pca", "data": {"train": "builtin:wine", "target": "target"}, "preprocess": [{"type": "StandardScaler"}],
		"model": {"class": "PCA", "params": {"n_components": 3}}, "output": "`+out("pca")+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Embedding
	if e == nil || e.Kind != "components" || len(e.X) != 178 || e.NRows != 178 || e.Stride != 0 || e.ColourBy != "label" || len(e.Groups) != 3 || len(e.Group) != 178 {
		t.Fatalf("pca embedding %+v", e)
	}
	wine, err := datasets.Load("wine")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(filepath.Join(dir, "pca", model.FileName))
	if err != nil {
		t.Fatal(err)
	}
	Z, err := m.Transform(mat.DenseCopyOf(wine.X.Slice(0, 1, 0, 13)))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(Z.At(0, 0)-e.X[0]) > 1e-6 || math.Abs(Z.At(0, 1)-e.Y[0]) > 1e-6 {
		t.Errorf("first point (%v, %v), the model's transform (%v, %v)", e.X[0], e.Y[0], Z.At(0, 0), Z.At(0, 1))
	}
	if res.Dendrogram != nil {
		t.Errorf("a PCA run recorded a dendrogram")
	}

	// KMeans: the first two principal components of the scaled input,
	// coloured by cluster, with the centres; |coordinates| are PCA's.
	res, err = runSpec(t, dir, `{"name": "km", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}],
		"model": {"class": "KMeans", "params": {"n_clusters": 3, "n_init": 10, "random_state": 0}}, "output": "`+out("km")+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	e = res.Embedding
	if e == nil || e.Kind != "pca" || len(e.X) != 150 || e.ColourBy != "cluster" || len(e.Groups) != 3 || len(e.Centers) != 3 {
		t.Fatalf("kmeans embedding %+v", e)
	}
	m, err = model.Load(filepath.Join(dir, "km", model.FileName))
	if err != nil {
		t.Fatal(err)
	}
	ir, err := datasets.Load("iris")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := m.Pipeline.TransformSteps(ir.X)
	if err != nil {
		t.Fatal(err)
	}
	pc := decomposition.NewPCA()
	pc.NComponents = decomposition.NComponents{Count: 2}
	if err := pc.Fit(t.Context(), sc, nil); err != nil {
		t.Fatal(err)
	}
	Z, _ = pc.Transform(sc)
	for i := range 150 {
		if math.Abs(math.Abs(Z.At(i, 0))-math.Abs(e.X[i])) > 1e-5 || math.Abs(math.Abs(Z.At(i, 1))-math.Abs(e.Y[i])) > 1e-5 {
			t.Fatalf("row %d: (%v, %v), PCA (%v, %v)", i, e.X[i], e.Y[i], Z.At(i, 0), Z.At(i, 1))
		}
	}

	// AgglomerativeClustering: the whole tree, children_ as fitted.
	res, err = runSpec(t, dir, `{"name": "agg", "data": {"train": "builtin:iris"},
		"model": {"class": "AgglomerativeClustering", "params": {"n_clusters": 3, "linkage": "average"}}, "output": "`+out("agg")+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Dendrogram
	if d == nil || d.Linkage != "average" || d.NSamples != 150 || d.Truncated || len(d.LeafCounts) != 150 || len(d.Children) != 149 || len(d.Distances) != 149 {
		t.Fatalf("dendrogram %+v", d)
	}
	for i := 1; i < len(d.Distances); i++ {
		if d.Distances[i] < d.Distances[i-1]-1e-9 {
			t.Fatalf("distances not monotone at %d: %v", i, d.Distances)
		}
	}
	if res.Embedding == nil || res.Embedding.Kind != "pca" || len(res.Embedding.Centers) != 0 {
		t.Errorf("agglomerative embedding %+v", res.Embedding)
	}

	// Two features are drawn as they are, named; DBSCAN's -1 is noise.
	csv := "a,b\n"
	for i := range 20 {
		csv += fmt.Sprintf("%d,%d\n", i%2*10+i%3, i%2*10+i%5)
	}
	csv += "100,100\n"
	if err := os.WriteFile(filepath.Join(dir, "pts.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = runSpec(t, dir, `{"name": "db", "data": {"train": "pts.csv"},
		"model": {"class": "DBSCAN", "params": {"eps": 3, "min_samples": 3}}, "output": "`+out("db")+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	e = res.Embedding
	if e == nil || e.Kind != "features" || e.XLabel != "a" || e.YLabel != "b" || len(e.X) != 21 || !slices.Equal(e.Groups, []string{"noise", "cluster 0", "cluster 1"}) || e.Group[20] != 0 {
		t.Fatalf("dbscan embedding %+v", e)
	}

	// A classifier: the boundary on the two most important features.
	res, err = runSpec(t, dir, `{"name": "rf", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
		"model": {"class": "RandomForestClassifier", "params": {"n_estimators": 10, "random_state": 0}}, "output": "`+out("rf")+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	b := res.Boundary
	if b == nil || b.Chosen != "importances" || b.Features[0] != res.Importances.Features[0] || b.Features[1] != res.Importances.Features[1] ||
		b.NX != boundaryGrid || b.NY != boundaryGrid || len(b.X) != res.NTrain || len(b.Labels) != 3 {
		t.Fatalf("boundary %+v", b)
	}
	total, seen := 0, map[int]bool{}
	for i := 0; i < len(b.Cells); i += 2 {
		total += b.Cells[i+1]
		seen[b.Cells[i]] = true
	}
	if total != boundaryGrid*boundaryGrid || len(seen) != 3 {
		t.Errorf("%d cells of %d classes, want %d of 3", total, len(seen), boundaryGrid*boundaryGrid)
	}
	// Spot-check cells against the saved model's predictions: the other
	// features at the training means.
	var cells []int
	for i := 0; i < len(b.Cells); i += 2 {
		for range b.Cells[i+1] {
			cells = append(cells, b.Cells[i])
		}
	}
	m, err = model.Load(filepath.Join(dir, "rf", model.FileName))
	if err != nil {
		t.Fatal(err)
	}
	fi, fj := slices.Index(res.Features, b.Features[0]), slices.Index(res.Features, b.Features[1])
	if len(b.Held) != 4 {
		t.Fatalf("held %v", b.Held)
	}
	mean := b.Held
	for _, c := range []int{0, 12345, 20100, 39999} {
		row := make([]float64, 4)
		copy(row, mean)
		row[fi] = b.XRange[0] + (b.XRange[1]-b.XRange[0])*(float64(c%b.NX)+0.5)/float64(b.NX)
		row[fj] = b.YRange[0] + (b.YRange[1]-b.YRange[0])*(float64(c/b.NX)+0.5)/float64(b.NX)
		p, err := m.Pipeline.Predict(mat.NewDense(1, 4, row))
		if err != nil {
			t.Fatal(err)
		}
		if p[0] != float64(cells[c]) { // iris' classes are 0, 1, 2
			t.Errorf("cell %d: class %d, the model at (%v, %v) predicts %v", c, cells[c], row[fi], row[fj], p[0])
		}
	}
}

// TestPlotEmbeddingSampled checks that more than maxEmbeddingPoints rows
// are sampled evenly.
func TestPlotEmbeddingSampled(t *testing.T) {
	n := 12000
	X := mat.NewDense(n, 3, nil)
	for i := range n {
		X.SetRow(i, []float64{float64(i % 7), float64(i % 11), float64(i % 13)})
	}
	pc := decomposition.NewPCA()
	pc.NComponents = decomposition.NComponents{Count: 2}
	if err := pc.Fit(t.Context(), X, nil); err != nil {
		t.Fatal(err)
	}
	e := embedding(pc, X, nil, nil, nil, nil)
	if e == nil || e.NRows != n || e.Stride != 3 || len(e.X) != 4000 || e.ColourBy != "" {
		t.Fatalf("%+v", e)
	}
	Z, _ := pc.Transform(mat.DenseCopyOf(X.Slice(3, 4, 0, 3)))
	if math.Abs(Z.At(0, 0)-e.X[1]) > 1e-6 {
		t.Errorf("the second point %v is not row 3's %v", e.X[1], Z.At(0, 0))
	}
}

// TestPlotDendrogramTruncated checks scipy's lastp truncation of a tree of
// more than maxDendrogramLeaves samples: 30 leaves counting every sample.
func TestPlotDendrogramTruncated(t *testing.T) {
	n := maxDendrogramLeaves + 500
	f := &fakeTree{}
	// A chain: sample i+1 joins the cluster of the first i+1.
	f.children = append(f.children, [2]int{0, 1})
	f.dist = append(f.dist, 1)
	for i := 2; i < n; i++ {
		f.children = append(f.children, [2]int{n + i - 2, i})
		f.dist = append(f.dist, float64(i))
	}
	d := dendrogram(f, n)
	if d == nil || !d.Truncated || len(d.LeafCounts) != dendrogramLastP || len(d.Children) != dendrogramLastP-1 {
		t.Fatalf("%+v", d)
	}
	sum := 0
	for _, c := range d.LeafCounts {
		sum += c
	}
	if sum != n {
		t.Errorf("leaf counts sum to %d, want %d", sum, n)
	}
	if last := d.Children[len(d.Children)-1]; last[0] != 2*dendrogramLastP-3 {
		t.Errorf("the root joins %v", last)
	}
}

type fakeTree struct {
	children [][2]int
	dist     []float64
}

func (f *fakeTree) Children() [][2]int   { return f.children }
func (f *fakeTree) Distances() []float64 { return f.dist }
