package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/store"
	"github.com/mlforge/mlforge/train"
)

// sweepSpec is a GridSearchCV of 6 candidates on iris, at most
// maxParallel trained at once.
func sweepSpec(name string, maxParallel int) string {
	return fmt.Sprintf(`{"name": %q, "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}],
		"model": {"class": "LogisticRegression", "params": {"max_iter": 200}},
		"search": {"type": "GridSearchCV", "param_grid": {"C": [0.01, 0.1, 1, 10, 100, 1000]}, "cv": 4, "max_parallel": %d}}`, name, maxParallel)
}

// waitSweep waits for run id itself (not a child listed in it) to reach
// want.
func waitSweep(t *testing.T, base, id string, want api.Status) api.Run {
	t.Helper()
	var v api.Run
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if v = getRunView(t, base, id); v.Status == want {
			return v
		}
		if v.Status.Done() {
			t.Fatalf("run %s is %s, not %s: %s", id, v.Status, want, v.Error)
		}
	}
	t.Fatalf("run %s never reached %s: %+v", id, want, v)
	return v
}

func getRunView(t *testing.T, base, id string) api.Run {
	t.Helper()
	var v api.Run
	if err := json.Unmarshal([]byte(get(t, base+"/api/runs/"+id)), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSweep posts a search of 6 candidates with max_parallel 2 to a
// server with 2 workers, on both backends: the candidates train as child
// runs (listed under the parent, not at the top), never more than 2 at
// once (from the children's start and finish times), and the parent's
// cv_results_ and model are the one-process search's. A second sweep is
// cancelled while its children wait: they are cancelled with it, and
// deleting the parent deletes them.
func TestSweep(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			old := jobs.SetSweepPollEvery(20 * time.Millisecond)
			t.Cleanup(func() { jobs.SetSweepPollEvery(old) })
			_, ts := newTestServer(t, backend, "")
			base := ts.URL
			id := postRun(t, base, sweepSpec("sweep", 2))
			parent := waitSweep(t, base, id, "succeeded")
			if len(parent.Children) != 6 {
				t.Fatalf("%d children: %+v", len(parent.Children), parent.Children)
			}
			type span struct{ start, end time.Time }
			var spans []span
			for i, c := range parent.Children {
				if c.Index != i || c.Status != "succeeded" || c.Metrics["mean_test_score"] == 0 || !strings.Contains(string(c.Params), `"C"`) {
					t.Fatalf("child %d: %+v", i, c)
				}
				cv := getRunView(t, base, c.ID)
				if cv.ParentID != id || cv.ChildIndex == nil || *cv.ChildIndex != i || cv.StartedAt == nil || cv.FinishedAt == nil {
					t.Fatalf("child %d's view: %+v", i, cv)
				}
				spans = append(spans, span{*cv.StartedAt, *cv.FinishedAt})
			}
			// At any child's start, how many children had started and not
			// finished (a child launched as another finished starts after
			// it: the parent launches it once the other is stored done).
			sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
			for i, s := range spans {
				n := 1 // s, and the children started before it and not done
				for _, o := range spans[:i] {
					if o.end.After(s.start) {
						n++
					}
				}
				if n > 2 {
					t.Fatalf("%d children ran at once at %v: %+v", n, s.start, spans)
				}
			}
			// The table lists the parent, not its children; ?parent= lists them.
			var list api.RunList
			json.Unmarshal([]byte(get(t, base+"/api/runs")), &list)
			if len(list.Runs) != 1 || list.Runs[0].ID != id {
				t.Fatalf("GET /api/runs: %+v", list.Runs)
			}
			if c := list.Runs[0].Sweep; c == nil || *c != (api.SweepCounts{Kind: "search", Total: 6, Done: 6}) {
				t.Fatalf("the listing's count of the children: %+v", c)
			}
			json.Unmarshal([]byte(get(t, base+"/api/runs?parent="+id+"&sort=created&order=asc")), &list)
			if len(list.Runs) != 6 || list.Runs[0].ParentID != id {
				t.Fatalf("GET /api/runs?parent=: %+v", list.Runs)
			}

			// The parent's cv_results_ are the one-process search's.
			var res struct {
				Search  train.SearchResult            `json:"search"`
				Metrics map[string]map[string]float64 `json:"metrics"`
			}
			if err := json.Unmarshal(parent.Result, &res); err != nil {
				t.Fatal(err)
			}
			s, err := spec.Parse([]byte(sweepSpec("sweep", 2)))
			if err != nil {
				t.Fatal(err)
			}
			want, err := train.Run(context.Background(), s, train.Options{Output: filepath.Join(t.TempDir(), "m")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Search.BestIndex != want.Search.BestIndex || res.Search.BestScore != want.Search.BestScore || len(res.Search.Results) != 6 {
				t.Fatalf("best %d %v, one process %d %v", res.Search.BestIndex, res.Search.BestScore, want.Search.BestIndex, want.Search.BestScore)
			}
			for i, r := range res.Search.Results {
				w := want.Search.Results[i]
				if !reflect.DeepEqual(r.SplitTestScore, w.SplitTestScore) || r.MeanTestScore != w.MeanTestScore || r.RankTestScore != w.RankTestScore {
					t.Errorf("candidate %d: %+v, one process %+v", i, r, w)
				}
			}
			if got, w := res.Metrics["test"]["accuracy"], want.Metrics["test"]["accuracy"]; got != w {
				t.Errorf("test accuracy %v, one process %v", got, w)
			}
			if st, _, b := call(t, "POST", base+"/api/models/sweep/predict", "", `{"rows": [{`+iris+`, "petal_width": 0.2}]}`, nil); st != 200 {
				t.Fatalf("predict with the sweep's model = %d %s", st, b)
			}

			// Cancel a sweep whose parent sleeps long between looks: its
			// children not yet launched are surely waiting.
			jobs.SetSweepPollEvery(time.Hour)
			id2 := postRun(t, base, sweepSpec("cancelled", 1))
			for deadline := time.Now().Add(30 * time.Second); len(getRunView(t, base, id2).Children) == 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the sweep made no children")
				}
			}
			if st, _, b := call(t, "POST", base+"/api/runs/"+id2+"/cancel", "", "", nil); st != 202 {
				t.Fatalf("cancel = %d %s", st, b)
			}
			waitSweep(t, base, id2, "cancelled")
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				p := getRunView(t, base, id2)
				done, cancelled := 0, 0
				for _, c := range p.Children {
					if c.Status.Done() {
						done++
					}
					if c.Status == "cancelled" {
						cancelled++
					}
				}
				if done == 6 {
					if cancelled < 5 {
						t.Fatalf("%d children cancelled with their sweep: %+v", cancelled, p.Children)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("children not done after the cancel: %+v", p.Children)
				}
			}
			kids := getRunView(t, base, id2).Children
			if st, _, b := call(t, "DELETE", base+"/api/runs/"+id2, "", "", nil); st != 204 {
				t.Fatalf("delete = %d %s", st, b)
			}
			for _, c := range kids {
				if st, _, _ := call(t, "GET", base+"/api/runs/"+c.ID, "", "", nil); st != 404 {
					t.Fatalf("child %s of a deleted sweep = %d", c.ID, st)
				}
			}
		})
	}
}

