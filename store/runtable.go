package store

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The runs table: QueryRuns sorts, filters and pages runs in the database,
// by any column a person sees in the page's table (name, status, model
// class, times, duration, dataset, a final test metric, a model parameter,
// a tag), with a filter in the style of MLflow's search syntax
// (ParseFilter).
//
// Column names never reach the SQL text as the user wrote them: each is
// looked up in a fixed list (attributes) or checked against a strict
// pattern (metric, param and tag keys), and every value, JSON path and tag
// key travels as a bound parameter.

// RunQuery selects one page of the runs table.
type RunQuery struct {
	// Filter is a search: a name substring ("mnist"), or conditions
	// joined by AND ("metric.accuracy >= 0.9 AND param.solver = 'adam'").
	Filter string
	Status Status // "" = any
	Name   string // exact name, "" = any
	// Parent lists the children of that sweep run. Without it, and
	// without a filter on the parent column, only top-level runs are
	// listed.
	Parent string
	// Sort is the column to sort by ("" = created); Desc reverses it.
	// Runs without a value (a metric a run lacks) come last either way,
	// and ties are broken by creation time (then id) in the same
	// direction.
	Sort string
	Desc bool
	// Limit is the page size, 1..500 (default 50); Offset the number of
	// runs before the page.
	Limit, Offset int
	// AsOf is the snapshot the pages of one listing share: only runs
	// created at or before it are counted and shown, so that runs made
	// while a person pages do not shift the page. Zero: now.
	AsOf time.Time
}

// RunPage is one page of QueryRuns.
type RunPage struct {
	Runs []*Run
	// Total is how many runs match in the snapshot; Newer how many
	// match that were created after it (the page offers to show them).
	Total, Newer int
	// AsOf is the snapshot, to pass back for the next page.
	AsOf time.Time
	// Children counts the children of each sweep parent of the page, by
	// the parent's id (childCounts).
	Children map[string]ChildCounts
}

// ChildCounts are a sweep parent's children (its trials or folds): how
// many, how many have finished (succeeded, failed or cancelled) and how
// many of those failed.
type ChildCounts struct {
	Total, Done, Failed int
}

// QueryError is a sort or filter QueryRuns cannot take: Param is "filter"
// or "sort", Column the column it names (when it is about one).
type QueryError struct {
	Param   string
	Column  string
	Message string
}

func (e *QueryError) Error() string { return e.Param + ": " + e.Message }

// Limits on a filter, checked before it is parsed.
const (
	MaxFilterLen   = 2000
	MaxFilterConds = 20
)

// fieldKind is how a column compares and sorts.
type fieldKind int

const (
	textField fieldKind = iota // compared as text
	numField                   // compared as numbers
	timeField                  // numbers (Unix ms) that also take dates
	jsonField                  // a spec value: a number compares as one, anything else as text
)

// attributes are the run's own columns, by every name they go by (ours and
// MLflow's attributes.*).
var attributes = map[string]string{
	"name": "name", "run_name": "name",
	"status": "status",
	"class":  "class", "model": "class",
	"id": "id", "run_id": "id",
	"note":    "note",
	"created": "created", "created_at": "created",
	"started": "started", "started_at": "started", "start_time": "started",
	"finished": "finished", "finished_at": "finished", "end_time": "finished",
	"duration": "duration",
	"dataset":  "dataset",
	// main_metric is the metric the page shows a run by: accuracy, r2,
	// f1_macro or mean_squared_error, the first the run has.
	"main_metric": "main_metric",
	// parent is a sweep child's parent run (sweeps.go); a filter on it
	// lists children, which the table leaves out otherwise.
	"parent": "parent_id", "parent_id": "parent_id",
}

var (
	keyPart = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	tagKey  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
)

// ValidTagKey reports whether key may name a tag.
func ValidTagKey(key string) bool { return tagKey.MatchString(key) && key != "." && key != ".." }

