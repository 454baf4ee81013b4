package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The runs table's sort and filter keys (migration runValuesMigration):
// mlf_run_values holds, for every run, each model parameter
// ("param.lr", "param.a.b", up to four levels of objects below
// model.params), each final test metric ("metric.accuracy") and the
// training data ("dataset"), as a number when it is one and as text (a
// string without its quotes, a number or boolean as JSON writes it, an
// object or array as JSON). QueryRuns reads a run's key through the
// primary key (run_id, key) instead of parsing the run's spec and result
// for every row it sorts or filters: on 10,000 runs, the JSON of each run
// parsed at every query was most of the time of a sort by a metric or a
// parameter.
//
// Triggers on mlf_runs keep the table in step with every write of a spec
// or a result, whatever statement makes it (the store's own, a test's, an
// older release's SQL), and remove a run's rows with it; the migration
// fills it for the runs a store already holds. Keys whose names are not
// made of letters, digits, _ and - are left out: QueryRuns accepts no
// other (keyPart).

// runValuesMigration is the migration that adds mlf_run_values: number 10
// of mlforge's schema, written to depend on nothing that migrations 8 and
// 9 add (it reads mlf_runs' id, spec and result only).
var runValuesMigration = migration{"runs table sort keys", runValuesUp}

const runValuesTable = `CREATE TABLE IF NOT EXISTS mlf_run_values (
	run_id TEXT NOT NULL,
	key TEXT NOT NULL,
	num DOUBLE PRECISION,
	txt TEXT,
	PRIMARY KEY (run_id, key))`

// runsCoveringIndex lets a sort over every run read the runs' ids and
// creation times (the page's tie-breakers and snapshot bound) from an
// index instead of their rows, which carry each spec and result.
// pgRunValuesIndex finds, on PostgreSQL, the runs whose number of a key
// is in a range (a filter such as param.lr > 0.01; valueIn).
const pgRunValuesIndex = `CREATE INDEX IF NOT EXISTS mlf_run_values_num ON mlf_run_values (key, num)`

const runsCoveringIndex = `CREATE INDEX IF NOT EXISTS mlf_runs_created_id ON mlf_runs (created_at, id)`

// sqliteKeyOK is true when the json_each key column k of alias is a key
// part QueryRuns accepts.
func sqliteKeyOK(alias string) string {
	return alias + `.key <> '' AND ` + alias + `.key NOT GLOB '*[^A-Za-z0-9_-]*' AND length(` + alias + `.key) <= 64`
}

