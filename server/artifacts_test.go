package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"

	"github.com/mlforge/mlforge/artifacts"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/store"
)

const netSpec = `{"name": "iris-net", "seed": 1, "data": {"train": "builtin:iris"},
	"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 8}, {"type": "ReLU"},
	                     {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	"optimizer": {"type": "SGD", "lr": 0.05}, "batch_size": 16, "epochs": 3}`

const irisRow = `{"rows": [{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 4.2, "petal_width": 1.5}], "proba": true}`

// bucketURLs are the object stores the cluster tests run on: a file://
// folder outside every data folder, a named in-memory bucket, and an S3
// server on loopback (gofakes3) under a prefix.
func bucketURLs(t *testing.T) map[string]string {
	var b [6]byte
	rand.Read(b[:])
	backend := s3mem.New()
	if err := backend.CreateBucket("mlforge"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	return map[string]string{"file": "file://" + filepath.ToSlash(t.TempDir()), "mem": "mem://test-" + hex.EncodeToString(b[:]),
		"s3": "s3://mlforge/cluster?region=us-east-1&use_path_style=true&endpoint=" + s3.URL}
}

// startServerNoCleanup starts a server behind httptest that the caller
// stops with the returned function.
func startServerNoCleanup(t *testing.T, cfg Config) (*Server, *httptest.Server, func()) {
	t.Helper()
	ctx := context.Background()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ts.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s.Shutdown(ctx)
		})
	}
	t.Cleanup(stop)
	return s, ts, stop
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// checkServes checks that the server at base, whose data folder is dir and
// holds no copy of the run's model, serves the model trained into
// trainedDir: the download is the same bytes, with the SHA-256 the run
// recorded, it predicts as predictions (when given), by run, name and
// alias; and the download is kept in dir. It returns the predictions.
func checkServes(t *testing.T, base, dir, trainedDir string, st *store.Store, id, name, predictions string) string {
	t.Helper()
	local := filepath.Join(dir, jobs.ModelDir(id), model.FileName)
	if _, err := os.Stat(local); !os.IsNotExist(err) {
		t.Fatalf("the second server's data folder has the model already (%v): the test proves nothing", err)
	}
	trained, err := os.ReadFile(filepath.Join(trainedDir, jobs.ModelDir(id), model.FileName))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := getBody(t, base+"/api/runs/"+id+"/model")
	if resp.StatusCode != 200 || !bytes.Equal(body, trained) {
		t.Fatalf("GET /api/runs/%s/model = %d, %d bytes; want the %d bytes trained", id, resp.StatusCode, len(body), len(trained))
	}
	run, err := st.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(trained)
	if got := modelSHA(run); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("the run recorded SHA-256 %q, the model has %x", got, sum)
	}
	if fileSum(t, local) != modelSHA(run) {
		t.Fatal("the downloaded copy in the data folder differs")
	}
	resp, body = getBody(t, base+"/api/models/"+name)
	if resp.StatusCode != 200 || !bytes.Equal(body, trained) {
		t.Fatalf("GET /api/models/%s = %d", name, resp.StatusCode)
	}
	st0, _, out := call(t, "POST", base+"/api/runs/"+id+"/predict", "", irisRow, nil)
	if st0 != 200 || (predictions != "" && out != predictions) {
		t.Fatalf("predict by run = %d %s; want %s", st0, out, predictions)
	}
	if c, _, b := call(t, "POST", base+"/api/models/"+name+"/aliases/champion", "", `{"run_id": "`+id+`"}`, nil); c != 200 {
		t.Fatalf("set alias = %d %s", c, b)
	}
	for _, ref := range []string{name, name + "@champion", name + "@" + id} {
		c, _, b := call(t, "POST", base+"/api/models/"+ref+"/predict", "", irisRow, nil)
		if c != 200 || !strings.Contains(b, `"run_id":"`+id+`"`) {
			t.Fatalf("predict %s = %d %s", ref, c, b)
		}
	}
	return out
}

// checkCheckpointStored checks that a network run's last checkpoint is in
// the object store with its SHA-256, the same bytes as the trainer's.
func checkCheckpointStored(t *testing.T, artURL, trainedDir, id string) {
	t.Helper()
	art, err := artifacts.Open(context.Background(), artURL)
	if err != nil {
		t.Fatal(err)
	}
	defer art.Close()
	dst := filepath.Join(t.TempDir(), "ckpt")
	if err := art.Get(context.Background(), id, artifacts.CheckpointFile, dst, "", maxCheckpointBytes); err != nil {
		t.Fatalf("the checkpoint of run %s in the object store: %v", id, err)
	}
	if fileSum(t, dst) != fileSum(t, filepath.Join(trainedDir, jobs.ModelDir(id), "checkpoint.safetensors")) {
		t.Fatal("the checkpoint in the object store is not the trainer's last")
	}
}

