package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/store"
)

// The runs table on the command line: mlforge runs list with --filter,
// --sort, --desc, --limit and --columns asks GET /api/runs what the page's
// runs table asks it (the same filter syntax, sort columns and order, the
// server sorting and paging), and prints the columns chosen.

// maxListRuns is the most runs one mlforge runs list prints (pages of
// listPage runs fetched one after another, in one snapshot).
const (
	maxListRuns = 10000
	listPage    = 500
)

// listQuery is what mlforge runs list asks for.
type listQuery struct {
	filter, sort, status, name string
	desc                       bool
	limit                      int
	columns                    []string // canonical column names, "" = the default columns
}

// parseColumns checks --columns (comma-separated column names of the runs
// table) and returns them in canonical form.
func parseColumns(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		name, err := store.ColumnName("columns", c)
		if err != nil {
			return nil, usageError("--columns: %s", strings.TrimPrefix(err.Error(), "columns: "))
		}
		out = append(out, name)
	}
	if len(out) > 50 {
		return nil, usageError("--columns: %d columns, at most 50", len(out))
	}
	return out, nil
}

// listRuns fetches q.limit runs (or fewer) page by page.
func (c *client) listRuns(q listQuery) (runs []api.Run, total int, err error) {
	v := url.Values{}
	if q.status != "" {
		v.Set("status", q.status)
	}
	if q.name != "" {
		v.Set("name", q.name)
	}
	if q.filter != "" {
		v.Set("filter", q.filter)
	}
	if q.sort != "" {
		v.Set("sort", q.sort)
		v.Set("order", map[bool]string{true: "desc", false: "asc"}[q.desc])
	} else {
		v.Set("order", "desc") // newest first
	}
	for len(runs) < q.limit {
		v.Set("limit", fmt.Sprint(min(listPage, q.limit-len(runs))))
		var page api.RunList
		if err := c.do("GET", "/api/runs?"+v.Encode(), nil, &page); err != nil {
			return nil, 0, err
		}
		runs = append(runs, page.Runs...)
		if page.Total != nil {
			total = *page.Total
		}
		if page.NextPageToken == "" || len(page.Runs) == 0 {
			break
		}
		v.Set("page_token", page.NextPageToken)
	}
	return runs, total, nil
}

// runCell is the text of column col (canonical) for run r.
func runCell(r api.Run, col string) string {
	kind, key, _ := strings.Cut(col, ".")
	switch kind {
	case "metric":
		v, ok := r.Metrics[key]
		return fmtMetric(v, ok)
	case "tag":
		if v, ok := r.Tags[key]; ok {
			return v
		}
		return "-"
	case "param":
		var v any
		if json.Unmarshal(r.Params, &v) != nil {
			return "-"
		}
		for _, k := range strings.Split(key, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return "-"
			}
			if v, ok = m[k]; !ok {
				return "-"
			}
		}
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	const when = "2006-01-02 15:04:05"
	switch col {
	case "id":
		return r.ID
	case "name":
		return r.Name
	case "status":
		return string(r.Status)
	case "class":
		return r.Class
	case "created":
		return r.CreatedAt.Local().Format(when)
	case "started":
		if r.StartedAt == nil {
			return "-"
		}
		return r.StartedAt.Local().Format(when)
	case "finished":
		if r.FinishedAt == nil {
			return "-"
		}
		return r.FinishedAt.Local().Format(when)
	case "duration":
		return fmtDuration(r.DurationS)
	case "dataset":
		return orDash(r.Dataset)
	case "note":
		line, _, _ := strings.Cut(r.Note, "\n")
		return orDash(line)
	case "main_metric":
		return mainMetric(r.Metrics)
	}
	return "-"
}

// printRuns prints runs as a table: ID, then the columns chosen (or the
// default ones), then how many of how many matched.
func printRuns(e *env, runs []api.Run, total int, cols []string) {
	if len(cols) == 0 {
		rows := [][]string{{"ID", "NAME", "STATUS", "MODEL", "METRIC", "DURATION", "CREATED"}}
		for _, r := range runs {
			rows = append(rows, []string{r.ID, r.Name, string(r.Status), r.Class, mainMetric(r.Metrics), fmtDuration(r.DurationS), r.CreatedAt.Local().Format("2006-01-02 15:04:05")})
		}
		table(e.stdout, rows)
	} else {
		head := []string{"ID"}
		for _, c := range cols {
			head = append(head, strings.ToUpper(c))
		}
		rows := [][]string{head}
		for _, r := range runs {
			row := []string{r.ID}
			for _, c := range cols {
				row = append(row, runCell(r, c))
			}
			rows = append(rows, row)
		}
		table(e.stdout, rows)
	}
	if total > len(runs) {
		fmt.Fprintf(e.stderr, "%d of %d matching runs (--limit to see more)\n", len(runs), total)
	}
}
