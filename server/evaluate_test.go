package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/api"
)

// cornerDataset creates the dataset "corners" with n corner images of "br"
// and of "tl", and extra images labelled "zz".
func cornerDataset(t *testing.T, base string, n, extra int) {
	t.Helper()
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "corners"}`, status: 201}.run(t, base)
	files := map[string][]byte{}
	for _, class := range []string{"br", "tl"} {
		for i := 0; i < n; i++ {
			files[fmt.Sprintf("%s/%d.png", class, i)] = cornerPNG(t, class, i)
		}
	}
	for i := 0; i < extra; i++ {
		files[fmt.Sprintf("zz/%d.png", i)] = datasetPNG(t, i+1)
	}
	if code, body := postArchive(t, base, "corners", datasetZip(t, files)); code != 200 || !strings.Contains(body, fmt.Sprintf(`"added":%d`, 2*n+extra)) {
		t.Fatalf("import = %d %s", code, body)
	}
}

func sampleIDs(t *testing.T, base, query string) map[string][]string {
	t.Helper()
	var s SampleAnswer
	if err := json.Unmarshal([]byte(scenario{name: "sample", method: "GET", path: "/api/datasets/corners/sample?" + query, status: 200}.run(t, base)), &s); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, l := range s.Labels {
		for _, it := range l.Items {
			if it.Label != l.Label {
				t.Fatalf("sample of %s holds an item labelled %s", l.Label, it.Label)
			}
			out[l.Label] = append(out[l.Label], it.ID)
		}
	}
	return out
}

// TestEvaluateRun trains the corners network from a stored dataset and
// tests it on random stored images per label, on both backends: the
// result is recorded on the run.
func TestEvaluateRun(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			_, ts := newTestServer(t, backend, "")
			cornerDataset(t, ts.URL, 16, 3)
			spec := `{"name": "corners", "seed": 1, "data": {"train": "dataset:corners:br,tl"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
				"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
				"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 20}`
			var created struct{ ID string }
			json.Unmarshal([]byte(scenario{name: "train", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, ts.URL)), &created)
			waitStatus(t, ts.URL, created.ID, "succeeded")
			runs := "/api/runs/" + created.ID

			// The draw: reproducible with the seed, per label (a label's draw
			// does not depend on the others), all of a label that has fewer.
			a, b := sampleIDs(t, ts.URL, "limit=5&seed=3"), sampleIDs(t, ts.URL, "limit=5&seed=3")
			if len(a["br"]) != 5 || len(a["tl"]) != 5 || len(a["zz"]) != 3 || fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("samples with seed 3: %v, %v", a, b)
			}
			if only := sampleIDs(t, ts.URL, "limit=5&seed=3&label=tl"); len(only) != 1 || !slices.Equal(only["tl"], a["tl"]) {
				t.Fatalf("sample of tl alone = %v, in the full sample %v", only, a["tl"])
			}
			if c := sampleIDs(t, ts.URL, "limit=5&seed=4"); slices.Equal(c["br"], a["br"]) && slices.Equal(c["tl"], a["tl"]) {
				t.Fatalf("seeds 3 and 4 drew the same images: %v", c)
			}

			var ev api.Evaluation
			json.Unmarshal([]byte(scenario{name: "evaluate", method: "POST", path: runs + "/evaluate", body: `{"data": "dataset:corners", "limit": 5, "seed": 3}`, status: 200}.run(t, ts.URL)), &ev)
			if ev.Rows != 10 || ev.Seed != 3 || ev.Limit != 5 || ev.RunID != created.ID || ev.ID == "" || ev.Manifest == "" ||
				fmt.Sprint(ev.Unknown) != "[zz]" || fmt.Sprint(ev.Classes) != "[br tl]" || ev.Metrics["accuracy"] == nil || *ev.Metrics["accuracy"] != 1 {
				t.Fatalf("evaluation = %+v", ev)
			}
			if fmt.Sprint(ev.Labels) != "[{br 16 5 5 true} {tl 16 5 5 true} {zz 3 3 0 false}]" || fmt.Sprint(ev.Confusion) != "[[5 0] [0 5]]" {
				t.Fatalf("labels %v, confusion %v", ev.Labels, ev.Confusion)
			}
			var second api.Evaluation
			json.Unmarshal([]byte(scenario{name: "evaluate tl", method: "POST", path: runs + "/evaluate", body: `{"data": "dataset:corners:tl", "limit": 1000}`, status: 200}.run(t, ts.URL)), &second)
			if second.Rows != 16 || len(second.Unknown) != 0 {
				t.Fatalf("evaluation of tl = %+v", second)
			}
			var list api.EvaluationList
			json.Unmarshal([]byte(scenario{name: "evaluations", method: "GET", path: runs + "/evaluations", status: 200}.run(t, ts.URL)), &list)
			if len(list.Evaluations) != 2 || list.Evaluations[0].ID != second.ID || list.Evaluations[1].ID != ev.ID || list.Evaluations[1].Rows != 10 {
				t.Fatalf("evaluations = %+v", list)
			}
			for _, sc := range []scenario{
				{name: "only unknown labels", method: "POST", path: runs + "/evaluate", body: `{"data": "dataset:corners:zz"}`, status: 400, contain: []string{`none of the labels sampled (\"zz\") is one of the model's classes (\"br\", \"tl\")`}},
				{name: "not a dataset", method: "POST", path: runs + "/evaluate", body: `{"data": "corners"}`, status: 400, contain: []string{`"field":"data"`, `expected a stored dataset`}},
				{name: "limit too large", method: "POST", path: runs + "/evaluate", body: `{"data": "dataset:corners", "limit": 1001}`, status: 400, contain: []string{`"field":"limit"`}},
				{name: "unknown field", method: "POST", path: runs + "/evaluate", body: `{"data": "dataset:corners", "path": "/etc"}`, status: 400, contain: []string{`unknown field`}},
				{name: "no dataset", method: "POST", path: runs + "/evaluate", body: `{"data": "dataset:nope"}`, status: 404, contain: []string{`no dataset \"nope\"`}},
				{name: "no label", method: "POST", path: runs + "/evaluate", body: `{"data": "dataset:corners:cat"}`, status: 400, contain: []string{`no items labelled \"cat\"`}},
				{name: "no run", method: "POST", path: "/api/runs/0000000000000aaaaaaaa/evaluate", body: `{"data": "dataset:corners"}`, status: 404},
				{name: "bad run id", method: "GET", path: "/api/runs/x/evaluations", status: 400},
				{name: "sample limit", method: "GET", path: "/api/datasets/corners/sample?limit=0", status: 400, contain: []string{`"field":"limit"`}},
				{name: "sample seed", method: "GET", path: "/api/datasets/corners/sample?seed=-1", status: 400, contain: []string{`"field":"seed"`}},
			} {
				sc.run(t, ts.URL)
			}
			// A run without a model.
			var table struct{ ID string }
			json.Unmarshal([]byte(scenario{name: "table run", method: "POST", path: "/api/runs", body: irisSpec, status: 202}.run(t, ts.URL)), &table)
			waitStatus(t, ts.URL, table.ID, "succeeded")
			scenario{name: "table model", method: "POST", path: "/api/runs/" + table.ID + "/evaluate", body: `{"data": "dataset:corners"}`, status: 400, contain: []string{`not trained on images`}}.run(t, ts.URL)
			scenario{name: "deleted run", method: "DELETE", path: runs, status: http.StatusNoContent}.run(t, ts.URL)
			scenario{name: "evaluations of a deleted run", method: "GET", path: runs + "/evaluations", status: 404}.run(t, ts.URL)
		})
	}
}
