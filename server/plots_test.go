package server

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
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