// TestArtifactsCluster: on PostgreSQL, a worker (NewWorker) trains the runs
// that two API-only servers take, each with its own data folder and one
// object store between them; both servers download and predict every
// model, which neither data folder had.
func TestArtifactsCluster(t *testing.T) {
	for kind, artURL := range bucketURLs(t) {
		t.Run(kind, func(t *testing.T) {
			db := pgtest.URL(t)
			wdir, adir, bdir := t.TempDir(), t.TempDir(), t.TempDir()
			w, err := NewWorker(context.Background(), Config{DataDir: wdir, DB: db, Workers: 2, Artifacts: artURL})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer w.Shutdown(context.Background())
			a, tsA, _ := startServerNoCleanup(t, Config{DataDir: adir, DB: db, APIOnly: true, Artifacts: artURL})
			_, tsB, _ := startServerNoCleanup(t, Config{DataDir: bdir, DB: db, APIOnly: true, Artifacts: artURL})
			lr := startIris(t, tsA.URL, "shared", 1)
			c, out := postJSON(t, tsB.URL+"/api/runs", netSpec)
			if c != 202 {
				t.Fatalf("POST net = %d %v", c, out)
			}
			net := out["id"].(string)
			waitStatus(t, tsB.URL, net, "succeeded")
			for _, r := range []struct{ id, name string }{{lr, "shared"}, {net, "iris-net"}} {
				p := checkServes(t, tsA.URL, adir, wdir, a.Store(), r.id, r.name, "")
				checkServes(t, tsB.URL, bdir, wdir, a.Store(), r.id, r.name, p)
			}
			checkCheckpointStored(t, artURL, wdir, net)
		})
	}
}

// TestArtifactsSecondServerSQLite is the stand-in on SQLite, which one
// process at a time may open: a server trains into its data folder and
// stops; a second server on the same database file and object store but
// another data folder serves and predicts the model.
func TestArtifactsSecondServerSQLite(t *testing.T) {
	for kind, artURL := range bucketURLs(t) {
		t.Run(kind, func(t *testing.T) {
			adir, bdir := t.TempDir(), t.TempDir()
			db := filepath.Join(adir, "mlforge.db")
			_, tsA, stopA := startServerNoCleanup(t, Config{DataDir: adir, DB: db, Workers: 2, Artifacts: artURL})
			lr := startIris(t, tsA.URL, "shared", 1)
			c, _, pred := call(t, "POST", tsA.URL+"/api/runs/"+lr+"/predict", "", irisRow, nil)
			if c != 200 {
				t.Fatalf("predict on the trainer = %d %s", c, pred)
			}
			c, out := postJSON(t, tsA.URL+"/api/runs", netSpec)
			if c != 202 {
				t.Fatalf("POST net = %d %v", c, out)
			}
			net := out["id"].(string)
			waitStatus(t, tsA.URL, net, "succeeded")
			stopA()
			b, tsB, _ := startServerNoCleanup(t, Config{DataDir: bdir, DB: db, Workers: 1, Artifacts: artURL})
			checkServes(t, tsB.URL, bdir, adir, b.Store(), lr, "shared", pred)
			checkServes(t, tsB.URL, bdir, adir, b.Store(), net, "iris-net", "")
			checkCheckpointStored(t, artURL, adir, net)
		})
	}
}