// TestWebSweepChildren: the runs table says a sweep's number of trials
// beside its name, linking to its page (axe-core finds nothing serious
// there); that page lists its children
// (name, params, score, status, a link each) with a link comparing them,
// and a child's page links back to its parent.
func TestWebSweepChildren(t *testing.T) {
	ctx := browser(t)
	old := jobs.SetSweepPollEvery(20 * time.Millisecond)
	t.Cleanup(func() { jobs.SetSweepPollEvery(old) })
	_, ts := newTestServer(t, "sqlite", "")
	id := postRun(t, ts.URL, sweepSpec("web-sweep", 3))
	parent := waitSweep(t, ts.URL, id, "succeeded")
	var note struct{ Text, Href string }
	err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs"), waitJS(`!!document.querySelector('#runs-table .sweep-count')`),
		chromedp.Evaluate(`(() => { const a = document.querySelector('#runs-table tr[data-id="`+id+`"] .sweep-count');
			return a ? { text: a.textContent, href: a.getAttribute('href') } : {}; })()`, &note), axeCheck(t))
	if err != nil || note.Text != "sweep · 6 trials" || note.Href != "#/runs/"+id {
		t.Fatalf("the runs table's word on the sweep: %+v %v", note, err)
	}
	var got struct {
		Rows    int
		First   string
		Compare string
		Score   string
	}
	err = chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs/"+id), waitJS(`document.querySelectorAll('#children-table tbody tr').length === 6`),
		chromedp.Evaluate(`(() => { const rows = document.querySelectorAll('#children-table tbody tr');
			return { rows: rows.length, first: rows[0].querySelector('a').getAttribute('href'),
				compare: document.querySelector('#compare-children').getAttribute('href'),
				score: [...document.querySelectorAll('#children-table thead th')].map((th) => th.textContent).join(' ') }; })()`, &got))
	if err != nil {
		t.Fatal(err)
	}
	if got.First != "#/runs/"+parent.Children[0].ID || !strings.HasPrefix(got.Compare, "#/compare?ids="+parent.Children[0].ID+",") || !strings.Contains(got.Score, "mean_test_score") {
		t.Fatalf("children list: %+v", got)
	}
	var link string
	err = chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/"+got.First), waitJS(`!!document.querySelector('#parent-link')`),
		chromedp.Evaluate(`document.querySelector('#parent-link').getAttribute('href')`, &link))
	if err != nil || link != "#/runs/"+id {
		t.Fatalf("the child's link to its parent: %q %v", link, err)
	}
}