// sqliteValues is the SELECT of (id, key, num, txt) rows from the columns
// of src: NEW in a trigger, or every run of mlf_runs (src "r"); part is
// "params" (the parameters and the dataset) or "metrics".
func sqliteValues(src, part string) string {
	id, spec, result := src+".id", src+".spec", src+".result"
	runs := "" // the FROM list's first table
	if src != "NEW" {
		runs = "mlf_runs " + src + ", "
	}
	num := func(a string) string {
		return `CASE WHEN ` + a + `.type IN ('integer', 'real') THEN ` + a + `.value END`
	}
	txt := func(a string) string {
		return `CASE ` + a + `.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN NULL ELSE CAST(` + a + `.value AS TEXT) END`
	}
	valid := func(x string) string { return `(CASE WHEN json_valid(` + x + `) THEN ` + x + ` ELSE '{}' END)` }
	if part == "metrics" {
		r := valid(`COALESCE(` + result + `, '{}')`)
		return `SELECT ` + id + `, 'metric.' || m.key, ` + num("m") + `, ` + txt("m") +
			` FROM ` + runs + `json_each(` + r + `, '$.metrics.test') m WHERE json_type(` + r + `, '$.metrics.test') = 'object' AND ` + sqliteKeyOK("m")
	}
	s := valid(spec)
	var parts []string
	// One SELECT a depth: e1 the parameters, e2 the keys of an object
	// parameter, and so on.
	for depth := 1; depth <= 4; depth++ {
		from := []string{runs + `json_each(` + s + `, '$.model.params') e1`}
		conds := []string{`json_type(` + s + `, '$.model.params') = 'object'`, sqliteKeyOK("e1")}
		key := []string{"e1.key"}
		for d := 2; d <= depth; d++ {
			a, prev := fmt.Sprintf("e%d", d), fmt.Sprintf("e%d", d-1)
			from = append(from, `json_each(`+prev+`.value) `+a)
			conds = append(conds, prev+`.type = 'object'`, sqliteKeyOK(a))
			key = append(key, a+".key")
		}
		last := fmt.Sprintf("e%d", depth)
		parts = append(parts, `SELECT `+id+`, 'param.' || `+strings.Join(key, ` || '.' || `)+`, `+num(last)+`, `+txt(last)+
			` FROM `+strings.Join(from, ", ")+` WHERE `+strings.Join(conds, " AND "))
	}
	dsFrom := ""
	if runs != "" {
		dsFrom = " FROM " + strings.TrimSuffix(runs, ", ")
	}
	parts = append(parts, `SELECT `+id+`, 'dataset', NULL, (CASE json_type(`+s+`, '$.data.train') WHEN 'null' THEN NULL ELSE CAST(json_extract(`+s+`, '$.data.train') AS TEXT) END)`+dsFrom+` WHERE json_type(`+s+`, '$.data.train') IS NOT NULL`)
	return strings.Join(parts, " UNION ALL ")
}

// sqliteRunValues is the schema of mlf_run_values on SQLite: the table,
// the triggers and the filling of the runs already there.
func sqliteRunValues() []string {
	ins := func(src, part string) string {
		return `INSERT OR IGNORE INTO mlf_run_values (run_id, key, num, txt) ` + sqliteValues(src, part)
	}
	paramKeys := `(key GLOB 'param.*' OR key = 'dataset')`
	return []string{
		// Without rowid: a lookup by (run_id, key) is one descent.
		runValuesTable + ` WITHOUT ROWID`,
		runsCoveringIndex,
		`CREATE TRIGGER IF NOT EXISTS mlf_run_values_insert AFTER INSERT ON mlf_runs BEGIN ` +
			ins("NEW", "params") + `; ` + ins("NEW", "metrics") + `; END`,
		`CREATE TRIGGER IF NOT EXISTS mlf_run_values_spec AFTER UPDATE OF spec ON mlf_runs BEGIN
			DELETE FROM mlf_run_values WHERE run_id = OLD.id AND ` + paramKeys + `; ` + ins("NEW", "params") + `; END`,
		`CREATE TRIGGER IF NOT EXISTS mlf_run_values_result AFTER UPDATE OF result ON mlf_runs BEGIN
			DELETE FROM mlf_run_values WHERE run_id = OLD.id AND key GLOB 'metric.*'; ` + ins("NEW", "metrics") + `; END`,
		`CREATE TRIGGER IF NOT EXISTS mlf_run_values_delete AFTER DELETE ON mlf_runs BEGIN
			DELETE FROM mlf_run_values WHERE run_id = OLD.id; END`,
		`DELETE FROM mlf_run_values`,
		ins("r", "params"),
		ins("r", "metrics"),
	}
}