// field is a column resolved from its name.
type field struct {
	name string // canonical: "name", "metric.accuracy", "param.lr", "tag.team"
	kind fieldKind
	attr string   // for attributes
	path []string // JSON path below model.params (param) or the metric name (metric)
	tag  string
}

// resolveField looks a column name up; the error names it.
func resolveField(param, name string) (field, error) {
	bad := func(msg string) (field, error) {
		return field{}, &QueryError{Param: param, Column: name, Message: msg}
	}
	prefix, rest, dotted := strings.Cut(name, ".")
	switch strings.ToLower(prefix) {
	case "metric", "metrics":
		if !dotted || !keyPart.MatchString(rest) {
			return bad(fmt.Sprintf("%q is not a metric column: metric.NAME with NAME of letters, digits, _ and -", name))
		}
		return field{name: "metric." + rest, kind: numField, path: []string{rest}}, nil
	case "param", "params":
		parts := strings.Split(rest, ".")
		if !dotted || len(parts) > 4 {
			return bad(fmt.Sprintf("%q is not a param column: param.NAME (or param.A.B for a nested value)", name))
		}
		for _, p := range parts {
			if !keyPart.MatchString(p) {
				return bad(fmt.Sprintf("%q is not a param column: names are letters, digits, _ and -", name))
			}
		}
		return field{name: "param." + rest, kind: jsonField, path: parts}, nil
	case "tag", "tags":
		if !dotted || !ValidTagKey(rest) {
			return bad(fmt.Sprintf("%q is not a tag column: tag.KEY with KEY of letters, digits, ., _ and -", name))
		}
		return field{name: "tag." + rest, kind: textField, tag: rest}, nil
	case "attribute", "attributes", "attr":
		if !dotted {
			return bad(fmt.Sprintf("unknown column %q", name))
		}
		name = rest
	}
	a, ok := attributes[strings.ToLower(name)]
	if !ok {
		return bad(fmt.Sprintf("unknown column %q: expected name, status, class, created, started, finished, duration, dataset, note, id, main_metric, metric.NAME, param.NAME or tag.KEY", name))
	}
	f := field{name: a, attr: a, kind: textField}
	switch a {
	case "created", "started", "finished":
		f.kind = timeField
	case "duration", "main_metric":
		f.kind = numField
	}
	return f, nil
}

// ColumnName is the canonical name of a column of the runs table
// ("params.lr" → "param.lr", "run_name" → "name"), or the error
// QueryRuns would give for it (Param is param).
func ColumnName(param, name string) (string, error) {
	f, err := resolveField(param, name)
	return f.name, err
}

