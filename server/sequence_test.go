package server

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// sineCSV is a two-column time series of n rows.
func sineCSV(n int) string {
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range n {
		fmt.Fprintf(&b, "%.6f,%.6f\n", math.Cos(0.2*float64(i)), math.Sin(0.2*float64(i)))
	}
	return b.String()
}

// TestSequenceAPI validates, runs and predicts with a sequence spec (an
// LSTM over windows of an uploaded CSV) through the service: the windows'
// shape in /api/validate, errors naming data.sequence's fields, the epoch
// series, and one prediction per window of the rows sent.
func TestSequenceAPI(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	if code, out := upload(t, ts.URL, "", "sine.csv", sineCSV(200), nil); code != 201 {
		t.Fatalf("upload: %d %s", code, out)
	}
	spec := `{"name": "sine-lstm", "seed": 1,
		"data": {"train": "uploads/sine.csv", "sequence": {"window": 8, "horizon": 1, "target": "y"}},
		"model": {"layers": [{"type": "LSTM", "input_size": "auto", "hidden_size": 8, "batch_first": true, "return_sequences": false},
		                     {"type": "Linear", "in_features": "auto", "out_features": 1}]},
		"optimizer": {"type": "Adam", "lr": 0.02}, "batch_size": 32, "epochs": 3}`
	for _, sc := range []scenario{
		{name: "validate", method: "POST", path: "/api/validate", body: spec, status: 200, contain: []string{
			`"valid":true`, `"input_shape":[8,2]`, `{"index":0,"type":"LSTM","out_shape":[1,8]}`}},
		{name: "bad column", method: "POST", path: "/api/validate", body: strings.Replace(spec, `"target": "y"}`, `"target": "y", "columns": ["x", "z"]}`, 1),
			status: 400, contain: []string{`"field":"data.sequence.columns[1]"`, `no column \"z\"`}},
		{name: "no batch_first", method: "POST", path: "/api/validate", body: strings.Replace(spec, `"batch_first": true, `, "", 1),
			status: 400, contain: []string{`"field":"model.layers[0].batch_first"`}},
		{name: "no window", method: "POST", path: "/api/validate", body: strings.Replace(spec, `"window": 8, `, "", 1),
			status: 400, contain: []string{`"field":"data.sequence.window"`, `required`}},
	} {
		sc.run(t, ts.URL)
	}
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	var rows []string
	for i := range 10 {
		rows = append(rows, fmt.Sprintf(`{"x": %.6f, "y": %.6f}`, math.Cos(0.2*float64(i)), math.Sin(0.2*float64(i))))
	}
	for _, sc := range []scenario{
		{name: "metrics", method: "GET", path: "/api/runs/" + created.ID + "/metrics", status: 200, contain: []string{`"val_loss":[`, `"loss":[`}},
		{name: "predict", method: "POST", path: "/api/models/sine-lstm/predict", body: `{"rows": [` + strings.Join(rows, ",") + `]}`, status: 200},
		{name: "too few rows", method: "POST", path: "/api/models/sine-lstm/predict", body: `{"rows": [` + strings.Join(rows[:5], ",") + `]}`,
			status: 400, contain: []string{`fewer than the window of 8 rows`}},
	} {
		body := sc.run(t, ts.URL)
		if sc.name == "predict" {
			var p struct{ Predictions []json.RawMessage }
			if err := json.Unmarshal([]byte(body), &p); err != nil || len(p.Predictions) != 3 {
				t.Fatalf("10 rows, window 8: want 3 predictions, got %s", body)
			}
		}
	}
}
