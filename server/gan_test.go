package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/store"
)

// TestGANAPI validates and runs a GAN spec through the service on IDX
// files in the files folder: /api/validate names a missing optimizer_d
// before any training, the run reports loss_d and loss_g per epoch, its
// sample grids are listed and served as PNG, and its model refuses to
// predict with a reason.
func TestGANAPI(t *testing.T) {
	s, ts := newTestServer(t, "sqlite", "")
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
	gan := `{"name": "mnist-gan", "task": "gan", "seed": 1,
		"data": {"train": {"images": "mnist/mnist1k-images-idx3-ubyte.gz", "labels": "mnist/mnist1k-labels-idx1-ubyte.gz"}},
		"transforms": [{"type": "ToTensor"}, {"type": "Normalize", "mean": [0.5], "std": [0.5]}],
		"model": {"latent_dim": 16,
		  "generator": [{"type": "Linear", "in_features": "auto", "out_features": 784}, {"type": "Tanh"},
		                {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 28, 28]}],
		  "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 32},
		                    {"type": "LeakyReLU", "negative_slope": 0.2}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
		"optimizer": {"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]},
		"optimizer_d": {"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]},
		"batch_size": 100, "epochs": 2}`
	for _, sc := range []scenario{
		{name: "validate", method: "POST", path: "/api/validate", body: gan, status: 200, contain: []string{`"valid":true`, `"input_shape":[1,28,28]`}},
		{name: "no optimizer_d", method: "POST", path: "/api/validate", body: strings.Replace(gan, `"optimizer_d": {"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]},`, "", 1),
			status: 400, contain: []string{`"field":"optimizer_d"`, `required: the discriminator's optimizer`}},
		{name: "bad optimizer_d", method: "POST", path: "/api/validate", body: strings.Replace(gan, `"optimizer_d": {"type": "Adam"`, `"optimizer_d": {"type": "Adamm"`, 1),
			status: 400, contain: []string{`"field":"optimizer_d.type"`, `did you mean`}},
		{name: "no optimizer_d (run)", method: "POST", path: "/api/runs", body: strings.Replace(gan, `"optimizer_d": {"type": "Adam", "lr": 0.0002, "betas": [0.5, 0.999]},`, "", 1),
			status: 400, contain: []string{`"field":"optimizer_d"`}},
		{name: "bad generator", method: "POST", path: "/api/validate", body: strings.Replace(gan, `"out_features": 784`, `"out_features": 700`, 1),
			status: 400, contain: []string{`"field":"model.generator[2]"`}},
	} {
		sc.run(t, ts.URL)
	}
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: gan, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	id := created.ID
	run := waitStatus(t, ts.URL, id, "succeeded")
	if !strings.Contains(run, `"class":"GAN"`) {
		t.Errorf("run: %s", run)
	}
	for _, sc := range []scenario{
		{name: "metrics", method: "GET", path: "/api/runs/" + id + "/metrics", status: 200, contain: []string{`"loss_d":[`, `"loss_g":[`, `"d_real":[`}},
		{name: "samples", method: "GET", path: "/api/runs/" + id + "/samples", status: 200, contain: []string{
			`{"epoch":1,"url":"/api/runs/` + id + `/samples/epoch-001.png"}`, `{"epoch":2,"url":"/api/runs/` + id + `/samples/epoch-002.png"}`}},
		{name: "bad sample name", method: "GET", path: "/api/runs/" + id + "/samples/..%2fmodel.safetensors", status: 404},
		{name: "missing sample", method: "GET", path: "/api/runs/" + id + "/samples/epoch-009.png", status: 404},
		{name: "no predict", method: "POST", path: "/api/models/mnist-gan/predict", body: `{"images": ["aGk="]}`, status: 400, contain: []string{`is a GAN: it predicts nothing`}},
	} {
		sc.run(t, ts.URL)
	}
	resp, err := http.Get(ts.URL + "/api/runs/" + id + "/samples/epoch-002.png")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Fatalf("sample: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
	}
}