// runningChildren returns the ids of sweep id's children stored as
// running.
func runningChildren(t *testing.T, base, id string) map[string]bool {
	out := map[string]bool{}
	for _, c := range getRunView(t, base, id).Children {
		if c.Status == "running" {
			out[c.ID] = true
		}
	}
	return out
}

// TestSweepSurvivesSIGKILL kills the server (SIGKILL) while a sweep's
// children train and starts it again on the same data folder: the
// children that were running are retried as any run, the waiting parent
// is woken again (not stranded, not counted as a crash) and gathers all
// six candidates, none failed, never more than two children at once.
func TestSweepSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server process")
	}
	bin := buildSlowServer(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	srv := startServer(t, bin, addr, dir)
	id := postRun(t, base, `{"name": "slow-sweep", "data": {"train": "builtin:diabetes"}, "model": {"class": "SlowRegressor", "params": {"step_ms": 20}},
		"search": {"type": "GridSearchCV", "param_grid": {"n_iter": [5, 6, 7, 8, 9, 10]}, "cv": 2, "max_parallel": 2}}`)
	running := func() int {
		n := 0
		for _, c := range getRunView(t, base, id).Children {
			if c.Status == "running" {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(60 * time.Second); running() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no child ran: %+v", getRunView(t, base, id))
		}
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	// The children the dead server left running, read from its store.
	orphans := map[string]bool{}
	if st, err := store.Open(context.Background(), filepath.Join(dir, "mlforge.db")); err == nil {
		kids, _ := st.Children(context.Background(), id)
		for _, k := range kids {
			if k.Status == "running" {
				orphans[k.ID] = true
			}
		}
		st.Close()
	}
	startServer(t, bin, addr, dir)
	parent := waitSweep(t, base, id, "succeeded")
	if parent.Attempt != 0 || len(parent.Children) != 6 {
		t.Fatalf("parent after the restart: attempt %d, %d children", parent.Attempt, len(parent.Children))
	}
	for _, c := range parent.Children {
		cv := getRunView(t, base, c.ID)
		if cv.Status != "succeeded" {
			t.Fatalf("child %d: %+v", c.Index, cv)
		}
		if orphans[c.ID] && cv.Attempt == 0 {
			t.Errorf("child %d was running when the server died, but was not retried", c.Index)
		}
	}
	if len(orphans) == 0 {
		t.Log("no child was running at the kill (the machine was slow); the parent still completed")
	}
	var res struct {
		Search train.SearchResult `json:"search"`
	}
	if err := json.Unmarshal(parent.Result, &res); err != nil || len(res.Search.Results) != 6 {
		t.Fatalf("cv_results_: %v %s", err, parent.Result)
	}
	for i, r := range res.Search.Results {
		if r.Error != "" || len(r.SplitTestScore) != 2 {
			t.Fatalf("candidate %d: %+v", i, r)
		}
	}
}

// TestSweepNetwork: a network search fans out too, each candidate a child
// run trained on the hold-out split, and the parent's rows are the
// one-process search's.
func TestSweepNetwork(t *testing.T) {
	old := jobs.SetSweepPollEvery(20 * time.Millisecond)
	t.Cleanup(func() { jobs.SetSweepPollEvery(old) })
	_, ts := newTestServer(t, "sqlite", "")
	src := `{"name": "net-sweep", "seed": 2, "data": {"train": "builtin:iris"},
	  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 8}, {"type": "ReLU"},
	                       {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "batch_size": 16, "optimizer": {"type": "Adam", "lr": 0.05}, "epochs": 3,
	  "search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.05, 0.001], "batch_size": [16, 32]}, "max_parallel": 2}}`
	id := postRun(t, ts.URL, src)
	parent := waitSweep(t, ts.URL, id, "succeeded")
	if len(parent.Children) != 4 || parent.Class != "Sequential" {
		t.Fatalf("%s with %d children", parent.Class, len(parent.Children))
	}
	var res struct {
		Search train.SearchResult `json:"search"`
	}
	if err := json.Unmarshal(parent.Result, &res); err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s.Output = filepath.Join(t.TempDir(), "m")
	want, err := train.Run(context.Background(), s, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res.Search.Results {
		w := want.Search.Results[i]
		if r.MeanTestScore != w.MeanTestScore || r.RankTestScore != w.RankTestScore || !reflect.DeepEqual(r.Params, w.Params) {
			t.Errorf("candidate %d: %+v, one process %+v", i, r, w)
		}
	}
	if res.Search.BestIndex != want.Search.BestIndex {
		t.Errorf("best %d, one process %d", res.Search.BestIndex, want.Search.BestIndex)
	}
}

// TestSweepWorkerKilled is the sweep on a cluster: an API-only server and
// workers on PostgreSQL. The only worker is killed with SIGKILL while it
// trains a child, and another is started: the children left running are
// taken over once their heartbeats go stale, the waiting parent is woken,
// and it completes with every candidate. The first worker is armed at the
// crash point child-start, so that one child's job is always in its hands
// at the kill, fetched but the child not yet marked running (queued, its
// job running in River): that child too is retried, once its job's
// attempted_at is stale.
func TestSweepWorkerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server and worker processes")
	}
	db := pgtest.URL(t)
	bin := buildSlowServer(t)
	t.Setenv("SLOWSERVER_STALE_AFTER", "2s")
	addr := freeAddr(t)
	startServer(t, bin, addr, t.TempDir(), "--db", db, "--workers", "0")
	base := "http://" + addr
	worker := func(env ...string) *exec.Cmd {
		cmd := exec.Command(bin, "worker", "--db", db, "--data", t.TempDir(), "--workers", "2")
		cmd.Env = append(os.Environ(), env...)
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	mark := filepath.Join(t.TempDir(), "mark")
	w1 := worker("SLOWSERVER_CRASH_AT=child-start", "SLOWSERVER_CRASH_MARK="+mark)
	id := postRun(t, base, `{"name": "slow-sweep", "data": {"train": "builtin:diabetes"}, "model": {"class": "SlowRegressor", "params": {"step_ms": 20}},
		"search": {"type": "GridSearchCV", "param_grid": {"n_iter": [5, 6, 7, 8, 9, 10]}, "cv": 2, "max_parallel": 2}}`)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n := 0
		for _, c := range getRunView(t, base, id).Children {
			if c.Status == "running" {
				n++
			}
		}
		if _, err := os.Stat(mark); err == nil && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no child ran: %s", w1.Stdout)
		}
	}
	if err := w1.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	w1.Wait()
	orphans := runningChildren(t, base, id) // left running by the dead worker
	// The child stopped at child-start: queued, its job running in River.
	pg, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var stranded string
	if err := pg.QueryRow(`SELECT r.id FROM mlf_runs r JOIN river_job j ON j.args->>'run_id' = r.id
		WHERE r.parent_id = $1 AND r.status = 'queued' AND r.sweep = '' AND j.state = 'running'`, id).Scan(&stranded); err != nil {
		t.Fatalf("no child queued with its job running at the kill: %v", err)
	}
	orphans[stranded] = true
	worker()
	parent := waitSweep(t, base, id, "succeeded")
	for _, c := range parent.Children {
		cv := getRunView(t, base, c.ID)
		if cv.Status != "succeeded" {
			t.Fatalf("child %d: %+v", c.Index, cv)
		}
		if orphans[c.ID] && cv.Attempt == 0 {
			t.Errorf("child %d was running when its worker died, but was not retried", c.Index)
		}
	}
	if len(orphans) == 0 {
		t.Log("no child was running at the kill (the machine was slow); the parent still completed")
	}
	var res struct {
		Search train.SearchResult `json:"search"`
	}
	if err := json.Unmarshal(parent.Result, &res); err != nil || len(res.Search.Results) != 6 {
		t.Fatalf("cv_results_: %v %s", err, parent.Result)
	}
}

