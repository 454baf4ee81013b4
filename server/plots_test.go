package server

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func TestRunPlots(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	body := `{"name": "iris-gs", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
		"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [1, 5, 9], "weights": ["uniform", "distance"]}, "cv": 3}}`
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: body, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	base := "/api/runs/" + created.ID + "/plots"

	scenario{name: "list", method: "GET", path: base, status: 200, contain: []string{`"search"`}}.run(t, ts.URL)

	resp, err := http.Get(ts.URL + base + "/search?width=400&height=300")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("png: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != 400 || sz.Y != 300 {
		t.Fatalf("size %v, want 400x300", sz)
	}

	resp, err = http.Get(ts.URL + base + "/search?format=svg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(b, []byte("<svg")) {
		t.Fatalf("svg: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}

	for _, sc := range []scenario{
		{name: "unknown kind", method: "GET", path: base + "/pie", status: 400, contain: []string{"loss, curve, search"}},
		{name: "no curve", method: "GET", path: base + "/curve", status: 400, contain: []string{"learning_curve"}},
		{name: "width", method: "GET", path: base + "/search?width=10", status: 400, contain: []string{"width"}},
		{name: "width text", method: "GET", path: base + "/search?width=big", status: 400, contain: []string{"width"}},
		{name: "format", method: "GET", path: base + "/search?format=gif", status: 400, contain: []string{"png, svg"}},
		{name: "unknown run", method: "GET", path: "/api/runs/0000000000000deadbeef/plots/search", status: 404},
		{name: "unknown run list", method: "GET", path: "/api/runs/0000000000000deadbeef/plots", status: 404},
	} {
		sc.run(t, ts.URL)
	}
}

// TestRunPlotsClassifier trains a binary and a multiclass classifier and a
// forest and draws their confusion, roc, pr and importances plots through
// the API.
func TestRunPlotsClassifier(t *testing.T) {
	if testing.Short() {
		t.Skip("draws every plot kind of a classifier: single-threaded rendering, 30 s under the race detector (-short; the plain run covers it)")
	}
	_, ts := newTestServer(t, "sqlite", "")
	specs := map[string]string{
		"cancer": `{"name": "cancer", "data": {"train": "builtin:breast_cancer", "split": {"test_size": 0.25, "seed": 7}},
			"preprocess": [{"type": "StandardScaler"}], "model": {"class": "LogisticRegression"}, "metrics": ["accuracy", "roc_auc"]}`,
		"iris": `{"name": "iris", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
			"model": {"class": "LogisticRegression", "params": {"max_iter": 500}}}`,
		"forest": `{"name": "forest", "data": {"train": "builtin:wine", "split": {"test_size": 0.3, "seed": 0}},
			"model": {"class": "RandomForestClassifier", "params": {"n_estimators": 20, "random_state": 0}}}`,
		"ridge":  `{"name": "ridge", "data": {"train": "builtin:diabetes"}, "model": {"class": "Ridge"}}`,
		"digits": `{"name": "digits", "data": {"train": "builtin:digits", "split": {"test_size": 0.3, "seed": 0}}, "model": {"class": "GaussianNB"}}`,
	}
	ids := map[string]string{}
	for name, body := range specs {
		out := scenario{name: "create " + name, method: "POST", path: "/api/runs", body: body, status: 202}.run(t, ts.URL)
		var created struct{ ID string }
		json.Unmarshal([]byte(out), &created)
		ids[name] = created.ID
	}
	for name, id := range ids {
		waitStatus(t, ts.URL, id, "succeeded")
		want := `"confusion","roc","pr","importances","boundary"]`
		switch name {
		case "ridge":
			want = `"kinds":["loss","importances"]`
		case "digits":
			want = `"confusion","roc","pr","boundary"]` // GaussianNB has no importances
		}
		scenario{name: "list " + name, method: "GET", path: "/api/runs/" + id + "/plots", status: 200, contain: []string{want}}.run(t, ts.URL)
	}
	for _, c := range []struct {
		run, kind, query string
		texts            []string // texts the SVG must write
	}{
		{"cancer", "confusion", "", []string{"malignant", "benign", "confusion matrix (test data)"}},
		{"cancer", "roc", "", []string{"AUC = ", "positive class "}},
		{"cancer", "pr", "", []string{"AP = 0.99"}},
		{"cancer", "importances", "", []string{"|coef_|", "top 20 of 30"}},
		{"iris", "confusion", "&normalize=true", []string{"normalised over true labels", "1.00", "virginica"}},
		{"iris", "roc", "", []string{"setosa (AUC = 1.000)", "versicolor (AUC", "virginica (AUC", "one-vs-rest"}},
		{"iris", "pr", "", []string{"setosa (AP = 1.000)"}},
		{"iris", "importances", "", []string{"mean |coef_| over classes", "petal_length"}},
		{"forest", "importances", "", []string{"feature_importances_", "proline"}},
		{"digits", "confusion", "", []string{">9</text>", "true label"}},
		{"digits", "roc", "", []string{"0 (AUC = ", "9 (AUC = "}},
	} {
		t.Run(c.run+"-"+c.kind+c.query, func(t *testing.T) {
			base := ts.URL + "/api/runs/" + ids[c.run] + "/plots/" + c.kind + "?width=500&height=400" + c.query
			resp, err := http.Get(base)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("png: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if sz := img.Bounds().Size(); sz.X != 500 || sz.Y != 400 {
				t.Fatalf("size %v, want 500x400", sz)
			}
			if d := os.Getenv("PLOTS_OUT"); d != "" {
				os.WriteFile(filepath.Join(d, "api-"+c.run+"-"+c.kind+".png"), b, 0o644)
			}
			resp, err = http.Get(base + "&format=svg")
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, w := range c.texts {
				if !bytes.Contains(b, []byte(w)) {
					t.Errorf("the SVG lacks %q", w)
				}
			}
		})
	}
	for _, sc := range []scenario{
		{name: "regressor roc", method: "GET", path: "/api/runs/" + ids["ridge"] + "/plots/roc", status: 400, contain: []string{"no test curves", "importances"}},
		{name: "normalize value", method: "GET", path: "/api/runs/" + ids["iris"] + "/plots/confusion?normalize=rows", status: 400, contain: []string{"normalize", "rows"}},
		{name: "normalize kind", method: "GET", path: "/api/runs/" + ids["iris"] + "/plots/roc?normalize=true", status: 400, contain: []string{"only the confusion"}},
	} {
		sc.run(t, ts.URL)
	}
}

// TestRunPlotsShapes trains a PCA, a KMeans, an AgglomerativeClustering
// and a classifier and draws their embedding, dendrogram and boundary
// plots through the API.
func TestRunPlotsShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("draws plots at many sizes: single-threaded rendering, 20 s under the race detector (-short; the plain run covers it)")
	}
	_, ts := newTestServer(t, "sqlite", "")
	specs := map[string]string{
		"pca": `{"name": "pca", "data": {"train": "builtin:wine", "target": "target"}, "preprocess": [{"type": "StandardScaler"}],
			"model": {"class": "PCA", "params": {"n_components": 2}}}`,
		"km": `{"name": "km", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}],
			"model": {"class": "KMeans", "params": {"n_clusters": 3, "n_init": 10, "random_state": 0}}}`,
		"agg": `{"name": "agg", "data": {"train": "builtin:iris"}, "model": {"class": "AgglomerativeClustering", "params": {"n_clusters": 3, "linkage": "ward"}}}`,
		"tree": `{"name": "tree", "data": {"train": "builtin:iris", "split": {"test_size": 0.3, "seed": 0}},
			"model": {"class": "DecisionTreeClassifier", "params": {"random_state": 0}}}`,
	}
	ids := map[string]string{}
	for name, body := range specs {
		out := scenario{name: "create " + name, method: "POST", path: "/api/runs", body: body, status: 202}.run(t, ts.URL)
		var created struct{ ID string }
		json.Unmarshal([]byte(out), &created)
		ids[name] = created.ID
	}
	for name, id := range ids {
		waitStatus(t, ts.URL, id, "succeeded")
		want := map[string]string{"pca": `"embedding"]`, "km": `"embedding"]`, "agg": `"embedding","dendrogram"]`, "tree": `"importances","boundary"]`}[name]
		scenario{name: "list " + name, method: "GET", path: "/api/runs/" + id + "/plots", status: 200, contain: []string{want}}.run(t, ts.URL)
	}
	for _, c := range []struct {
		run, kind string
		texts     []string
	}{
		{"pca", "embedding", []string{"first two components, coloured by label", "PCA component 1", "class_0"}},
		{"km", "embedding", []string{"first two principal components", "cluster 2", "centres"}},
		{"agg", "embedding", []string{"cluster 0"}},
		{"agg", "dendrogram", []string{"ward linkage, 150 samples", "150 samples (unlabelled)"}},
		{"tree", "boundary", []string{"two most important features", "petal_", "setosa"}},
	} {
		t.Run(c.run+"-"+c.kind, func(t *testing.T) {
			base := ts.URL + "/api/runs/" + ids[c.run] + "/plots/" + c.kind + "?width=500&height=400"
			resp, err := http.Get(base)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("png: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if sz := img.Bounds().Size(); sz.X != 500 || sz.Y != 400 {
				t.Fatalf("size %v, want 500x400", sz)
			}
			if d := os.Getenv("PLOTS_OUT"); d != "" {
				os.WriteFile(filepath.Join(d, "api-"+c.run+"-"+c.kind+".png"), b, 0o644)
			}
			resp, err = http.Get(base + "&format=svg")
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, w := range c.texts {
				if !bytes.Contains(b, []byte(w)) {
					t.Errorf("the SVG lacks %q", w)
				}
			}
		})
	}
	scenario{name: "kmeans dendrogram", method: "GET", path: "/api/runs/" + ids["km"] + "/plots/dendrogram", status: 400,
		contain: []string{"no merge tree", "data for embedding"}}.run(t, ts.URL)
}
