package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/ml/metrics"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/train"
)

func init() {
	register(command{
		name:    "predict",
		usage:   "mlforge predict MODEL DATA.csv|IMAGES... [--proba] [-o OUT.csv]",
		summary: "predict every row of a CSV (columns matched by name), or images for an image network",
		run:     runPredict,
	})
	register(command{
		name:    "eval",
		usage:   "mlforge eval MODEL DATA.csv|IMAGES-DIR|dataset:NAME[:LABEL,...] [--limit N] [--seed S] [--server URL] [--json]",
		summary: "score a model on labelled data with its spec's metrics (a stored dataset: N random images per label)",
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
		Text:     m.TextColumns(),
		NoTarget: !needTarget,
	})
	if err != nil {
		return nil, err
	}
	if err := f.Missing(encodedColumns(m)...); err != nil && !hasImputerStep(m) {
		return nil, err
	}
	if err := unknownText(m, f); err != nil {
		return nil, err
	}
	return f, nil
}

// unknownText names the first string of f that a text column's encoder
// did not see in training and refuses (model.Model.RefusesUnknown).
func unknownText(m *model.Model, f *data.Frame) error {
	known := m.TextColumns()
	for j, name := range f.Features {
		dict, ok := known[name]
		if !ok || !m.RefusesUnknown(name) {
			continue
		}
		for i := 0; i < f.Len(); i++ {
			if v := f.X.At(i, j); v >= float64(len(dict)) {
				return &data.Error{File: f.Source, Line: f.Line(i), Column: name,
					Msg: fmt.Sprintf("%q is not one of the strings the model was trained on (%s); set handle_unknown to \"ignore\" in its encoder to accept new ones",
						f.Text[name][int(v)], quoteSome(dict, 10))}
			}
		}
	}
	return nil
}

// quoteSome quotes the first n strings of list, "..." after them.
func quoteSome(list []string, n int) string {
	q := make([]string, 0, n+1)
	for i, s := range list {
		if i == n {
			q = append(q, "...")
			break
		}
		q = append(q, strconv.Quote(s))
	}
	return strings.Join(q, ", ")
}

// encodedColumns returns the columns whose first step is an encoder
// (OneHotEncoder, OrdinalEncoder), which takes their missing values as a
// category of its own.
func encodedColumns(m *model.Model) []string {
	var out []string
	for _, name := range m.FeatureNames() {
		for _, s := range m.Manifest.Preprocess {
			if s.Columns == nil || slices.Contains(s.Columns, name) {
				if s.Columns != nil && (s.Class == "OneHotEncoder" || s.Class == "OrdinalEncoder") {
					out = append(out, name)
				}
				break
			}
		}
	}
	return out
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
	recon := fs.Bool("reconstruct", false, "an autoencoder: write the reconstructions rather than the latent codes")
	pos, err := parse(fs, args, 2, 10000)
	if err != nil {
		return err
	}
	m, err := model.Load(pos[0])
	if err != nil {
		return err
	}
	var p *model.Prediction
	var files []string
	if *recon && !m.IsAutoencoder() {
		return usageError("--reconstruct applies to an autoencoder; %s is not one", pos[0])
	}
	if m.IsAutoencoder() {
		return predictAutoencoder(e, m, pos[1:], *recon, *out) // autoencoder.go
	}
	if m.IsNetwork() && m.Net.Manifest.Data != "table" {
		// An image network: files or folders of images.
		if files, p, err = m.PredictImages(pos[1:], *proba); err != nil {
			return err
		}
	} else {
		if len(pos) != 2 {
			return usageError("this model takes one CSV file, got %d arguments", len(pos)-1)
		}
		if m.Transforms() {
			return predictTransform(e, m, pos[1], *out) // transform.go
		}
		if sq := m.Sequence(); sq != nil {
			return predictSequence(e, m, sq, pos[1], *proba, *out)
		}
		f, err := readFor(m, pos[1], false)
		if err != nil {
			return err
		}
		if p, err = m.Predict(f.X, *proba); err != nil {
			return err
		}
	}
	key := ""
	if files != nil {
		key = "file"
	}
	return writeCSV(e.stdout, *out, func(cw *csv.Writer) {
		writePredictions(cw, m, p, key, func(i int) string { return files[i] })
	})
}

