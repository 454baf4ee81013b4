package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/store"
)

func init() {
	register(command{
		name:    "runs",
		usage:   "mlforge runs list [--filter F] [--sort COL [--desc]] [--limit N] [--columns A,B]|show ID|cancel ID|compare ID ID... [--server URL]",
		summary: "talk to a running server (token from MLFORGE_TOKEN)",
		run:     runRuns,
	})
}

// client calls the service's API.
type client struct {
	base  string
	token string
	http  *http.Client
}

// do calls method on path with a JSON body (or none) and decodes the
// JSON answer into out (unless out is nil).
func (c *client) do(method, path string, body io.Reader, out any) error {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.exchange(req, out, " (start it with 'mlforge serve' or pass --server)")
}

// send does req and decodes the JSON answer into out.
func (c *client) send(req *http.Request, out any) error { return c.exchange(req, out, "") }

// exchange does req, reads the answer (at most 64 MiB) and decodes it
// into out unless out is nil; hint follows the error when the server
// cannot be reached.
func (c *client) exchange(req *http.Request, out any, hint string) error {
	resp, err := c.roundTrip(req, hint)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		return refusal(resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// roundTrip does req with the token; the caller closes the answer's body.
// An *api.Error from the request's body comes back as it is; hint follows
// the error when the server cannot be reached.
func (c *client) roundTrip(req *http.Request, hint string) (*http.Response, error) {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ae *api.Error
		if errors.As(err, &ae) {
			return nil, ae
		}
		return nil, fmt.Errorf("cannot reach the server at %s: %w%s", c.base, err, hint)
	}
	return resp, nil
}

// refusal is the error of an answer with status (400 or more) and body b:
// the API's error body, or the text of b when it is not one.
func refusal(status int, b []byte) error {
	var e api.ErrorBody
	if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
		e.Error.Message = strings.TrimSpace(string(b))
	}
	e.Error.Status = status
	return &e.Error
}

func runRuns(e *env, args []string) error {
	fs := newFlags(e, "runs")
	server := fs.String("server", envOr("MLFORGE_SERVER", "http://127.0.0.1:8080"), "server URL (env MLFORGE_SERVER)")
	status := fs.String("status", "", "list: only runs with this status")
	name := fs.String("name", "", "list: only runs with this name")
	limit := fs.Int("limit", 20, fmt.Sprintf("list: how many runs (at most %d)", maxListRuns))
	filter := fs.String("filter", "", `list: a name substring, or conditions joined by AND as the runs table takes them ("params.lr > 0.01 AND tags.team = 'vision'")`)
	sortCol := fs.String("sort", "", "list: the column to sort by (name, status, class, created, started, finished, duration, dataset, main_metric, metric.NAME, param.NAME, tag.KEY); ascending unless --desc")
	desc := fs.Bool("desc", false, "list: sort --sort's column from the largest down")
	columns := fs.String("columns", "", "list: the columns to print, comma-separated (the --sort names; default ID, name, status, model, main metric, duration, created)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	pos, err := parse(fs, args, 1, 100)
	if err != nil {
		return err
	}
	c := &client{base: strings.TrimRight(*server, "/"), token: os.Getenv("MLFORGE_TOKEN"), http: &http.Client{Timeout: 30 * time.Second}}
	sub, ids := pos[0], pos[1:]
	need := func(min, max int) error {
		if len(ids) < min || len(ids) > max {
			return usageError("runs %s takes %d to %d run ids", sub, min, max)
		}
		return nil
	}
	switch sub {
	case "list":
		if err := need(0, 0); err != nil {
			return err
		}
		if *limit < 1 || *limit > maxListRuns {
			return usageError("--limit must be from 1 to %d, got %d", maxListRuns, *limit)
		}
		if *desc && *sortCol == "" {
			return usageError("--desc takes --sort (without --sort the newest runs come first)")
		}
		q := listQuery{filter: *filter, status: *status, name: *name, desc: *desc, limit: *limit}
		if *sortCol != "" {
			if q.sort, err = store.ColumnName("sort", *sortCol); err != nil {
				return usageError("--sort: %s", strings.TrimPrefix(err.Error(), "sort: "))
			}
		}
		if q.columns, err = parseColumns(*columns); err != nil {
			return err
		}
		runs, total, err := c.listRuns(q)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, api.RunList{Runs: runs, Total: &total})
		}
		printRuns(e, runs, total, q.columns)
	case "show":
		if err := need(1, 1); err != nil {
			return err
		}
		var r api.Run
		if err := c.do("GET", "/api/runs/"+url.PathEscape(ids[0]), nil, &r); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, r)
		}
		rows := [][]string{{"id", r.ID}, {"name", r.Name}, {"status", string(r.Status)}, {"model", r.Class}, {"params", string(r.Params)},
			{"attempt", fmt.Sprint(r.Attempt + 1)}, {"duration", fmtDuration(r.DurationS)}}
		if r.Error != "" {
			rows = append(rows, []string{"error", r.Error})
		}
		if r.ParentID != "" { // a sweep's trial
			rows = append(rows, []string{"parent", r.ParentID})
		}
		for _, k := range r.Children { // a sweep's trials (runs list --filter "parent = ID" lists them)
			rows = append(rows, []string{fmt.Sprintf("child %d", k.Index+1), k.ID + " " + string(k.Status) + " " + string(k.Params)})
		}
		for _, k := range sortedKeys(r.Metrics) {
			rows = append(rows, []string{k, fmt.Sprintf("%.4f", r.Metrics[k])})
		}
		table(e.stdout, rows)
	case "cancel":
		if err := need(1, 1); err != nil {
			return err
		}
		var r api.Run
		if err := c.do("POST", "/api/runs/"+url.PathEscape(ids[0])+"/cancel", nil, &r); err != nil {
			return err
		}
		state := string(r.Status)
		if r.CancelRequested && r.Status == api.Running {
			state = "stopping"
		}
		fmt.Fprintf(e.stdout, "%s %s\n", r.ID, state)
	case "compare":
		if err := need(2, 20); err != nil {
			return err
		}
		runs := make([]api.Run, len(ids))
		for i, id := range ids {
			if err := c.do("GET", "/api/runs/"+url.PathEscape(id), nil, &runs[i]); err != nil {
				return err
			}
		}
		if *asJSON {
			return printJSON(e, runs)
		}
		compare(e, runs)
	default:
		return usageError("unknown runs subcommand %q: expected list, show, cancel or compare", sub)
	}
	return nil
}