// builder writes SQL with bound parameters for one backend.
type builder struct {
	pg   bool
	args []any
	now  int64
	// join, while the ORDER BY is written, makes value a LEFT JOIN of
	// mlf_run_values (joins, by key) rather than a subquery, so that a
	// key's number and text come from one lookup.
	join  bool
	joins map[string]string // key → alias
	from  []string          // the joins, in order
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// value is the number (col "num") or text (col "txt") of a run's key in
// mlf_run_values (runvalues.go): one lookup by the primary key, where
// parsing the run's spec or result took most of a sort's time.
func (b *builder) value(col, key string) string {
	if b.join {
		a, ok := b.joins[key]
		if !ok {
			if b.joins == nil {
				b.joins = map[string]string{}
			}
			a = "sk" + strconv.Itoa(len(b.joins))
			b.joins[key] = a
			b.from = append(b.from, " LEFT JOIN mlf_run_values "+a+" ON "+a+".run_id = mlf_runs.id AND "+a+".key = "+b.arg(key))
		}
		return a + "." + col
	}
	return "(SELECT v." + col + " FROM mlf_run_values v WHERE v.run_id = mlf_runs.id AND v.key = " + b.arg(key) + ")"
}

// valueIn is the condition "the run's number of key compares with v by
// op" as PostgreSQL takes it best: the runs are found through
// mlf_run_values' (key, num) index and joined as a set (a subquery a run
// was 3x slower there). SQLite walks the runs and looks each one's key up
// (value), which it does faster than this.
func (b *builder) valueIn(key, op string, v float64) string {
	return "mlf_runs.id IN (SELECT v.run_id FROM mlf_run_values v WHERE v.key = " + b.arg(key) + " AND v.num " + op + " " + b.arg(v) + ")"
}

// num is f's numeric expression (numField, timeField, jsonField).
func (b *builder) num(f field) string {
	switch {
	case f.kind == jsonField, strings.HasPrefix(f.name, "metric."):
		return b.value("num", f.name)
	}
	switch f.attr {
	case "created":
		return "created_at"
	case "started":
		return "started_at"
	case "finished":
		return "finished_at"
	case "duration":
		return fmt.Sprintf("(CASE WHEN started_at IS NULL THEN NULL ELSE (COALESCE(finished_at, %s) - started_at) / 1000.0 END)", b.arg(b.now))
	case "main_metric":
		var parts []string
		for _, m := range []string{"accuracy", "r2", "f1_macro", "mean_squared_error"} {
			parts = append(parts, b.value("num", "metric."+m))
		}
		return "COALESCE(" + strings.Join(parts, ", ") + ")"
	}
	panic("store: no numeric expression for " + f.name)
}

// text is f's text expression (textField, jsonField).
func (b *builder) text(f field) string {
	switch {
	case f.kind == jsonField:
		return b.value("txt", f.name)
	case f.tag != "":
		return "(SELECT t.value FROM mlf_run_tags t WHERE t.run_id = mlf_runs.id AND t.key = " + b.arg(f.tag) + ")"
	case f.attr == "dataset":
		return b.value("txt", "dataset")
	}
	return f.attr // a column of mlf_runs: name, status, class, id, note
}

// Cond is one condition of a filter: Column Op Value.
type Cond struct {
	Column string
	Op     string // =, !=, <, <=, >, >=, LIKE, ILIKE, CONTAINS (a name substring)
	Value  string // as written, quotes removed
	Quoted bool   // the value was a quoted string
}

// ParseFilter parses a search: conditions "COLUMN OP VALUE" joined by AND
// (case-insensitive), as MLflow's search_runs takes them: COLUMN as
// resolveField names it, OP one of = != <> < <= > >= LIKE ILIKE, VALUE a
// number, a 'quoted' or "quoted" string, or a bare word (failed, adam).
// A search without any operator or quote is a substring of the run name.
func ParseFilter(s string) ([]Cond, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxFilterLen {
		return nil, &QueryError{Param: "filter", Message: fmt.Sprintf("the filter is %d bytes, more than %d", len(s), MaxFilterLen)}
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return nil, &QueryError{Param: "filter", Message: "the filter is not valid UTF-8 text (or holds a NUL byte)"}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	if plainSearch(toks) {
		return []Cond{{Column: "name", Op: "CONTAINS", Value: s}}, nil
	}
	var out []Cond
	for i := 0; ; {
		if i >= len(toks) || toks[i].kind != tWord {
			return nil, filterErr(toks, i, "expected a column name")
		}
		col := toks[i]
		if i+1 >= len(toks) || toks[i+1].kind != tOp {
			return nil, filterErr(toks, i+1, fmt.Sprintf("expected an operator (= != < <= > >= LIKE ILIKE) after %s", col.text))
		}
		op := toks[i+1]
		if i+2 >= len(toks) || toks[i+2].kind != tWord && toks[i+2].kind != tString {
			return nil, filterErr(toks, i+2, fmt.Sprintf("expected a value after %s %s", col.text, op.text))
		}
		val := toks[i+2]
		out = append(out, Cond{Column: col.text, Op: op.text, Value: val.text, Quoted: val.kind == tString})
		if len(out) > MaxFilterConds {
			return nil, &QueryError{Param: "filter", Message: fmt.Sprintf("more than %d conditions", MaxFilterConds)}
		}
		i += 3
		if i == len(toks) {
			return out, nil
		}
		if toks[i].kind != tAnd {
			return nil, filterErr(toks, i, "expected AND between conditions (OR is not supported)")
		}
		i++
	}
}

type tokKind int

const (
	tWord tokKind = iota
	tString
	tOp
	tAnd
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the filter
}

func filterErr(toks []token, i int, msg string) error {
	if i < len(toks) {
		return &QueryError{Param: "filter", Message: fmt.Sprintf("%s at %q (byte %d)", msg, toks[i].text, toks[i].pos+1)}
	}
	return &QueryError{Param: "filter", Message: msg + " at the end"}
}

// plainSearch reports whether a search is a plain name substring: words
// only, no operator, no quotes, no AND.
func plainSearch(toks []token) bool {
	for _, t := range toks {
		if t.kind != tWord {
			return false
		}
	}
	return true
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-+:/@%*", c) >= 0 || c >= 0x80
}

// lex splits a filter into words, quoted strings, operators and ANDs.
// Backquotes around a part of a column name (param.`my-key`) are dropped.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, &QueryError{Param: "filter", Message: fmt.Sprintf("the string opened at byte %d is not closed", i+1)}
			}
			out = append(out, token{tString, s[i+1 : i+1+j], i})
			i += j + 2
		case strings.IndexByte("=!<>", c) >= 0:
			j := i + 1
			for j < len(s) && strings.IndexByte("=!<>", s[j]) >= 0 {
				j++
			}
			op := s[i:j]
			switch op {
			case "==":
				op = "="
			case "<>":
				op = "!="
			case "=", "!=", "<", "<=", ">", ">=":
			default:
				return nil, &QueryError{Param: "filter", Message: fmt.Sprintf("unknown operator %q at byte %d", op, i+1)}
			}
			out = append(out, token{tOp, op, i})
			i = j
		case isWordByte(c) || c == '`':
			var sb strings.Builder
			j := i
			for j < len(s) && (isWordByte(s[j]) || s[j] == '`') {
				if s[j] == '`' {
					k := strings.IndexByte(s[j+1:], '`')
					if k < 0 {
						return nil, &QueryError{Param: "filter", Message: fmt.Sprintf("the backquote at byte %d is not closed", j+1)}
					}
					sb.WriteString(s[j+1 : j+1+k])
					j += k + 2
					continue
				}
				sb.WriteByte(s[j])
				j++
			}
			w := sb.String()
			switch strings.ToUpper(w) {
			case "AND":
				out = append(out, token{tAnd, "AND", i})
			case "LIKE", "ILIKE":
				out = append(out, token{tOp, strings.ToUpper(w), i})
			default:
				out = append(out, token{tWord, w, i})
			}
			i = j
		default:
			return nil, &QueryError{Param: "filter", Message: fmt.Sprintf("unexpected %q at byte %d", string(c), i+1)}
		}
	}
	return out, nil
}