// TestArtifactsHash checks that a model whose bytes differ from the
// SHA-256 its run recorded is never served: a tampered object in the store
// is a 500 (download and predict) and leaves no file; a tampered local
// copy is replaced by the stored one; a model missing from both is a 404;
// and the model of a run trained before the object store (no SHA-256) is
// still served from the data folder.
func TestArtifactsHash(t *testing.T) {
	artURL := bucketURLs(t)["mem"]
	s, ts := startTestServer(t, Config{DataDir: t.TempDir(), Workers: 1, Artifacts: artURL})
	id := startIris(t, ts.URL, "h", 1)
	local := filepath.Join(s.cfg.DataDir, jobs.ModelDir(id), model.FileName)
	good, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := artifacts.Key(id, artifacts.ModelFile)
	bucket := s.art.Bucket()
	forget := func() { s.models.delete(id); s.verified.Delete(id) }
	ctx := context.Background()

	// A tampered local copy: the stored model is taken again.
	os.WriteFile(local, append([]byte(nil), good[:len(good)-1]...), 0o600)
	forget()
	if resp, body := getBody(t, ts.URL+"/api/runs/"+id+"/model"); resp.StatusCode != 200 || !bytes.Equal(body, good) {
		t.Fatalf("with a tampered local copy: %d, %d bytes", resp.StatusCode, len(body))
	}
	// A tampered object and no local copy.
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 1
	if err := bucket.WriteAll(ctx, key, bad, nil); err != nil {
		t.Fatal(err)
	}
	os.Remove(local)
	forget()
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/runs/" + id + "/model", ""}, {"GET", "/api/models/h", ""}, {"GET", "/api/runs/" + id + "/model/info", ""},
		{"POST", "/api/runs/" + id + "/predict", irisRow}, {"POST", "/api/models/h/predict", irisRow},
	} {
		if st, _, b := call(t, c.method, ts.URL+c.path, "", c.body, nil); st != 500 || !strings.Contains(b, "corrupt_model") {
			t.Errorf("%s %s with a tampered object = %d %s; want 500 corrupt_model", c.method, c.path, st, b)
		}
	}
	if _, err := os.Stat(local); !os.IsNotExist(err) {
		t.Error("a tampered download was left in the data folder")
	}
	// Missing from both.
	bucket.Delete(ctx, key)
	if st, _, b := call(t, "GET", ts.URL+"/api/runs/"+id+"/model", "", "", nil); st != 404 || !strings.Contains(b, "missing") {
		t.Errorf("missing model = %d %s", st, b)
	}
	// Restored: served again.
	bucket.WriteAll(ctx, key, good, nil)
	if st, _, b := call(t, "POST", ts.URL+"/api/runs/"+id+"/predict", "", irisRow, nil); st != 200 {
		t.Errorf("predict after the restore = %d %s", st, b)
	}

	// A run of an older release: trained without an object store.
	old := &store.Run{ID: store.NewID(), Name: "old", Class: "LogisticRegression",
		Spec: json.RawMessage(`{"name": "old", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression"}}`)}
	if err := s.store.CreateRun(ctx, old); err != nil {
		t.Fatal(err)
	}
	res, err := Runner(s.cfg.DataDir, jobs.Limits{})(ctx, old, discard{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res), "model_sha256") {
		t.Fatal("a run without an object store recorded a SHA-256")
	}
	if ok, err := s.store.FinishRun(ctx, old.ID, 0, store.Succeeded, res, ""); !ok || err != nil {
		t.Fatalf("finish: %v %v", ok, err)
	}
	if st, _, b := call(t, "POST", ts.URL+"/api/models/old/predict", "", irisRow, nil); st != 200 {
		t.Errorf("predict by an old run's model = %d %s", st, b)
	}
	// Deleting a run deletes its objects.
	if st, _, b := call(t, "DELETE", ts.URL+"/api/runs/"+id, "", "", nil); st != 204 {
		t.Fatalf("delete = %d %s", st, b)
	}
	if ok, _ := bucket.Exists(ctx, key); ok {
		t.Error("the deleted run's model is still in the object store")
	}
}

// discard drops a run's progress; logs keeps the messages of log events
// and counts epochs.
type discard struct{}

func (discard) Report(event.Event)              {}
func (discard) Metrics(map[string]float64, int) {}

type logs struct {
	discard
	msgs   []string
	epochs int
}

func (l *logs) Report(e event.Event) {
	switch e.Kind {
	case "log":
		l.msgs = append(l.msgs, e.Message)
	case "epoch":
		l.epochs++
	}
}

