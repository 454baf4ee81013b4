package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/server"
)

// startRun starts an iris LogisticRegression run through the API and
// waits until it has succeeded; it returns the run's id.
func startRun(t *testing.T, base, name string, c float64, tags map[string]string) string {
	t.Helper()
	body := fmt.Sprintf(`{"name": %q, "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"C": %g, "max_iter": 200}}}`, name, c)
	resp, err := http.Post(base+"/api/runs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d", resp.StatusCode)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/api/runs/" + out.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), `"status":"succeeded"`) {
			break
		}
		if strings.Contains(string(b), `"status":"failed"`) || time.Now().After(deadline) {
			t.Fatalf("run %s: %s", out.ID, b)
		}
		time.Sleep(30 * time.Millisecond)
	}
	for k, v := range tags {
		req, _ := http.NewRequest("PUT", base+"/api/runs/"+out.ID+"/tags/"+k, bytes.NewReader([]byte(fmt.Sprintf(`{"value": %q}`, v))))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("PUT tag: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	return out.ID
}

// TestRunsListQuery filters, sorts and picks columns with mlforge runs list
// against a server: the rows and their order are the API's runs table's.
func TestRunsListQuery(t *testing.T) {
	ctx := context.Background()
	s, err := server.New(ctx, server.Config{DataDir: t.TempDir(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	t.Setenv("MLFORGE_TOKEN", "")
	base := ts.URL
	dir := t.TempDir()
	a := startRun(t, base, "small-c", 0.001, map[string]string{"team": "vision"})
	b := startRun(t, base, "mid-c", 0.1, map[string]string{"team": "vision"})
	c := startRun(t, base, "big-c", 10, map[string]string{"team": "text"})
	srv := "--server=" + base

	list := func(args ...string) []string {
		t.Helper()
		code, out, errs := mlforge(t, dir, append([]string{"runs", "list", srv}, args...)...)
		if code != 0 {
			t.Fatalf("runs list %v exited %d: %s", args, code, errs)
		}
		return strings.Split(strings.TrimSpace(out), "\n")
	}
	ids := func(lines []string) []string {
		var out []string
		for _, l := range lines[1:] {
			out = append(out, strings.Fields(l)[0])
		}
		return out
	}

	// The example: a param filter AND a tag, sorted by a metric.
	lines := list("--filter", "params.C > 0.01 AND tags.team = 'vision'", "--sort", "metric.accuracy", "--desc", "--columns", "name,params.C,metric.accuracy,tags.team")
	if got := ids(lines); len(got) != 1 || got[0] != b {
		t.Fatalf("filter params.C > 0.01 AND tags.team = 'vision' = %v, want [%s]\n%s", got, b, strings.Join(lines, "\n"))
	}
	if h := strings.Fields(lines[0]); strings.Join(h, " ") != "ID NAME PARAM.C METRIC.ACCURACY TAG.TEAM" {
		t.Errorf("header = %q", lines[0])
	}
	if f := strings.Fields(lines[1]); f[1] != "mid-c" || f[2] != "0.1" || f[4] != "vision" {
		t.Errorf("row = %q", lines[1])
	}

	// Sort by a param both ways; ascending without --desc.
	if got := ids(list("--sort", "param.C", "--columns", "param.C")); strings.Join(got, ",") != strings.Join([]string{a, b, c}, ",") {
		t.Errorf("--sort param.C = %v, want %v", got, []string{a, b, c})
	}
	if got := ids(list("--sort", "params.C", "--desc")); strings.Join(got, ",") != strings.Join([]string{c, b, a}, ",") {
		t.Errorf("--sort params.C --desc = %v, want %v", got, []string{c, b, a})
	}
	// Without --sort: newest first; --limit cuts and says how many matched.
	code, out, errs := mlforge(t, dir, "runs", "list", srv, "--limit", "2")
	if got := ids(strings.Split(strings.TrimSpace(out), "\n")); code != 0 || strings.Join(got, ",") != c+","+b || !strings.Contains(errs, "2 of 3 matching runs") {
		t.Errorf("--limit 2 = %d %v %q", code, got, errs)
	}
	// A name substring.
	if got := ids(list("--filter", "big")); len(got) != 1 || got[0] != c {
		t.Errorf("--filter big = %v", got)
	}
	// --json is the API's list.
	code, out, _ = mlforge(t, dir, "runs", "list", srv, "--json", "--filter", "tags.team = 'text'")
	var js struct {
		Runs  []struct{ ID string }
		Total int
	}
	if code != 0 || json.Unmarshal([]byte(out), &js) != nil || js.Total != 1 || len(js.Runs) != 1 || js.Runs[0].ID != c {
		t.Errorf("--json = %d %s", code, out)
	}

	// Mistakes name the flag (and the server's message for the filter).
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sort", "bogus"}, `--sort: unknown column "bogus"`},
		{[]string{"--columns", "name,metric."}, `--columns: "metric." is not a metric column`},
		{[]string{"--desc"}, "--desc takes --sort"},
		{[]string{"--limit", "0"}, "--limit must be from 1"},
		{[]string{"--filter", "params.C >"}, "filter: "},
	} {
		code, _, errs := mlforge(t, dir, append([]string{"runs", "list", srv}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("runs list %v = %d %q, want an error with %q", tc.args, code, errs, tc.want)
		}
	}
}