// where turns conditions into SQL.
func (b *builder) where(conds []Cond) ([]string, error) {
	var out []string
	for _, c := range conds {
		f, err := resolveField("filter", c.Column)
		if err != nil {
			return nil, err
		}
		bad := func(msg string) error { return &QueryError{Param: "filter", Column: f.name, Message: msg} }
		if c.Op == "CONTAINS" {
			fn := "instr"
			if b.pg {
				fn = "strpos"
			}
			out = append(out, fn+"(lower(name), "+b.arg(strings.ToLower(c.Value))+") > 0")
			continue
		}
		num, isNum := parseNumber(c)
		switch f.kind {
		case numField, timeField:
			if c.Op == "LIKE" || c.Op == "ILIKE" {
				return nil, bad(fmt.Sprintf("%s is a number: %s does not apply", f.name, c.Op))
			}
			if !isNum && f.kind == timeField {
				t, err := parseTime(c.Value)
				if err != nil {
					return nil, bad(fmt.Sprintf("%s takes a time (Unix milliseconds or a date such as 2026-12-03 or 2026-12-03T10:00:00Z), got %q", f.name, c.Value))
				}
				num, isNum = float64(t.UnixMilli()), true
			}
			if !isNum {
				return nil, bad(fmt.Sprintf("%s is a number, got %q", f.name, c.Value))
			}
			if b.pg && strings.HasPrefix(f.name, "metric.") {
				out = append(out, b.valueIn(f.name, c.Op, num))
				continue
			}
			out = append(out, b.num(f)+" "+c.Op+" "+b.arg(num))
		case jsonField:
			if isNum && c.Op != "LIKE" && c.Op != "ILIKE" {
				if b.pg {
					out = append(out, b.valueIn(f.name, c.Op, num))
				} else {
					out = append(out, b.num(f)+" "+c.Op+" "+b.arg(num))
				}
				continue
			}
			out = append(out, b.textCond(b.text(f), c))
		default:
			if f.attr == "status" && (c.Op == "=" || c.Op == "!=") {
				switch Status(strings.ToLower(c.Value)) {
				case Queued, Running, Succeeded, Failed, Cancelled:
					c.Value = strings.ToLower(c.Value) // MLflow writes FAILED
				default:
					return nil, bad(fmt.Sprintf("unknown status %q: expected queued, running, succeeded, failed or cancelled", c.Value))
				}
			}
			out = append(out, b.textCond(b.text(f), c))
		}
	}
	return out, nil
}

