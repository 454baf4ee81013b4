package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/store"
)

// seedRunsTable stores finished runs named by names with an lr param and
// a test accuracy (i-th: lr i/100, accuracy 0.5 + i/20), created a second
// apart an hour ago (ids to match), and returns their ids.
func seedRunsTable(t *testing.T, s *Server, names ...string) []string {
	t.Helper()
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	var ids []string
	for i, n := range names {
		spec := fmt.Sprintf(`{"name": %q, "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"lr": %g}}}`, n, float64(i)/100)
		created := base.Add(time.Duration(i) * time.Second)
		// The id says the creation time, as NewID's do.
		r := &store.Run{ID: fmt.Sprintf("%013x%08x", created.UnixMilli(), i), Name: n, Class: "LogisticRegression", Spec: json.RawMessage(spec), CreatedAt: created}
		if err := s.store.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		res := fmt.Sprintf(`{"metrics": {"test": {"accuracy": %g}}}`, 0.5+float64(i)/20)
		if _, err := s.store.FinishRun(ctx, r.ID, 0, store.Succeeded, json.RawMessage(res), ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func getList(t *testing.T, base, query string) api.RunList {
	t.Helper()
	out := scenario{name: "list " + query, method: "GET", path: "/api/runs?" + query, status: 200}.run(t, base)
	var l api.RunList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func listNames(l api.RunList) string {
	var out []string
	for _, r := range l.Runs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

// TestRunsTableRoutes: GET /api/runs sorts, filters and pages in the
// store, with a page that holds still while runs are added; bad sorts and
// filters are 400s that name the column.
func TestRunsTableRoutes(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			s, ts := newTestServer(t, backend, "")
			seedRunsTable(t, s, "r0", "r1", "r2", "r3", "r4")
			if got := listNames(getList(t, ts.URL, "")); got != "r4,r3,r2,r1,r0" {
				t.Errorf("default order: %s", got)
			}
			if got := listNames(getList(t, ts.URL, "sort=metric.accuracy&order=asc")); got != "r0,r1,r2,r3,r4" {
				t.Errorf("by accuracy: %s", got)
			}
			l := getList(t, ts.URL, "filter="+url.QueryEscape("param.lr > 0.01 AND metric.accuracy < 0.7")+"&sort=name&order=asc")
			if listNames(l) != "r2,r3" || *l.Total != 2 || l.Runs[0].Dataset != "builtin:iris" {
				t.Errorf("filtered: %s, total %d, %+v", listNames(l), *l.Total, l.Runs[0])
			}
			if got := listNames(getList(t, ts.URL, "filter=r3&status=succeeded")); got != "r3" {
				t.Errorf("name substring: %s", got)
			}

			// Paging: the second page holds still when a run is added.
			p1 := getList(t, ts.URL, "sort=name&order=asc&limit=2")
			if listNames(p1) != "r0,r1" || *p1.Total != 5 || p1.NextPageToken == "" || p1.Next != nil {
				t.Fatalf("page 1: %s, total %d, token %q", listNames(p1), *p1.Total, p1.NextPageToken)
			}
			r := &store.Run{ID: store.NewID(), Name: "a-new", Class: "Ridge", Spec: json.RawMessage(`{}`), CreatedAt: time.UnixMilli(p1.AsOf + 1)}
			if err := s.store.CreateRun(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			p2 := getList(t, ts.URL, "sort=name&order=asc&limit=2&page_token="+p1.NextPageToken)
			if listNames(p2) != "r2,r3" || *p2.Total != 5 || p2.Newer != 1 || p2.AsOf != p1.AsOf || p2.Offset != 2 {
				t.Fatalf("page 2: %s, total %d, newer %d", listNames(p2), *p2.Total, p2.Newer)
			}
			p3 := getList(t, ts.URL, fmt.Sprintf("sort=name&order=asc&limit=2&as_of=%d&offset=4", p1.AsOf))
			if listNames(p3) != "r4" || p3.NextPageToken != "" {
				t.Fatalf("page 3: %s, token %q", listNames(p3), p3.NextPageToken)
			}
			// The default order still gives older clients their cursor.
			d := getList(t, ts.URL, "limit=2")
			if d.Next == nil || listNames(getList(t, ts.URL, "limit=2&before="+*d.Next)) != "r3,r2" {
				t.Fatalf("the ?before= cursor: %v", d.Next)
			}

			for _, sc := range []scenario{
				{name: "unknown sort column", method: "GET", path: "/api/runs?sort=" + url.QueryEscape("name; DROP TABLE mlf_runs"), status: 400,
					contain: []string{`"field":"sort"`, `unknown column \"name; DROP TABLE mlf_runs\"`}},
				{name: "unknown filter column", method: "GET", path: "/api/runs?filter=" + url.QueryEscape("colour = red"), status: 400,
					contain: []string{`"field":"filter"`, `"code":"bad_filter"`, `unknown column \"colour\"`}},
				{name: "injection in a value", method: "GET", path: "/api/runs?filter=" + url.QueryEscape(`name = "x' OR '1'='1"`), status: 200,
					contain: []string{`"runs":[]`, `"total":0`}},
				{name: "number column, text value", method: "GET", path: "/api/runs?filter=" + url.QueryEscape("metric.accuracy > high"), status: 400,
					contain: []string{`metric.accuracy is a number`}},
				{name: "bad order", method: "GET", path: "/api/runs?order=up", status: 400, contain: []string{`"field":"order"`}},
				{name: "bad page token", method: "GET", path: "/api/runs?page_token=eyJhIjoxfQ", status: 400, contain: []string{`"field":"page_token"`}},
				{name: "bad offset", method: "GET", path: "/api/runs?offset=-1", status: 400, contain: []string{`"field":"offset"`}},
				{name: "bad as_of", method: "GET", path: "/api/runs?as_of=soon", status: 400, contain: []string{`"field":"as_of"`}},
				{name: "bad status", method: "GET", path: "/api/runs?status=weird&sort=name", status: 400, contain: []string{`"field":"status"`}},
				{name: "columns", method: "GET", path: "/api/runs/columns", status: 200,
					contain: []string{`"params":["lr"]`, `"metrics":["accuracy"]`, `"tags":[]`}},
			} {
				sc.run(t, ts.URL)
			}
		})
	}
}

// TestRunsTableTagsRoutes renames a run, writes its note and tags, and
// deletes runs in bulk (all or none).
func TestRunsTableTagsRoutes(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			s, ts := newTestServer(t, backend, "")
			ids := seedRunsTable(t, s, "t0", "t1", "t2")
			queued := &store.Run{ID: store.NewID(), Name: "waiting", Class: "Ridge", Spec: json.RawMessage(`{}`)}
			if err := s.store.CreateRun(context.Background(), queued); err != nil {
				t.Fatal(err)
			}
			missing := "0000000000000deadbeef"
			run := "/api/runs/" + ids[0]
			if err := s.store.SetAlias(context.Background(), "t1", "champion", ids[1]); err != nil {
				t.Fatal(err)
			}
			for _, sc := range []scenario{
				{name: "rename", method: "PATCH", path: run, body: `{"name": "t0-renamed"}`, status: 200, contain: []string{`"name":"t0-renamed"`}},
				{name: "note", method: "PATCH", path: run, body: `{"note": "lr too high; see t1"}`, status: 200,
					contain: []string{`"note":"lr too high; see t1"`, `"name":"t0-renamed"`}},
				{name: "bad name", method: "PATCH", path: run, body: `{"name": "../x"}`, status: 400, contain: []string{`"field":"name"`}},
				{name: "unknown field", method: "PATCH", path: run, body: `{"status": "succeeded"}`, status: 400, contain: []string{`unknown field \"status\"`}},
				{name: "long note", method: "PATCH", path: run, body: `{"note": "` + strings.Repeat("x", MaxNote+1) + `"}`, status: 400, contain: []string{`"field":"note"`}},
				{name: "rename of a missing run", method: "PATCH", path: "/api/runs/" + missing, body: `{"name": "x"}`, status: 404},
				{name: "rename of an alias's run", method: "PATCH", path: "/api/runs/" + ids[1], body: `{"name": "t1b"}`, status: 409, contain: []string{"t1@champion"}},
				{name: "the note alone is fine there", method: "PATCH", path: "/api/runs/" + ids[1], body: `{"note": "best", "name": "t1"}`, status: 200},
				{name: "set a tag", method: "PUT", path: run + "/tags/team", body: `{"value": "vision"}`, status: 200, contain: []string{`"tags":{"team":"vision"}`}},
				{name: "set another", method: "PUT", path: run + "/tags/data.version", body: `{"value": "v2"}`, status: 200, contain: []string{`"data.version":"v2"`}},
				{name: "bad tag key", method: "PUT", path: run + "/tags/a%20b", body: `{"value": "x"}`, status: 400, contain: []string{`"field":"key"`}},
				{name: "tag without a value", method: "PUT", path: run + "/tags/team", body: `{}`, status: 400, contain: []string{`"field":"value"`}},
				{name: "NUL in a tag value", method: "PUT", path: run + "/tags/team", body: `{"value": "a\u0000b"}`, status: 400, contain: []string{`"field":"value"`}},
				{name: "NUL in a note", method: "PATCH", path: run, body: `{"note": "a\u0000b"}`, status: 400, contain: []string{`"field":"note"`}},
				{name: "NUL in a filter", method: "GET", path: "/api/runs?filter=" + url.QueryEscape("name = 'a\x00'"), status: 400, contain: []string{`"field":"filter"`}},
				{name: "long tag value", method: "PUT", path: run + "/tags/team", body: `{"value": "` + strings.Repeat("x", MaxTagValue+1) + `"}`, status: 400, contain: []string{`"field":"value"`}},
				{name: "tag of a missing run", method: "PUT", path: "/api/runs/" + missing + "/tags/team", body: `{"value": "x"}`, status: 404},
				{name: "run shows tags and note", method: "GET", path: run, status: 200, contain: []string{`"tags":{"data.version":"v2","team":"vision"}`, `"note":"lr too high`}},
				{name: "list by tag", method: "GET", path: "/api/runs?filter=" + url.QueryEscape("tag.team = vision"), status: 200, contain: []string{`"total":1`, `"name":"t0-renamed"`}},
				{name: "delete a tag", method: "DELETE", path: run + "/tags/team", status: 204},
				{name: "delete it again", method: "DELETE", path: run + "/tags/team", status: 404},
				{name: "PUT on a run is not allowed", method: "PUT", path: run, status: 405},
				{name: "bulk delete: bad id", method: "POST", path: "/api/runs/delete", body: `{"ids": ["` + ids[0] + `", "nope"]}`, status: 400, contain: []string{`"field":"ids[1]"`}},
				{name: "bulk delete: none", method: "POST", path: "/api/runs/delete", body: `{"ids": []}`, status: 400, contain: []string{`"field":"ids"`}},
				{name: "bulk delete: a queued run", method: "POST", path: "/api/runs/delete", body: `{"ids": ["` + ids[0] + `", "` + queued.ID + `"]}`, status: 409,
					contain: []string{queued.ID, "no run was deleted"}},
				{name: "bulk delete: a missing run", method: "POST", path: "/api/runs/delete", body: `{"ids": ["` + ids[0] + `", "` + missing + `"]}`, status: 404, contain: []string{missing}},
				{name: "still there", method: "GET", path: run, status: 200},
				{name: "bulk delete", method: "POST", path: "/api/runs/delete", body: `{"ids": ["` + ids[0] + `", "` + ids[2] + `", "` + ids[0] + `"]}`, status: 200, contain: []string{`"deleted":2`}},
				{name: "gone", method: "GET", path: run, status: 404},
				{name: "the rest", method: "GET", path: "/api/runs?sort=name&order=asc", status: 200, contain: []string{`"total":2`}},
			} {
				sc.run(t, ts.URL)
			}
		})
	}
}
