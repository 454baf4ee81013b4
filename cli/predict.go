package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/train"
)

func init() {
	register(command{
		name:    "predict",
		usage:   "mlforge predict MODEL DATA.csv [--proba] [-o OUT.csv]",
		summary: "predict every row of a CSV; columns are matched by name",
		run:     runPredict,
	})
	register(command{
		name:    "eval",
		usage:   "mlforge eval MODEL DATA.csv [--json]",
		summary: "score a model on labelled data with its spec's metrics",
		run:     runEval,
	})
}

// readFor reads a CSV for model m: feature columns matched by name, the
// target column optional (needTarget for eval).
func readFor(m *model.Model, path string, needTarget bool) (*data.Frame, error) {
	f, err := data.ReadCSVFile(path, data.CSVOptions{
		Name:     path,
		Target:   m.Manifest.Target,
		Schema:   m.FeatureNames(),
		NoTarget: !needTarget,
	})
	if err != nil {
		return nil, err
	}
	if err := f.Missing(); err != nil && !hasImputerStep(m) {
		return nil, err
	}
	return f, nil
}

func hasImputerStep(m *model.Model) bool {
	for _, s := range m.Manifest.Preprocess {
		if s.Class == "SimpleImputer" {
			return true
		}
	}
	return false
}

func runPredict(e *env, args []string) error {
	fs := newFlags(e, "predict")
	proba := fs.Bool("proba", false, "add one probability column per class")
	out := fs.String("o", "", "write the predictions to this CSV file instead of stdout")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	m, err := model.Load(pos[0])
	if err != nil {
		return err
	}
	f, err := readFor(m, pos[1], false)
	if err != nil {
		return err
	}
	p, err := m.Predict(f.X, *proba)
	if err != nil {
		return err
	}
	var w io.Writer = e.stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	cw := csv.NewWriter(w)
	header := []string{"prediction"}
	labels := m.ClassLabels()
	if p.Proba != nil {
		for _, l := range labels {
			header = append(header, "proba_"+l)
		}
	}
	cw.Write(header)
	for i, l := range p.Labels {
		row := []string{l}
		if p.Proba != nil {
			for j := range labels {
				row = append(row, strconv.FormatFloat(p.Proba.At(i, j), 'g', 6, 64))
			}
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if file != nil {
		return file.Close()
	}
	return nil
}

func runEval(e *env, args []string) error {
	fs := newFlags(e, "eval")
	asJSON := fs.Bool("json", false, "print the metrics as one JSON object")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	m, err := model.Load(pos[0])
	if err != nil {
		return err
	}
	f, err := readFor(m, pos[1], true)
	if err != nil {
		return err
	}
	y, err := m.TargetValues(f.Classes, f.Y)
	if err != nil {
		return err
	}
	scores, conf, err := train.Score(m.Pipeline, f.X, y, m.Manifest.Classes, m.MetricNames())
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(map[string]any{"name": m.Manifest.Name, "rows": f.Len(), "metrics": scores})
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	rows := [][]string{{"metric", "value"}}
	for _, k := range sortedKeys(scores) {
		rows = append(rows, []string{k, fmtMetric(scores[k], true)})
	}
	fmt.Fprintf(e.stdout, "%s on %s (%d rows)\n\n", m.Manifest.Name, pos[1], f.Len())
	table(e.stdout, rows)
	if conf != nil {
		labels := m.ClassLabels()
		fmt.Fprintln(e.stdout)
		fmt.Fprintln(e.stdout, "confusion matrix (rows true, columns predicted)")
		crow := [][]string{append([]string{""}, labels...)}
		for i, r := range conf {
			row := []string{labels[i]}
			for _, v := range r {
				row = append(row, fmt.Sprint(v))
			}
			crow = append(crow, row)
		}
		table(e.stdout, crow)
	}
	return nil
}