// writePredictions writes the predictions p of m, a row each: first a
// column key (none when key is "") with keyOf(i) in row i, then the
// prediction, then the probability of each class when p has them.
func writePredictions(cw *csv.Writer, m *model.Model, p *model.Prediction, key string, keyOf func(i int) string) {
	var header []string
	if key != "" {
		header = append(header, key)
	}
	header = append(header, "prediction")
	labels := m.ClassLabels()
	if p.Proba != nil {
		for _, l := range labels {
			header = append(header, "proba_"+l)
		}
	}
	cw.Write(header)
	for i, l := range p.Labels {
		var row []string
		if key != "" {
			row = append(row, keyOf(i))
		}
		row = append(row, l)
		if p.Proba != nil {
			for j := range labels {
				row = append(row, strconv.FormatFloat(p.Proba.At(i, j), 'g', 6, 64))
			}
		}
		cw.Write(row)
	}
}

// predictSequence predicts a sequence network for the rows of a CSV file,
// in file order: one line per window, with the 0-based data row whose
// target it predicts (the window's last row plus the horizon, which may
// lie past the last row: a forecast). Columns the model does not use are
// ignored.
func predictSequence(e *env, m *model.Model, sq *model.Sequence, path string, proba bool, out string) error {
	f, X, err := readSequence(path, sq)
	if err != nil {
		return err
	}
	p, err := m.Predict(X, proba)
	if err != nil {
		return err
	}
	_, _, targets := sq.Windows(f.Len())
	return writeCSV(e.stdout, out, func(cw *csv.Writer) {
		writePredictions(cw, m, p, "target_row", func(i int) string { return strconv.Itoa(targets[i]) })
	})
}

// readSequence reads every column of a CSV file for a sequence network
// and returns the frame and its rows of the network's columns, in file
// order.
func readSequence(path string, sq *model.Sequence) (*data.Frame, *mat.Dense, error) {
	f, err := data.ReadCSVFile(path, data.CSVOptions{Name: path, NoTarget: true})
	if err != nil {
		return nil, nil, err
	}
	if f.Len() == 0 {
		return nil, nil, &data.Error{File: path, Msg: fmt.Sprintf("no rows; the sequence network needs at least %d (its window)", sq.Window)}
	}
	X := mat.NewDense(f.Len(), len(sq.Columns), nil)
	for j, col := range sq.Columns {
		k := slices.Index(f.Features, col)
		if k < 0 {
			return nil, nil, &data.Error{File: path, Column: col, Msg: fmt.Sprintf("missing; the sequence network reads the columns %s", strings.Join(sq.Columns, ", "))}
		}
		if _, text := f.Text[col]; text {
			return nil, nil, &data.Error{File: path, Column: col, Msg: "holds text; the sequence network reads numbers"}
		}
		for i := range f.Len() {
			v := f.X.At(i, k)
			if math.IsNaN(v) {
				return nil, nil, &data.Error{File: path, Line: f.Line(i), Column: col, Msg: "missing value; a sequence needs every row"}
			}
			X.Set(i, j, v)
		}
	}
	return f, X, nil
}

// evalSequence scores a sequence network on a CSV time series: every
// window whose target row lies in the file, against that row's target.
func evalSequence(m *model.Model, sq *model.Sequence, path string) (int, map[string]float64, [][]int, error) {
	f, X, err := readSequence(path, sq)
	if err != nil {
		return 0, nil, nil, err
	}
	target := m.Manifest.Target
	k := slices.Index(f.Features, target)
	if k < 0 {
		return 0, nil, nil, &data.Error{File: path, Column: target, Msg: "missing; eval needs the target column"}
	}
	_, _, targets := sq.Windows(f.Len())
	var y []float64
	for _, r := range targets {
		if r >= f.Len() {
			break
		}
		v := f.X.At(r, k)
		if dict, text := f.Text[target]; text && !math.IsNaN(v) {
			c := slices.Index(m.ClassLabels(), dict[int(v)])
			if c < 0 {
				return 0, nil, nil, &data.Error{File: path, Line: f.Line(r), Column: target, Msg: fmt.Sprintf("%q is not one of the model's classes (%s)", dict[int(v)], strings.Join(m.ClassLabels(), ", "))}
			}
			v = m.Manifest.Classes[c]
		}
		if math.IsNaN(v) {
			return 0, nil, nil, &data.Error{File: path, Line: f.Line(r), Column: target, Msg: "missing target value"}
		}
		y = append(y, v)
	}
	if len(y) == 0 {
		return 0, nil, nil, &data.Error{File: path, Msg: fmt.Sprintf("%d rows, fewer than window + horizon = %d: no window to score", f.Len(), sq.Window+sq.Horizon)}
	}
	p, err := m.Predict(X, m.IsClassifier())
	if err != nil {
		return 0, nil, nil, err
	}
	in := metrics.Input{YTrue: y, YPred: p.Values[:len(y)]}
	if m.IsClassifier() {
		in.Classes = m.Manifest.Classes
		in.Proba = p.Proba.Slice(0, len(y), 0, len(in.Classes)).(*mat.Dense)
	}
	scores, conf, err := train.Scores(in, m.MetricNames())
	return len(y), scores, conf, err
}