func (l *logs) has(sub string) bool {
	for _, m := range l.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

// TestArtifactsResumeElsewhere trains a network run's first attempt in one
// data folder and resumes its second in another: the checkpoint comes from
// the object store (no epoch is trained again); a checkpoint whose bytes do
// not match its SHA-256 is not taken and the run starts afresh.
func TestArtifactsResumeElsewhere(t *testing.T) {
	ctx := context.Background()
	art, err := artifacts.Open(ctx, bucketURLs(t)["mem"])
	if err != nil {
		t.Fatal(err)
	}
	dir := func() string {
		d := t.TempDir()
		os.MkdirAll(filepath.Join(d, "files"), 0o700)
		return d
	}
	run := &store.Run{ID: store.NewID(), Name: "iris-net", Spec: json.RawMessage(netSpec)}
	first := &logs{}
	if _, err := RunnerWith(dir(), jobs.Limits{}, art)(ctx, run, first); err != nil {
		t.Fatal(err)
	}
	if first.epochs != 3 {
		t.Fatalf("the first attempt trained %d epochs, want 3", first.epochs)
	}
	run.Attempt = 1
	second := &logs{}
	if _, err := RunnerWith(dir(), jobs.Limits{}, art)(ctx, run, second); err != nil {
		t.Fatal(err)
	}
	if !second.has("took the run's checkpoint from the object store") || !second.has("resuming after epoch 3 of 3") || second.epochs != 0 {
		t.Fatalf("the resumed attempt: %d epochs, logs %q", second.epochs, second.msgs)
	}
	key, _ := artifacts.Key(run.ID, artifacts.CheckpointFile)
	b, err := art.Bucket().ReadAll(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	attrs, _ := art.Bucket().Attributes(ctx, key)
	b[len(b)-1] ^= 1
	// The metadata kept, so that only the bytes are wrong.
	w, _ := art.Bucket().NewWriter(ctx, key, &blob.WriterOptions{Metadata: attrs.Metadata})
	w.Write(b)
	w.Close()
	third := &logs{}
	if _, err := RunnerWith(dir(), jobs.Limits{}, art)(ctx, run, third); err != nil {
		t.Fatal(err)
	}
	if !third.has("was not taken") || !third.has("starting from epoch 1") || third.epochs != 3 {
		t.Fatalf("with a tampered checkpoint: %d epochs, logs %q", third.epochs, third.msgs)
	}
}

// TestArtifactsWorkerKilled runs processes: an API-only server and a
// worker (each run in its own child process), each with its own data
// folder, on PostgreSQL and a file:// object store. The worker is killed
// with SIGKILL mid-network-run; a second worker, with a third data folder,
// takes the run once its heartbeat is stale, resumes it from the checkpoint
// in the object store, and the server serves the model it trained.
func TestArtifactsWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server and worker processes")
	}
	db := pgtest.URL(t)
	bin := buildSlowServer(t)
	artURL := "file://" + filepath.ToSlash(t.TempDir())
	t.Setenv("SLOWSERVER_STALE_AFTER", "3s")
	sdir, w1dir, w2dir := t.TempDir(), t.TempDir(), t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	startServer(t, bin, addr, sdir, "--db", db, "--workers", "0", "--artifacts", artURL)
	worker := func(dir string) *exec.Cmd {
		cmd := exec.Command(bin, "worker", "--db", db, "--data", dir, "--artifacts", artURL, "--workers", "1")
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	w1 := worker(w1dir)
	id := postRun(t, base, `{"name": "digits-net", "seed": 1, "data": {"train": "builtin:digits"},
		"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 32}, {"type": "ReLU"},
		                     {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "SGD", "lr": 0.001}, "batch_size": 16, "epochs": 150}`)
	epochs := func() int {
		var m struct {
			Series map[string][]any `json:"series"`
		}
		json.Unmarshal([]byte(get(t, base+"/api/runs/"+id+"/metrics")), &m)
		return len(m.Series["val_loss"])
	}
	for deadline := time.Now().Add(60 * time.Second); epochs() < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the run recorded no epochs: %s", w1.Stdout)
		}
	}
	if err := w1.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	w1.Wait()
	if strings.Contains(get(t, base+"/api/runs/"+id), `"status":"succeeded"`) {
		t.Skip("the run finished before its worker was killed")
	}
	w2 := worker(w2dir)
	final := waitStatus(t, base, id, "succeeded")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.Events(context.Background(), id, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range evs {
		all.Write(e.Data)
		all.WriteByte('\n')
	}
	if !strings.Contains(all.String(), "took the run's checkpoint from the object store") || !strings.Contains(all.String(), "resuming after epoch") {
		t.Fatalf("the second worker did not resume from the object store's checkpoint:\n%s\nworker 2:\n%s\nrun: %s", all.String(), w2.Stdout, final)
	}
	if _, err := os.Stat(filepath.Join(w1dir, jobs.ModelDir(id), model.FileName)); !os.IsNotExist(err) {
		t.Fatalf("the killed worker wrote the model (%v)", err)
	}
	run, err := st.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	trained, err := os.ReadFile(filepath.Join(w2dir, jobs.ModelDir(id), model.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := getBody(t, base+"/api/runs/"+id+"/model"); resp.StatusCode != 200 || !bytes.Equal(body, trained) {
		t.Fatalf("GET /api/runs/%s/model = %d, %d bytes; want the %d bytes the second worker trained", id, resp.StatusCode, len(body), len(trained))
	}
	if got := fileSum(t, filepath.Join(sdir, jobs.ModelDir(id), model.FileName)); got != modelSHA(run) {
		t.Fatal("the server's copy differs from the recorded SHA-256")
	}
}
