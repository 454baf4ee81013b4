package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/store"
)

// TestClusterKill is the cluster of processes that issue 14 describes: two
// API-only servers (serve --workers 0) and two workers on one PostgreSQL
// database and one S3 object store (gofakes3 on loopback), each process
// with its own data folder. Twelve runs, classic and network, are posted
// across both servers; the first worker is killed with SIGKILL in the
// middle of a long network run. Every run succeeds exactly once (one
// succeeded status, one attempt, the killed one two), the killed run is
// resumed on the other worker from the checkpoint in the object store,
// every model downloads whole and predicts alike from both servers, and
// no epoch's metric point is missing or recorded twice.
func TestClusterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server and worker processes")
	}
	db := pgtest.URL(t)
	bin := buildSlowServer(t)
	s3 := bucketURLs(t)["s3"] // the AWS environment goes to the processes too
	t.Setenv("SLOWSERVER_STALE_AFTER", "3s")
	var bases []string
	for range 2 {
		addr := freeAddr(t)
		startServer(t, bin, addr, t.TempDir(), "--db", db, "--workers", "0", "--artifacts", s3)
		bases = append(bases, "http://"+addr)
	}
	worker := func(n string) *exec.Cmd {
		cmd := exec.Command(bin, "worker", "--db", db, "--data", t.TempDir(), "--artifacts", s3, "--workers", n)
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}

	// The long run goes to the first worker, alone.
	const longEpochs = 150
	long := postRun(t, bases[0], fmt.Sprintf(`{"name": "digits-net", "seed": 1, "data": {"train": "builtin:digits"},
		"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 32}, {"type": "ReLU"},
		                     {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "SGD", "lr": 0.001}, "batch_size": 16, "epochs": %d}`, longEpochs))
	w1 := worker("1")
	epochsOf := func(base, id string) int {
		var m struct {
			Series map[string][]any `json:"series"`
		}
		json.Unmarshal([]byte(get(t, base+"/api/runs/"+id+"/metrics")), &m)
		return len(m.Series["val_loss"])
	}
	for deadline := time.Now().Add(60 * time.Second); epochsOf(bases[1], long) < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the long run recorded no epochs: %s", w1.Stdout)
		}
	}
	w2 := worker("2")
	// Eleven more, across both servers: classic and network.
	epochs := map[string]int{long: longEpochs}
	ids := []string{long}
	for i := range 11 {
		spec := fmt.Sprintf(`{"name": "lr-%d", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"C": %d}}}`, i, i+1)
		if i%2 == 1 {
			spec = strings.Replace(netSpec, `"epochs": 3`, fmt.Sprintf(`"epochs": %d`, 2+i%4), 1)
			spec = strings.Replace(spec, `"iris-net"`, fmt.Sprintf(`"net-%d"`, i), 1)
		}
		id := postRun(t, bases[i%2], spec)
		if i%2 == 1 {
			epochs[id] = 2 + i%4
		}
		ids = append(ids, id)
	}
	if err := w1.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	w1.Wait()
	if strings.Contains(get(t, bases[0]+"/api/runs/"+long), `"status":"succeeded"`) {
		t.Skip("the long run finished before its worker was killed")
	}

	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			if run := waitDone(t, bases[i%2], id, 90*time.Second); run["status"] != "succeeded" {
				t.Errorf("run %s: %v (worker 2: %s)", id, run["status"], w2.Stdout)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, id := range ids {
		run, err := st.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		wantAttempt := 0
		if id == long {
			wantAttempt = 1
		}
		if run.Attempt != wantAttempt {
			t.Errorf("run %s (%s) took %d attempts, want %d", id, run.Name, run.Attempt+1, wantAttempt+1)
		}
		evs, err := st.Events(ctx, id, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		succeeded := 0
		for _, e := range evs {
			all.Write(e.Data)
			all.WriteByte('\n')
			if e.Type == "status" && strings.Contains(string(e.Data), `"status":"succeeded"`) {
				succeeded++
			}
		}
		if succeeded != 1 {
			t.Errorf("run %s (%s) succeeded %d times", id, run.Name, succeeded)
		}
		if id == long && (!strings.Contains(all.String(), "took the run's checkpoint from the object store") || !strings.Contains(all.String(), "resuming after epoch")) {
			t.Errorf("the killed run did not resume from the object store's checkpoint:\n%s", all.String())
		}

		// Every epoch of a network once in each epoch series, and no step
		// of any series twice.
		pts, err := st.Points(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		perEpoch := map[string]map[int]int{}
		for _, p := range pts {
			k := fmt.Sprintf("%s@%d", p.Series, p.Step)
			if seen[k] {
				t.Errorf("run %s (%s): the point %s of step %d is recorded twice", id, run.Name, p.Series, p.Step)
			}
			seen[k] = true
			if p.Epoch > 0 && p.Series != "loss" {
				if perEpoch[p.Series] == nil {
					perEpoch[p.Series] = map[int]int{}
				}
				perEpoch[p.Series][p.Epoch]++
			}
		}
		if e := epochs[id]; e > 0 {
			for _, series := range []string{"epoch_loss", "val_loss", "val_accuracy", "lr"} {
				for ep := 1; ep <= e; ep++ {
					if n := perEpoch[series][ep]; n != 1 {
						t.Errorf("run %s (%s): %s of epoch %d recorded %d times", id, run.Name, series, ep, n)
					}
				}
				if len(perEpoch[series]) != e {
					t.Errorf("run %s (%s): %s has %d epochs, want %d", id, run.Name, series, len(perEpoch[series]), e)
				}
			}
		}

		// The model, whole and alike from both servers.
		var preds []string
		for _, base := range bases {
			resp, body := getBody(t, base+"/api/runs/"+id+"/model")
			sum := sha256.Sum256(body)
			if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != modelSHA(run) {
				t.Fatalf("run %s: the model from %s = %d, SHA-256 %x; recorded %s", id, base, resp.StatusCode, sum, modelSHA(run))
			}
			c, _, out := call(t, "POST", base+"/api/runs/"+id+"/predict", "", irisRowFor(run.Name), nil)
			if c != 200 {
				t.Fatalf("run %s: predict on %s = %d %s", id, base, c, out)
			}
			preds = append(preds, out)
		}
		if !bytes.Equal([]byte(preds[0]), []byte(preds[1])) {
			t.Errorf("run %s: the servers predict %s and %s", id, preds[0], preds[1])
		}
	}
}

// irisRowFor is a row to predict for a run of TestClusterKill: a digits
// image (64 pixels) for the long run, an iris flower for the others.
func irisRowFor(name string) string {
	if name != "digits-net" {
		return irisRow
	}
	var b strings.Builder
	b.WriteString(`{"rows": [{`)
	for i := range 64 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `"pixel_%d": %d`, i, i%16)
	}
	b.WriteString(`}]}`)
	return b.String()
}
