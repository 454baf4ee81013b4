package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/store"
)

// TestServeArtifactsFlag: serve refuses an object store it cannot open,
// from the flag or MLFORGE_ARTIFACTS, and a mem:// one when runs train in
// child processes (they would not share it).
func TestServeArtifactsFlag(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MLFORGE_DB", "")
	for _, k := range []string{"GOOGLE_HMAC_ACCESS_ID", "GOOGLE_HMAC_SECRET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, "")
	}
	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--artifacts", "gs://bucket"}, "gs://bucket: no HMAC key for Cloud Storage: set GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET"},
		{"ftp://x", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, "expected a file://, s3://, gs:// or mem:// URL"},
		{"", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--artifacts", "file://relative"}, "absolute folder"},
		{"", []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--artifacts", "mem://x"}, "--isolate=false"},
	} {
		t.Setenv("MLFORGE_ARTIFACTS", c.env)
		code, _, errOut := mlforge(t, dir, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v (MLFORGE_ARTIFACTS=%q) = %d %q; want a refusal containing %q", c.args, c.env, code, errOut, c.want)
		}
	}
}

// TestWorkerChildPutsModel runs the child process's command (what serve
// and worker start for each run) in this process: it puts the run's model
// into the object store of --artifacts and records its SHA-256.
func TestWorkerChildPutsModel(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "files"), 0o700)
	bucket := "file://" + filepath.ToSlash(t.TempDir())
	t.Setenv("MLFORGE_DB", "")
	r := &store.Run{ID: store.NewID(), Name: "iris", Spec: json.RawMessage(`{"name": "iris", "data": {"train": "builtin:iris"}, "model": {"class": "GaussianNB"}}`)}
	task, _ := json.Marshal(jobs.Task{Run: r})
	pr, pw := io.Pipe()
	go pw.Write(append(task, '\n')) // the pipe stays open: its end would cancel the run
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{runChildCommand, "--data", dir, "--artifacts", bucket}, pr, &out, &errb)
	pw.Close()
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var res struct {
		Result struct {
			SHA string `json:"model_sha256"`
			Key string `json:"model_key"`
		} `json:"result"`
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || len(res.Result.SHA) != 64 || res.Result.Key != "runs/"+r.ID+"/model.safetensors" {
		t.Fatalf("the child's result line %q (%v)", lines[len(lines)-1], err)
	}
	art, err := artifacts.Open(context.Background(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer art.Close()
	if err := art.Get(context.Background(), r.ID, artifacts.ModelFile, filepath.Join(t.TempDir(), "m"), res.Result.SHA, 1<<30); err != nil {
		t.Fatalf("the model in the object store: %v", err)
	}
}
