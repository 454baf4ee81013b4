package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/store"
)

// seedSweep stores a running sweep parent (its children made, as
// store.StartSweep makes them, none launched) with n children, and
// returns its id and theirs.
func seedSweep(t *testing.T, s *Server, name string, n int) (string, []string) {
	t.Helper()
	ctx := context.Background()
	p := &store.Run{ID: store.NewID(), Name: name, Class: "KNeighborsClassifier", Spec: json.RawMessage(`{"name": "` + name + `", "search": {"type": "GridSearchCV"}}`)}
	if err := s.store.CreateRun(ctx, p); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.store.StartRun(ctx, p.ID, 0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	var kids []*store.Run
	var ids []string
	for i := range n {
		kids = append(kids, &store.Run{ID: store.NewID(), Name: childName(name, "trial", i), Class: "KNeighborsClassifier", Spec: json.RawMessage(`{}`)})
		ids = append(ids, kids[i].ID)
	}
	if ok, err := s.store.StartSweep(ctx, p.ID, 0, 2, kids); !ok || err != nil {
		t.Fatal(ok, err)
	}
	return p.ID, ids
}

// TestBulkDeleteSweep: the runs table's bulk delete refuses a trial of a
// sweep still running as DELETE /api/runs/{id} does, the whole request
// before anything is deleted, naming every run refused and why; once the
// sweep is done a trial goes alone, and the parent takes its trials with
// it even when the request names them too. The listing counts the
// parent's children. On both backends.
func TestBulkDeleteSweep(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			s, ts := newTestServer(t, backend, "")
			ctx := context.Background()
			plain := seedRunsTable(t, s, "plain")[0]
			parent, kids := seedSweep(t, s, "sw", 3)
			finish := func(id string, st store.Status) {
				t.Helper()
				if ok, err := s.store.FinishRun(ctx, id, 0, st, nil, ""); !ok || err != nil {
					t.Fatal(ok, err)
				}
			}
			finish(kids[0], store.Succeeded)
			finish(kids[1], store.Failed)

			l := getList(t, ts.URL, "sort=name&order=asc")
			if len(l.Runs) != 2 || l.Runs[1].ID != parent || l.Runs[0].Sweep != nil {
				t.Fatalf("the table: %+v", l.Runs)
			}
			if got, want := l.Runs[1].Sweep, (&api.SweepCounts{Kind: "search", Total: 3, Done: 2, Failed: 1}); got == nil || *got != *want {
				t.Fatalf("the parent's children counted %+v, want %+v", got, want)
			}

			body := func(ids ...string) string { return `{"ids": ["` + strings.Join(ids, `", "`) + `"]}` }
			trial := "run " + kids[0] + " is a trial of sweep " + parent + ", which is running: its parent gathers it; cancel the sweep first"
			for _, sc := range []scenario{
				{name: "one trial of a running sweep", method: "DELETE", path: "/api/runs/" + kids[0], status: 409, contain: []string{trial}},
				{name: "in bulk", method: "POST", path: "/api/runs/delete", body: body(plain, kids[0]), status: 409,
					contain: []string{trial + " (no run was deleted)"}},
				{name: "every refused run named", method: "POST", path: "/api/runs/delete", body: body(kids[2], plain, kids[0], kids[1]), status: 409,
					contain: []string{"run " + kids[2] + " is queued: cancel it first; " + trial + "; run " + kids[1] + " is a trial of sweep " + parent}},
				{name: "the running parent", method: "POST", path: "/api/runs/delete", body: body(plain, parent), status: 409,
					contain: []string{"run " + parent + " is running: cancel it first (no run was deleted)"}},
				{name: "a missing run first", method: "POST", path: "/api/runs/delete", body: body(kids[0], "0000000000000deadbeef"), status: 404,
					contain: []string{"no run 0000000000000deadbeef (no run was deleted)"}},
				{name: "nothing deleted", method: "GET", path: "/api/runs/" + plain, status: 200},
				{name: "the trial kept", method: "GET", path: "/api/runs/" + kids[0], status: 200},
			} {
				sc.run(t, ts.URL)
			}

			finish(kids[2], store.Cancelled)
			finish(parent, store.Succeeded)
			for _, sc := range []scenario{
				{name: "a trial of a finished sweep", method: "POST", path: "/api/runs/delete", body: body(kids[0]), status: 200, contain: []string{`"deleted":1`}},
				{name: "the parent with a trial named", method: "POST", path: "/api/runs/delete", body: body(kids[1], parent, plain), status: 200, contain: []string{`"deleted":3`}},
				{name: "the trial not named went too", method: "GET", path: "/api/runs/" + kids[2], status: 404},
				{name: "the parent gone", method: "GET", path: "/api/runs/" + parent, status: 404},
				{name: "nothing left", method: "GET", path: "/api/runs?parent=" + parent, status: 200, contain: []string{`"total":0`}},
			} {
				sc.run(t, ts.URL)
			}
		})
	}
}
