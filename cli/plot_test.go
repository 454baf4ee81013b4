package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/server"
	"github.com/mlforge/mlforge/store"
)

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	r := &store.Run{ID: store.NewID(), Name: "net", Class: "Sequential"}
	if err := st.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	var pts []store.Point
	for e := 1; e <= 5; e++ {
		pts = append(pts, store.Point{Series: "loss", Step: e, Epoch: e, Value: 1 / float64(e), Time: time.Now()})
	}
	if err := st.Append(ctx, r.ID, pts, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := filepath.Join(dir, "loss.png")
	code, stdout, stderr := mlforge(t, dir, "plot", r.ID, "loss", "-o", out, "--data", dir, "--width", "320", "--height", "200")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote") {
		t.Errorf("stdout %q", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != 320 || sz.Y != 200 {
		t.Fatalf("size %v", sz)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", r.ID, "search", "-o", out, "--data", dir}, "data for loss"},
		{[]string{"plot", r.ID, "pie", "-o", out, "--data", dir}, "loss, curve, search"},
		{[]string{"plot", r.ID, "loss", "-o", "x.gif", "--data", dir}, ".png or .svg"},
		{[]string{"plot", "0000000000000deadbeef", "loss", "-o", out, "--data", dir}, "no run"},
		{[]string{"plot", r.ID, "loss", "-o", out, "--data", filepath.Join(dir, "none")}, "no run store"},
	} {
		code, _, stderr := mlforge(t, dir, c.args...)
		if code != ExitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// nopProgress drops a run's progress.
type nopProgress struct{}

func (nopProgress) Report(event.Event)              {}
func (nopProgress) Metrics(map[string]float64, int) {}

// TestPlotClassifier trains a classifier into a store as the service does
// (server.Runner) and draws its confusion, roc, pr and importances plots;
// a run stored before they were recorded draws its confusion matrix and
// lacks the rest.
func TestPlotClassifier(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	r := &store.Run{ID: store.NewID(), Name: "iris", Class: "RandomForestClassifier",
		Spec: json.RawMessage(`{"name": "iris", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
			"model": {"class": "RandomForestClassifier", "params": {"n_estimators": 10, "random_state": 0}}}`)}
	if err := st.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil { // the service's workspace
		t.Fatal(err)
	}
	res, err := server.Runner(dir, jobs.Limits{})(ctx, r, nopProgress{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.FinishRun(ctx, r.ID, 0, store.Succeeded, res, ""); !ok || err != nil {
		t.Fatalf("finish: %v %v", ok, err)
	}
	old := &store.Run{ID: store.NewID(), Name: "old", Class: "LogisticRegression", Spec: json.RawMessage(`{}`)}
	if err := st.CreateRun(ctx, old); err != nil {
		t.Fatal(err)
	}
	oldRes := `{"name": "old", "metrics": {"test": {"accuracy": 0.9}}, "task": "classification", "labels": ["a", "b"], "confusion_matrix": [[5, 1], [2, 7]]}`
	if ok, err := st.FinishRun(ctx, old.ID, 0, store.Succeeded, json.RawMessage(oldRes), ""); !ok || err != nil {
		t.Fatalf("finish old: %v %v", ok, err)
	}
	st.Close()

	for _, c := range []struct {
		id, kind string
		extra    []string
	}{
		{r.ID, "confusion", nil},
		{r.ID, "confusion", []string{"--normalize", "true"}},
		{r.ID, "roc", nil},
		{r.ID, "pr", nil},
		{r.ID, "importances", nil},
		{old.ID, "confusion", nil},
	} {
		out := filepath.Join(dir, c.kind+".png")
		args := append([]string{"plot", c.id, c.kind, "-o", out, "--data", dir, "--width", "400", "--height", "300"}, c.extra...)
		code, stdout, stderr := mlforge(t, dir, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if !strings.Contains(stdout, "wrote") {
			t.Errorf("stdout %q", stdout)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if sz := img.Bounds().Size(); sz.X != 400 || sz.Y != 300 {
			t.Fatalf("%v: size %v", args, sz)
		}
	}
	out := filepath.Join(dir, "x.png")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", old.ID, "roc", "-o", out, "--data", dir}, "no test curves"},
		{[]string{"plot", old.ID, "importances", "-o", out, "--data", dir}, "data for confusion"},
		{[]string{"plot", r.ID, "confusion", "-o", out, "--data", dir, "--normalize", "rows"}, "normalize"},
		{[]string{"plot", r.ID, "roc", "-o", out, "--data", dir, "--normalize", "true"}, "only the confusion"},
	} {
		code, _, stderr := mlforge(t, dir, c.args...)
		if code != ExitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestPlotShapes trains an agglomerative clustering and a classifier into
// a store as the service does and draws their embedding, dendrogram and
// boundary plots.
func TestPlotShapes(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for name, sp := range map[string]string{
		"agg": `{"name": "agg", "data": {"train": "builtin:iris"}, "model": {"class": "AgglomerativeClustering", "params": {"n_clusters": 3, "linkage": "complete"}}}`,
		"svc": `{"name": "svc", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}}, "preprocess": [{"type": "StandardScaler"}], "model": {"class": "KNeighborsClassifier", "params": {"n_neighbors": 5}}}`,
	} {
		r := &store.Run{ID: store.NewID(), Name: name, Spec: json.RawMessage(sp)}
		if err := st.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		res, err := server.Runner(dir, jobs.Limits{})(ctx, r, nopProgress{})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := st.FinishRun(ctx, r.ID, 0, store.Succeeded, res, ""); !ok || err != nil {
			t.Fatalf("finish: %v %v", ok, err)
		}
		ids[name] = r.ID
	}
	st.Close()
	for _, c := range []struct{ run, kind string }{{"agg", "embedding"}, {"agg", "dendrogram"}, {"svc", "boundary"}} {
		out := filepath.Join(dir, c.run+"-"+c.kind+".png")
		code, stdout, stderr := mlforge(t, dir, "plot", ids[c.run], c.kind, "-o", out, "--data", dir, "--width", "400", "--height", "300")
		if code != 0 || !strings.Contains(stdout, "wrote") {
			t.Fatalf("%s %s: exit %d: %s %s", c.run, c.kind, code, stdout, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if sz := img.Bounds().Size(); sz.X != 400 || sz.Y != 300 {
			t.Fatalf("%s %s: size %v", c.run, c.kind, sz)
		}
		if d := os.Getenv("PLOTS_OUT"); d != "" {
			os.WriteFile(filepath.Join(d, "cli-"+c.run+"-"+c.kind+".png"), b, 0o644)
		}
	}
	// KNeighborsClassifier has no importances: the boundary is on the first two features.
	svg := filepath.Join(dir, "b.svg")
	if code, _, stderr := mlforge(t, dir, "plot", ids["svc"], "boundary", "-o", svg, "--data", dir); code != 0 {
		t.Fatalf("svg: %s", stderr)
	}
	if b, _ := os.ReadFile(svg); !bytes.Contains(b, []byte("the first two features")) || !bytes.Contains(b, []byte("sepal_length")) {
		t.Errorf("the SVC boundary's title or axes")
	}
	code, _, stderr := mlforge(t, dir, "plot", ids["svc"], "dendrogram", "-o", svg, "--data", dir)
	if code == 0 || !strings.Contains(stderr, "no merge tree") || !strings.Contains(stderr, "boundary") {
		t.Errorf("dendrogram of a classifier: exit %d: %s", code, stderr)
	}
}

// TestPlotModelFile: `mlforge plot MODEL.safetensors KIND` draws the kinds
// a model keeps the data of (here an AgglomerativeClustering's
// dendrogram) and refuses the others, naming what it has.
func TestPlotModelFile(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "agglo.json")
	modelDir := filepath.Join(dir, "m")
	if err := os.WriteFile(specPath, []byte(`{"name": "agglo", "data": {"train": "builtin:iris"},
		"model": {"class": "AgglomerativeClustering", "params": {"n_clusters": 3}}, "output": "`+modelDir+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := mlforge(t, dir, "train", specPath); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	path := filepath.Join(modelDir, "model.safetensors")
	out := filepath.Join(dir, "tree.png")
	code, stdout, stderr := mlforge(t, dir, "plot", path, "dendrogram", "-o", out, "--width", "400", "--height", "300")
	if code != 0 || !strings.Contains(stdout, "dendrogram plot of model") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != 400 || sz.Y != 300 {
		t.Fatalf("size %v", sz)
	}
	code, _, stderr = mlforge(t, dir, "plot", path, "confusion", "-o", out)
	if code != 2 || !strings.Contains(stderr, "data for dendrogram") {
		t.Errorf("confusion of a clusterer's model: exit %d: %s", code, stderr)
	}
}