// TestGANSamplesSecondServer: a server trains a GAN with an object store
// (mem:// and file://) and stops; a second server on the same database
// and object store, with a data folder of its own, lists the run's sample
// grids and serves the same bytes, which its folder never had; deleting
// the run removes them from the store.
func TestGANSamplesSecondServer(t *testing.T) {
	urls := bucketURLs(t)
	for _, kind := range []string{"mem", "file"} {
		t.Run(kind, func(t *testing.T) {
			artURL := urls[kind]
			adir, bdir := t.TempDir(), t.TempDir()
			db := filepath.Join(adir, "mlforge.db")
			a, tsA, stopA := startServerNoCleanup(t, Config{DataDir: adir, DB: db, Workers: 1, Artifacts: artURL})
			for _, f := range []string{"images.idx3.gz", "labels.idx1.gz"} {
				b, err := os.ReadFile(filepath.Join("..", "train", "testdata", "gan", f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(a.filesDir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			gan := `{"name": "tiny-gan", "task": "gan", "seed": 1, "data": {"train": {"images": "images.idx3.gz", "labels": "labels.idx1.gz"}},
				"transforms": [{"type": "ToTensor"}],
				"model": {"latent_dim": 3,
				  "generator": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "Tanh"},
				                {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 4, 4]}],
				  "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
				"optimizer": {"type": "Adam", "lr": 0.01}, "optimizer_d": {"type": "SGD", "lr": 0.1},
				"batch_size": 8, "epochs": 2}`
			c, out := postJSON(t, tsA.URL+"/api/runs", gan)
			if c != 202 {
				t.Fatalf("POST gan = %d %v", c, out)
			}
			id := out["id"].(string)
			waitStatus(t, tsA.URL, id, "succeeded")
			stopA()
			_, tsB, _ := startServerNoCleanup(t, Config{DataDir: bdir, DB: db, Workers: 1, Artifacts: artURL})
			if _, err := os.Stat(filepath.Join(bdir, jobs.ModelDir(id))); !os.IsNotExist(err) {
				t.Fatalf("the second server's data folder has the run already (%v): the test proves nothing", err)
			}
			scenario{name: "samples", method: "GET", path: "/api/runs/" + id + "/samples", status: 200, contain: []string{
				`{"epoch":1,"url":"/api/runs/` + id + `/samples/epoch-001.png"}`, `{"epoch":2,"url":"/api/runs/` + id + `/samples/epoch-002.png"}`}}.run(t, tsB.URL)
			scenario{name: "missing sample", method: "GET", path: "/api/runs/" + id + "/samples/epoch-003.png", status: 404}.run(t, tsB.URL)
			for _, name := range []string{"epoch-001.png", "epoch-002.png"} {
				want, err := os.ReadFile(filepath.Join(adir, jobs.ModelDir(id), "samples", name))
				if err != nil {
					t.Fatal(err)
				}
				resp, body := getBody(t, tsB.URL+"/api/runs/"+id+"/samples/"+name)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, want) {
					t.Fatalf("%s from the second server: %d %s, %d bytes; want the trainer's %d", name, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(want))
				}
			}
			if c, _, body := call(t, "DELETE", tsB.URL+"/api/runs/"+id, "", "", nil); c != 200 && c != 204 {
				t.Fatalf("DELETE = %d %s", c, body)
			}
			art, err := artifacts.Open(context.Background(), artURL)
			if err != nil {
				t.Fatal(err)
			}
			defer art.Close()
			if names, err := art.Samples(context.Background(), id); err != nil || len(names) != 0 {
				t.Errorf("samples left in the store after DELETE: %v %v", names, err)
			}
		})
	}
}

// cancelAfter passes events on to logs and cancels the attempt once epoch
// n is reported.
type cancelAfter struct {
	*logs
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Report(e event.Event) {
	c.logs.Report(e)
	if e.Kind == "epoch" && e.Epoch == c.n {
		c.cancel()
	}
}

// TestArtifactsResumeGANElsewhere: a GAN run's first attempt stops after
// epoch 1 of 3 in one data folder; its second, in another, takes the
// checkpoint (both networks, both optimizers, the noise generator) from
// the object store, trains epochs 2 and 3 only, and the store holds the
// sample grids of all three epochs.
func TestArtifactsResumeGANElsewhere(t *testing.T) {
	ctx := context.Background()
	art, err := artifacts.Open(ctx, bucketURLs(t)["mem"])
	if err != nil {
		t.Fatal(err)
	}
	dir := func() string {
		d := t.TempDir()
		for _, f := range []string{"images.idx3.gz", "labels.idx1.gz"} {
			b, err := os.ReadFile(filepath.Join("..", "train", "testdata", "gan", f))
			if err != nil {
				t.Fatal(err)
			}
			os.MkdirAll(filepath.Join(d, "files"), 0o700)
			if err := os.WriteFile(filepath.Join(d, "files", f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	gan := `{"name": "tiny-gan", "task": "gan", "seed": 1, "data": {"train": {"images": "images.idx3.gz", "labels": "labels.idx1.gz"}},
		"transforms": [{"type": "ToTensor"}],
		"model": {"latent_dim": 3,
		  "generator": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "Tanh"},
		                {"type": "Unflatten", "dim": 1, "unflattened_size": [1, 4, 4]}],
		  "discriminator": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": 1}]},
		"optimizer": {"type": "Adam", "lr": 0.01}, "optimizer_d": {"type": "Adam", "lr": 0.01},
		"batch_size": 8, "epochs": 3}`
	run := &store.Run{ID: store.NewID(), Name: "tiny-gan", Spec: json.RawMessage(gan)}
	cctx, cancel := context.WithCancel(ctx)
	first := &cancelAfter{logs: &logs{}, n: 1, cancel: cancel}
	if _, err := RunnerWith(dir(), jobs.Limits{}, art)(cctx, run, first); err == nil {
		t.Fatal("the first attempt was not stopped")
	}
	if first.epochs != 1 {
		t.Fatalf("the first attempt trained %d epochs, want 1", first.epochs)
	}
	run.Attempt = 1
	second := &logs{}
	if _, err := RunnerWith(dir(), jobs.Limits{}, art)(ctx, run, second); err != nil {
		t.Fatal(err)
	}
	if !second.has("took the run's checkpoint from the object store") || !second.has("resuming after epoch 1 of 3") || second.epochs != 2 {
		t.Fatalf("the resumed attempt: %d epochs, logs %q", second.epochs, second.msgs)
	}
	names, err := art.Samples(ctx, run.ID)
	if err != nil || strings.Join(names, " ") != "epoch-001.png epoch-002.png epoch-003.png" {
		t.Errorf("samples in the store: %v %v", names, err)
	}
}