// compare prints the spec settings that differ between runs, then every
// final metric side by side.
func compare(e *env, runs []api.Run) {
	flat := make([]map[string]string, len(runs))
	keys := map[string]bool{}
	for i, r := range runs {
		flat[i] = map[string]string{}
		var v any
		json.Unmarshal(r.Spec, &v)
		flatten("", v, flat[i])
		delete(flat[i], "name")
		delete(flat[i], "output")
		for k := range flat[i] {
			keys[k] = true
		}
	}
	header := []string{""}
	for _, r := range runs {
		header = append(header, r.Name+" "+r.ID[len(r.ID)-6:])
	}
	rows := [][]string{header, {"status"}}
	for _, r := range runs {
		rows[1] = append(rows[1], string(r.Status))
	}
	var diff []string
	for k := range keys {
		for i := 1; i < len(flat); i++ {
			if flat[i][k] != flat[0][k] {
				diff = append(diff, k)
				break
			}
		}
	}
	sort.Strings(diff)
	for _, k := range diff {
		row := []string{k}
		for i := range runs {
			row = append(row, orDash(flat[i][k]))
		}
		rows = append(rows, row)
	}
	metrics := map[string]bool{}
	for _, r := range runs {
		for k := range r.Metrics {
			metrics[k] = true
		}
	}
	for _, k := range sortedKeys(metrics) {
		row := []string{"test " + k}
		for _, r := range runs {
			v, ok := r.Metrics[k]
			row = append(row, fmtMetric(v, ok))
		}
		rows = append(rows, row)
	}
	if len(diff) == 0 {
		fmt.Fprintln(e.stdout, "(the specs are identical apart from name and output)")
	}
	table(e.stdout, rows)
}

func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x, out)
		}
	case []any:
		for i, x := range t {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), x, out)
		}
	default:
		b, _ := json.Marshal(t)
		out[prefix] = string(b)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func mainMetric(m map[string]float64) string {
	for _, k := range []string{"accuracy", "r2", "f1_macro", "mean_squared_error"} {
		if v, ok := m[k]; ok {
			return fmt.Sprintf("%s %.4f", k, v)
		}
	}
	for _, k := range sortedKeys(m) {
		return fmt.Sprintf("%s %.4f", k, m[k])
	}
	return "-"
}

func fmtDuration(s *float64) string {
	if s == nil {
		return "-"
	}
	return (time.Duration(*s * float64(time.Second))).Round(time.Millisecond).String()
}

func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