func runEval(e *env, args []string) error {
	fs := newFlags(e, "eval")
	asJSON := fs.Bool("json", false, "print the metrics as one JSON object")
	var ef evalFlags
	fs.StringVar(&ef.server, "server", envOr("MLFORGE_SERVER", "http://127.0.0.1:8080"), "dataset:NAME: the server that stores it (env MLFORGE_SERVER)")
	fs.IntVar(&ef.limit, "limit", datasets.DefaultSampleLimit, "dataset:NAME: the images drawn at random per label")
	fs.StringVar(&ef.seed, "seed", "", "dataset:NAME: the seed of the draw (default: a random one, printed)")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	m, err := model.Load(pos[0])
	if err != nil {
		return err
	}
	if _, _, ok := datasets.ParseSource(pos[1]); ok {
		ev, err := evalDataset(m, pos[1], ef)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, ev)
		}
		printEvaluation(e, m.Manifest.Name, ev)
		return nil
	}
	var scores map[string]float64
	var conf [][]int
	var rows int
	if sq := m.Sequence(); sq != nil {
		rows, scores, conf, err = evalSequence(m, sq, pos[1])
	} else if m.IsNetwork() && m.Net.Manifest.Data != "table" {
		rows, scores, conf, err = evalImages(m, pos[1])
	} else {
		var f *data.Frame
		if f, err = readFor(m, pos[1], true); err != nil {
			return err
		}
		rows = f.Len()
		y, err := m.TargetValues(f.Classes, f.Y)
		if err != nil {
			return err
		}
		scores, conf, err = train.ScoreModel(m, f.X, y, m.MetricNames())
	}
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(map[string]any{"name": m.Manifest.Name, "rows": rows, "metrics": scores})
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	trows := [][]string{{"metric", "value"}}
	for _, k := range sortedKeys(scores) {
		trows = append(trows, []string{k, fmtMetric(scores[k], true)})
	}
	fmt.Fprintf(e.stdout, "%s on %s (%d rows)\n\n", m.Manifest.Name, pos[1], rows)
	table(e.stdout, trows)
	if conf != nil {
		printConfusion(e.stdout, "confusion matrix (rows true, columns predicted)", m.ClassLabels(), conf)
	}
	return nil
}

// evalImages scores an image network on a folder with one subfolder per
// class, named as the model's labels.
func evalImages(m *model.Model, dir string) (int, map[string]float64, [][]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, nil, nil, &model.Error{Path: dir, Msg: "eval of an image network takes a folder with one subfolder per class: " + err.Error()}
	}
	labels := m.ClassLabels()
	var paths []string
	var y []float64
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		k := slices.Index(labels, e.Name())
		if k < 0 {
			return 0, nil, nil, &model.Error{Path: filepath.Join(dir, e.Name()), Msg: fmt.Sprintf("%q is not one of the model's classes (%s)", e.Name(), strings.Join(labels, ", "))}
		}
		files, _, err := m.PredictImages([]string{filepath.Join(dir, e.Name())}, false)
		if err != nil {
			return 0, nil, nil, err
		}
		for _, f := range files {
			paths = append(paths, f)
			y = append(y, m.Manifest.Classes[k])
		}
	}
	if len(paths) == 0 {
		return 0, nil, nil, &model.Error{Path: dir, Msg: "no images found in class subfolders"}
	}
	_, p, err := m.PredictImages(paths, true)
	if err != nil {
		return 0, nil, nil, err
	}
	scores, conf, err := train.Scores(metrics.Input{YTrue: y, YPred: p.Values, Proba: p.Proba, Classes: m.Manifest.Classes}, m.MetricNames())
	if err != nil {
		return 0, nil, nil, err
	}
	return len(paths), scores, conf, nil
}
