package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAutoencoderAPI validates and runs autoencoder specs through the
// service: a table autoencoder on a built-in dataset (its latent codes and
// reconstructions from the predict route) and an image autoencoder on IDX
// files in the files folder (latent codes of a posted PNG), with
// /api/validate's errors naming model.encoder, model.decoder and
// criterion.
func TestAutoencoderAPI(t *testing.T) {
	s, ts := newTestServer(t, "sqlite", "")
	table := `{"name": "iris-ae", "task": "autoencoder", "seed": 1, "data": {"train": "builtin:iris"},
		"model": {"encoder": [{"type": "Linear", "in_features": "auto", "out_features": 2}, {"type": "Tanh"}],
		          "decoder": [{"type": "Linear", "in_features": "auto", "out_features": 4}]},
		"optimizer": {"type": "Adam", "lr": 0.02}, "batch_size": 16, "epochs": 5}`
	for _, sc := range []scenario{
		{name: "validate", method: "POST", path: "/api/validate", body: table, status: 200, contain: []string{
			`"valid":true`, `"input_shape":[4]`, `"criterion":{"type":"MSELoss"}`, `{"index":2,"type":"Linear","out_shape":[1,4]}`}},
		{name: "bad decoder", method: "POST", path: "/api/validate", body: strings.Replace(table, `"out_features": 4`, `"out_features": 3`, 1),
			status: 400, contain: []string{`"field":"model.decoder"`, `the decoder outputs shape [1 3] but the input has shape [1 4]`}},
		{name: "no encoder", method: "POST", path: "/api/validate", body: strings.Replace(table, `"encoder"`, `"encodr"`, 1),
			status: 400, contain: []string{`"field":"model.encodr"`, `did you mean \"encoder\"`}},
		{name: "class loss", method: "POST", path: "/api/validate", body: strings.Replace(table, `"optimizer"`, `"criterion": "NLLLoss", "optimizer"`, 1),
			status: 400, contain: []string{`"field":"criterion.type"`, `an autoencoder compares its reconstruction with its input`}},
	} {
		sc.run(t, ts.URL)
	}
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: table, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	row := `{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}`
	for _, sc := range []scenario{
		{name: "metrics", method: "GET", path: "/api/runs/" + created.ID + "/metrics", status: 200, contain: []string{`"val_mse":[`, `"val_loss":[`, `"loss":[`}},
		{name: "latent", method: "POST", path: "/api/models/iris-ae/predict", body: `{"rows": [` + row + `, ` + row + `]}`, status: 200},
		{name: "reconstruct", method: "POST", path: "/api/models/iris-ae/predict", body: `{"rows": [` + row + `], "reconstruct": true}`, status: 200},
		{name: "no proba", method: "POST", path: "/api/models/iris-ae/predict", body: `{"rows": [` + row + `], "proba": true}`, status: 400, contain: []string{`is an autoencoder`}},
	} {
		body := sc.run(t, ts.URL)
		var p struct{ Predictions [][]float64 }
		switch sc.name {
		case "latent":
			if err := json.Unmarshal([]byte(body), &p); err != nil || len(p.Predictions) != 2 || len(p.Predictions[0]) != 2 {
				t.Fatalf("latent codes: want 2 rows of 2, got %s", body)
			}
		case "reconstruct":
			if err := json.Unmarshal([]byte(body), &p); err != nil || len(p.Predictions) != 1 || len(p.Predictions[0]) != 4 {
				t.Fatalf("reconstruction: want 1 row of 4, got %s", body)
			}
		}
	}

	// Images: the committed MNIST subset in the files folder.
	for _, f := range []string{"mnist1k-images-idx3-ubyte.gz", "mnist1k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join("..", "train", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(s.filesDir, "mnist"), 0o755)
		if err := os.WriteFile(filepath.Join(s.filesDir, "mnist", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	images := `{"name": "mnist-ae", "task": "autoencoder", "seed": 1,
		"data": {"train": {"images": "mnist/mnist1k-images-idx3-ubyte.gz", "labels": "mnist/mnist1k-labels-idx1-ubyte.gz"}},
		"transforms": [{"type": "ToTensor"}],
		"model": {"encoder": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "ReLU"}],
		          "decoder": [{"type": "Linear", "in_features": "auto", "out_features": 784}, {"type": "Sigmoid"},
		                      {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 28, 28]}]},
		"criterion": "BCELoss", "optimizer": {"type": "Adam", "lr": 0.005}, "batch_size": 64, "epochs": 1}`
	out = scenario{name: "create images", method: "POST", path: "/api/runs", body: images, status: 202}.run(t, ts.URL)
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 251)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	body := scenario{name: "image latent", method: "POST", path: "/api/models/mnist-ae/predict",
		body: `{"images": ["` + base64.StdEncoding.EncodeToString(buf.Bytes()) + `"]}`, status: 200}.run(t, ts.URL)
	var p struct{ Predictions [][]float64 }
	if err := json.Unmarshal([]byte(body), &p); err != nil || len(p.Predictions) != 1 || len(p.Predictions[0]) != 16 {
		t.Fatalf("image latent code: want 1 row of 16, got %s", body)
	}
}