// TestSweepFailedChild: a candidate that fails (n_neighbors larger than a
// fold) is a failed child recorded in cv_results_ (its error, null
// scores, the last rank) and in the parent's events, and the sweep goes
// on; when every candidate fails the parent fails saying so.
func TestSweepFailedChild(t *testing.T) {
	old := jobs.SetSweepPollEvery(20 * time.Millisecond)
	t.Cleanup(func() { jobs.SetSweepPollEvery(old) })
	_, ts := newTestServer(t, "sqlite", "")
	knn := func(name, grid string) string {
		return fmt.Sprintf(`{"name": %q, "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
			"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": %s}, "cv": 3}}`, name, grid)
	}
	id := postRun(t, ts.URL, knn("knn", "[3, 500, 5]"))
	parent := waitSweep(t, ts.URL, id, "succeeded")
	if c := parent.Children[1]; c.Status != "failed" || !strings.Contains(c.Error, "n_neighbors = 500") {
		t.Fatalf("child 2: %+v", c)
	}
	if !strings.Contains(string(parent.Result), `"split_test_score":[null,null,null],"mean_test_score":null`) {
		t.Errorf("cv_results_ without the failed candidate's null scores: %s", parent.Result)
	}
	var res struct {
		Search train.SearchResult `json:"search"`
	}
	json.Unmarshal(parent.Result, &res)
	if r := res.Search.Results[1]; r.RankTestScore != 3 || !strings.Contains(r.Error, "n_neighbors = 500") || res.Search.BestIndex == 1 {
		t.Fatalf("failed candidate's row: %+v", r)
	}
	if ev := get(t, ts.URL+"/api/runs/"+id+"/events"); !strings.Contains(ev, `search candidate 2 {\"n_neighbors\": 500} failed`) {
		t.Errorf("the parent's events do not tell of the failed candidate:\n%s", ev)
	}
	if st, _, b := call(t, "GET", ts.URL+"/api/runs?parent=nope", "", "", nil); st != 400 || !strings.Contains(b, "parent must be a run id") {
		t.Errorf("?parent=nope = %d %s", st, b)
	}
	l := getList(t, ts.URL, "name=knn")
	if len(l.Runs) != 1 || l.Runs[0].Sweep == nil || *l.Runs[0].Sweep != (api.SweepCounts{Kind: "search", Total: 3, Done: 3, Failed: 1}) {
		t.Errorf("the listing's count of the children: %+v", l.Runs)
	}
	id = postRun(t, ts.URL, knn("knn-all", "[500, 600]"))
	parent = waitSweep(t, ts.URL, id, "failed")
	if !strings.Contains(parent.Error, "every one of the 2 candidates failed; the first: ") || !strings.Contains(parent.Error, "n_neighbors = 500") {
		t.Fatalf("all failed: %q", parent.Error)
	}
	// error_score "raise": the failed candidate fails the sweep, naming it,
	// as the one-process search stops at it.
	raise := strings.Replace(knn("knn-raise", "[3, 500]"), `"cv": 3`, `"cv": 3, "error_score": "raise"`, 1)
	parent = waitSweep(t, ts.URL, postRun(t, ts.URL, raise), "failed")
	if !strings.HasPrefix(parent.Error, `search candidate 2 {"n_neighbors": 500}: `) || !strings.Contains(parent.Error, "n_neighbors = 500") {
		t.Fatalf("error_score raise: %q", parent.Error)
	}
}