// pgRunValues is the schema of mlf_run_values on PostgreSQL: the table, a
// function that writes one run's rows, the triggers that call it and the
// filling of the runs already there. A spec or result that is not JSON
// (or holds a number out of float8's range) leaves its keys out rather
// than failing the write.
func pgRunValues() []string {
	keyOK := func(a string) string { return a + `.key ~ '^[A-Za-z0-9_-]{1,64}$'` }
	obj := func(x string) string {
		return `(CASE WHEN jsonb_typeof(` + x + `) = 'object' THEN ` + x + ` ELSE '{}'::jsonb END)`
	}
	var params []string
	for depth := 1; depth <= 4; depth++ {
		from := []string{`jsonb_each(` + obj(`s #> '{model,params}'`) + `) e1`}
		conds := []string{keyOK("e1")}
		key := []string{"e1.key"}
		for d := 2; d <= depth; d++ {
			a, prev := fmt.Sprintf("e%d", d), fmt.Sprintf("e%d", d-1)
			from = append(from, `jsonb_each(`+obj(prev+".value")+`) `+a)
			conds = append(conds, keyOK(a))
			key = append(key, a+".key")
		}
		params = append(params, fmt.Sprintf(`SELECT 'param.' || %s AS k, e%d.value AS v FROM %s WHERE %s`,
			strings.Join(key, ` || '.' || `), depth, strings.Join(from, ", "), strings.Join(conds, " AND ")))
	}
	params = append(params, `SELECT 'dataset', s #> '{data,train}' WHERE s #> '{data,train}' IS NOT NULL`)
	insert := func(sel string) string {
		return `INSERT INTO mlf_run_values (run_id, key, num, txt)
			SELECT rid, x.k, CASE WHEN jsonb_typeof(x.v) = 'number' AND x.k <> 'dataset' THEN (x.v #>> '{}')::float8 END, x.v #>> '{}' FROM (` + sel + `) x
			ON CONFLICT DO NOTHING;`
	}
	fn := `CREATE OR REPLACE FUNCTION mlf_run_values_write(rid text, spec text, result text, do_params boolean, do_metrics boolean) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
	s jsonb;
	r jsonb;
BEGIN
	IF do_params THEN
		DELETE FROM mlf_run_values WHERE run_id = rid AND (key LIKE 'param.%' OR key = 'dataset');
		BEGIN
			s := spec::jsonb;
			` + insert(strings.Join(params, " UNION ALL ")) + `
		EXCEPTION WHEN others THEN
			NULL;
		END;
	END IF;
	IF do_metrics THEN
		DELETE FROM mlf_run_values WHERE run_id = rid AND key LIKE 'metric.%';
		BEGIN
			r := result::jsonb;
			` + insert(`SELECT 'metric.' || m.key AS k, m.value AS v FROM jsonb_each(`+obj(`r #> '{metrics,test}'`)+`) m WHERE `+keyOK("m")) + `
		EXCEPTION WHEN others THEN
			NULL;
		END;
	END IF;
END
$fn$`
	trig := `CREATE OR REPLACE FUNCTION mlf_run_values_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
	IF TG_OP = 'DELETE' THEN
		DELETE FROM mlf_run_values WHERE run_id = OLD.id;
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		PERFORM mlf_run_values_write(NEW.id, NEW.spec, NEW.result, true, true);
	ELSE
		PERFORM mlf_run_values_write(NEW.id, NEW.spec, NEW.result, NEW.spec IS DISTINCT FROM OLD.spec, NEW.result IS DISTINCT FROM OLD.result);
	END IF;
	RETURN NULL;
END
$fn$`
	return []string{
		runValuesTable,
		pgRunValuesIndex,
		runsCoveringIndex,
		fn,
		trig,
		`DROP TRIGGER IF EXISTS mlf_run_values_sync ON mlf_runs`,
		`CREATE TRIGGER mlf_run_values_sync AFTER INSERT OR DELETE OR UPDATE OF spec, result ON mlf_runs FOR EACH ROW EXECUTE FUNCTION mlf_run_values_trigger()`,
		`DELETE FROM mlf_run_values`,
		`SELECT mlf_run_values_write(id, spec, result, true, true) FROM mlf_runs`,
	}
}

func runValuesUp(ctx context.Context, tx *sql.Tx, postgres bool) error {
	qs := sqliteRunValues()
	if postgres {
		qs = pgRunValues()
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%w (in %.80s...)", err, q)
		}
	}
	return nil
}
