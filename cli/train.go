package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/mlforge/mlforge/internal/budget"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/train"
)

func init() {
	register(command{
		name:    "train",
		usage:   "mlforge train SPEC.json [--json] [--resume] [--max-model-bytes SIZE] [--max-run-memory SIZE] [--data DIR] [--artifacts URL] [--serpapi-key KEY]",
		summary: "train a model from a spec; --json ends stdout with one JSON line; --resume continues a network run from its checkpoint; \"dataset:NAME\" reads the data folder's store, and a collect step collects the labels it lacks first",
		run:     runTrain,
	})
}

func runTrain(e *env, args []string) error {
	fs := newFlags(e, "train")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on the last line of stdout")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	resume := fs.Bool("resume", false, "continue an interrupted network run from the checkpoint in its output directory")
	dir := fs.String("data", "mlforge-data", `the data folder whose store holds the "dataset:NAME" sources, as mlforge serve --data`)
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "postgres://... when the store is PostgreSQL (env MLFORGE_DB)")
	art := fs.String("artifacts", os.Getenv("MLFORGE_ARTIFACTS"), datasetArtifactsUsage)
	key := fs.String("serpapi-key", "", "SerpApi's API key for the spec's collect step (default: env SERPAPI_KEY, better: a flag shows in ps); never stored nor printed")
	var mf memoryFlags
	addMemoryFlags(fs, &mf)
	s, err := parseSpec(fs, args)
	if err != nil {
		return err
	}
	if usesDatasets(s) {
		closeStore, err := trainDatasets(e, s, *dir, *db, *art, *key, *quiet)
		if err != nil {
			return err
		}
		defer closeStore()
	}
	var rep ml.Reporter
	bar := newProgressBar(e.stderr)
	if !*quiet {
		rep = bar
	}
	if n := int64(mf.maxRunMemory); n > 0 {
		debug.SetMemoryLimit(n) // as a server's child runs under GOMEMLIMIT
	}
	res, err := train.Run(e.ctx, s, train.Options{Reporter: rep, Resume: *resume, Limits: mf.budget()})
	bar.Done()
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	printResult(e, res)
	return nil
}

// budget returns the flags as the budgets the spec is checked against
// (the flags' 0, no limit, is budget's -1).
func (mf *memoryFlags) budget() budget.Limits {
	none := func(n byteSize) int64 {
		if n == 0 {
			return -1
		}
		return int64(n)
	}
	return budget.Limits{MaxModelBytes: none(mf.maxModelBytes), MaxRunMemory: none(mf.maxRunMemory)}
}

func printResult(e *env, res *train.Result) {
	chain := append(append([]string(nil), res.Steps...), res.Class)
	rows := [][]string{
		{"run", res.Name},
		{"model", strings.Join(chain, " → ")},
	}
	if res.Class == "Sequential" && len(res.Features) == 0 {
		rows = append(rows, []string{"data", fmt.Sprintf("%d train images, %d test images", res.NTrain, res.NTest)})
	} else {
		rows = append(rows, []string{"data", fmt.Sprintf("%d train rows, %d test rows, %d features", res.NTrain, res.NTest, len(res.Features))})
	}
	if res.Labels != nil {
		rows = append(rows, []string{"classes", strings.Join(res.Labels, ", ")})
	}
	table(e.stdout, rows)
	fmt.Fprintln(e.stdout)
	mrows := [][]string{{"metric", "train", "test"}}
	keys := sortedKeys(res.Metrics["test"])
	if len(keys) == 0 {
		keys = sortedKeys(res.Metrics["train"]) // an unsupervised run scores its training data
	}
	for _, k := range keys {
		tr, ok := res.Metrics["train"][k]
		te, tok := res.Metrics["test"][k]
		mrows = append(mrows, []string{k, fmtMetric(tr, ok), fmtMetric(te, tok)})
	}
	table(e.stdout, mrows)
	printSelection(e.stdout, res) // selection.go
	if res.Confusion != nil && len(res.Labels) <= 12 {
		printConfusion(e.stdout, "confusion matrix (test; rows true, columns predicted)", res.Labels, res.Confusion)
	}
	fmt.Fprintln(e.stdout)
	table(e.stdout, [][]string{
		{"saved", res.ModelPath},
		{"time", fmt.Sprintf("load %.3fs  fit %.3fs  predict %.3fs", res.Timings.LoadS, res.Timings.FitS, res.Timings.PredictS)},
	})
}