// textCond compares text expression x with c's value. LIKE is
// case-sensitive and ILIKE not, with % and _ as wildcards and no escape
// character, on both backends (SQLite's own LIKE ignores case, so LIKE
// becomes a GLOB there).
func (b *builder) textCond(x string, c Cond) string {
	switch c.Op {
	case "LIKE":
		if b.pg {
			return x + " LIKE " + b.arg(c.Value) + " ESCAPE ''"
		}
		return x + " GLOB " + b.arg(likeToGlob(c.Value))
	case "ILIKE":
		if b.pg {
			return x + " ILIKE " + b.arg(c.Value) + " ESCAPE ''"
		}
		return "lower(" + x + ") LIKE " + b.arg(strings.ToLower(c.Value))
	}
	if b.pg && (c.Op == "<" || c.Op == "<=" || c.Op == ">" || c.Op == ">=") {
		// Byte order, as SQLite compares text, not the database's collation.
		return x + ` COLLATE "C" ` + c.Op + " " + b.arg(c.Value)
	}
	return x + " " + c.Op + " " + b.arg(c.Value)
}

// likeToGlob turns a LIKE pattern into a GLOB pattern: % → *, _ → ?, and
// GLOB's own special characters matched literally.
func likeToGlob(p string) string {
	var sb strings.Builder
	for _, r := range p {
		switch r {
		case '%':
			sb.WriteByte('*')
		case '_':
			sb.WriteByte('?')
		case '*', '?', '[':
			sb.WriteString("[" + string(r) + "]")
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func parseNumber(c Cond) (float64, bool) {
	if c.Quoted {
		return 0, false
	}
	v, err := strconv.ParseFloat(c.Value, 64)
	if err != nil || v != v || v > 1e308 || v < -1e308 {
		return 0, false
	}
	return v, true
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

// orderBy is the ORDER BY of a sort column.
func (b *builder) orderBy(sortCol string, desc bool) (string, error) {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if sortCol == "" {
		return "created_at" + dir + ", id" + dir, nil
	}
	f, err := resolveField("sort", sortCol)
	if err != nil {
		return "", err
	}
	b.join = true
	defer func() { b.join = false }()
	var keys []string
	switch f.kind {
	case numField, timeField:
		keys = []string{b.num(f)}
	case jsonField:
		keys = []string{b.num(f), b.text(f)}
	default:
		x := b.text(f)
		if b.pg {
			x += ` COLLATE "C"`
		}
		keys = []string{x}
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+dir+" NULLS LAST")
	}
	return strings.Join(parts, ", ") + ", created_at" + dir + ", id" + dir, nil
}

// QueryRuns returns a page of runs sorted and filtered as q says, with the
// number of runs that match.
func (s *Store) QueryRuns(ctx context.Context, q RunQuery) (*RunPage, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	now := time.Now()
	if q.AsOf.IsZero() {
		q.AsOf = now
	}
	conds, err := ParseFilter(q.Filter)
	if err != nil {
		return nil, err
	}
	b := &builder{pg: s.postgres, now: ms(now)}
	where, err := b.where(conds)
	if err != nil {
		return nil, err
	}
	if q.Status != "" {
		where = append(where, "status = "+b.arg(string(q.Status)))
	}
	if q.Name != "" {
		where = append(where, "name = "+b.arg(q.Name))
	}
	parentCond := q.Parent != ""
	for _, c := range conds {
		parentCond = parentCond || isParentColumn(c.Column)
	}
	switch {
	case q.Parent != "":
		where = append(where, "parent_id = "+b.arg(q.Parent))
	case !parentCond:
		where = append(where, "parent_id = ''")
	}
	// The filter's arguments are shared by the three queries below; each
	// adds its own after them.
	common := len(b.args)
	order, err := b.orderBy(q.Sort, q.Desc)
	if err != nil {
		return nil, err
	}
	cond := func(extra string) string {
		w := append(append([]string{}, where...), extra)
		return " WHERE " + strings.Join(w, " AND ")
	}
	asOf := ms(q.AsOf)
	pageArgs := append(append([]any{}, b.args...), asOf)
	bound := "created_at <= $" + strconv.Itoa(len(pageArgs))
	page := &RunPage{AsOf: time.UnixMilli(asOf).UTC()}
	// The page's ids first, sorted with nothing but their keys, then
	// their rows: the sort does not carry every run's spec and result.
	ids, err := s.queryIDs(ctx, `SELECT mlf_runs.id FROM mlf_runs`+strings.Join(b.from, "")+cond(bound)+` ORDER BY `+order+
		` LIMIT `+strconv.Itoa(q.Limit)+` OFFSET `+strconv.Itoa(q.Offset), pageArgs...)
	if err != nil {
		return nil, fmt.Errorf("store: listing runs: %w", err)
	}
	if page.Runs, err = s.runsByID(ctx, ids); err != nil {
		return nil, fmt.Errorf("store: listing runs: %w", err)
	}
	if err := s.loadTags(ctx, page.Runs); err != nil {
		return nil, err
	}
	if page.Children, err = s.childCounts(ctx, page.Runs); err != nil {
		return nil, fmt.Errorf("store: counting a sweep's children: %w", err)
	}
	count := func(extra string, dest *int) error {
		args := append(append([]any{}, b.args[:common]...), asOf)
		err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_runs`+whereOf(append(append([]string{}, where...), extra+" $"+strconv.Itoa(len(args)))), args...).Scan(dest)
		if err != nil {
			return fmt.Errorf("store: counting runs: %w", err)
		}
		return nil
	}
	if len(ids) < q.Limit && (len(ids) > 0 || q.Offset == 0) {
		page.Total = q.Offset + len(ids) // the last page: no need to count
	} else if err := count("created_at <=", &page.Total); err != nil {
		return nil, err
	}
	// Runs made after the snapshot are few, and found by the created_at
	// index.
	if err := count("created_at >", &page.Newer); err != nil {
		return nil, err
	}
	return page, nil
}

// childCounts counts the children of the sweep parents among runs (at
// most a page of them) in one grouped query that the parent index answers.
// Only a parent has a max_parallel (StartSweep sets it as it makes the
// children), so a page without one asks nothing.
func (s *Store) childCounts(ctx context.Context, runs []*Run) (map[string]ChildCounts, error) {
	var marks []string
	var args []any
	for _, r := range runs {
		if r.MaxParallel > 0 && r.ParentID == "" {
			args = append(args, r.ID)
			marks = append(marks, "$"+strconv.Itoa(len(args)))
		}
	}
	if len(args) == 0 {
		return nil, nil
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT parent_id, status, COUNT(*) FROM mlf_runs WHERE parent_id IN (`+strings.Join(marks, ", ")+`) GROUP BY parent_id, status`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]ChildCounts, len(args))
	for rows.Next() {
		var parent string
		var st Status
		var n int
		if err := rows.Scan(&parent, &st, &n); err != nil {
			return nil, err
		}
		c := out[parent]
		c.Total += n
		if st.Done() {
			c.Done += n
		}
		if st == Failed {
			c.Failed += n
		}
		out[parent] = c
	}
	return out, rows.Err()
}

func (s *Store) queryIDs(ctx context.Context, query string, args ...any) ([]string, error) {
	return collect(s.rdb.QueryContext(ctx, query, args...))
}

// runsByID returns the runs ids in the order of ids (missing ones left
// out: deleted in between).
func (s *Store) runsByID(ctx context.Context, ids []string) ([]*Run, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	runs, err := s.queryRuns(ctx, `SELECT `+runCols+` FROM mlf_runs WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Run, len(runs))
	for _, r := range runs {
		byID[r.ID] = r
	}
	out := make([]*Run, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

func whereOf(w []string) string {
	if len(w) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// Columns are the names the runs table can show beyond the fixed ones:
// the model parameters, final test metrics and tag keys that runs have.
type Columns struct {
	Params  []string `json:"params"`
	Metrics []string `json:"metrics"`
	Tags    []string `json:"tags"`
}

// maxColumns caps each list of RunColumns.
const maxColumns = 200

// RunColumns lists the parameter names, test metric names and tag keys of
// the newest runs (up to scan of them), each sorted and capped at
// maxColumns.
func (s *Store) RunColumns(ctx context.Context, scan int) (*Columns, error) {
	if scan <= 0 {
		scan = 10000
	}
	keys := func(col, path string) string {
		if s.postgres {
			p := "'{" + strings.ReplaceAll(path, ".", ",") + "}'"
			return `SELECT DISTINCT k COLLATE "C" FROM (SELECT ` + col + `::jsonb #> ` + p + ` AS o FROM mlf_runs WHERE ` + col + ` IS NOT NULL ORDER BY id DESC LIMIT ` + strconv.Itoa(scan) + `) r,
				LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(r.o) = 'object' THEN r.o ELSE '{}'::jsonb END) k ORDER BY 1 LIMIT ` + strconv.Itoa(maxColumns)
		}
		return `SELECT DISTINCT j.key FROM (SELECT ` + col + ` AS c FROM mlf_runs WHERE ` + col + ` IS NOT NULL AND json_type(` + col + `, '$.` + path + `') = 'object' ORDER BY id DESC LIMIT ` + strconv.Itoa(scan) + `) r,
			json_each(r.c, '$.` + path + `') j ORDER BY j.key LIMIT ` + strconv.Itoa(maxColumns)
	}
	tagKeys := `SELECT DISTINCT key FROM mlf_run_tags ORDER BY 1 LIMIT ` + strconv.Itoa(maxColumns)
	if s.postgres {
		tagKeys = `SELECT DISTINCT key COLLATE "C" FROM mlf_run_tags ORDER BY 1 LIMIT ` + strconv.Itoa(maxColumns)
	}
	out := &Columns{Params: []string{}, Metrics: []string{}, Tags: []string{}}
	for _, q := range []struct {
		sql  string
		dest *[]string
	}{
		{keys("spec", "model.params"), &out.Params},
		{keys("result", "metrics.test"), &out.Metrics},
		{tagKeys, &out.Tags},
	} {
		rows, err := s.rdb.QueryContext(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("store: listing columns: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			if keyPart.MatchString(k) || q.dest == &out.Tags {
				*q.dest = append(*q.dest, k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
