package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/plots"
	"github.com/mlforge/mlforge/server"
	"github.com/mlforge/mlforge/store"
	"github.com/mlforge/mlforge/train"
)

func init() {
	register(command{
		name:    "plot",
		usage:   "mlforge plot RUN_ID|MODEL.safetensors KIND -o FILE.png|FILE.svg [--data DIR] [--db URL] [--width N] [--height N] [--normalize true|pred|all]",
		summary: "draw a run's plot from a server's data folder (kinds: " + strings.Join(plots.Kinds, ", ") + "), or a model file's (" + strings.Join(modelKinds, ", ") + ")",
		run:     runPlot,
	})
}

// modelKinds are the kinds a model file alone can draw (train.ModelPlotData).
var modelKinds = []string{plots.KindImportances, plots.KindDendrogram, plots.KindEmbedding + " (TSNE)", plots.KindSearch, plots.KindParallel, plots.KindCurve}

// isModelPath reports whether the plot's first argument names a model
// file rather than a run: a .safetensors path, or any existing file.
func isModelPath(arg string) bool {
	if strings.HasSuffix(strings.ToLower(arg), ".safetensors") {
		return true
	}
	st, err := os.Stat(arg)
	return err == nil && !st.IsDir()
}

// modelPlotSource reads what a model file can be drawn from.
func modelPlotSource(path string) (plots.Source, error) {
	m, err := model.Load(path)
	if err != nil {
		return plots.Source{}, err
	}
	sel, err := train.ModelPlotData(m)
	if err != nil {
		return plots.Source{}, err
	}
	return plots.Source{Name: m.Manifest.Name, Selection: sel}, nil
}

func runPlot(e *env, args []string) error {
	fs := newFlags(e, "plot")
	dir := fs.String("data", "mlforge-data", "the server's data folder (its SQLite store)")
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "postgres://... when the server keeps runs in PostgreSQL (env MLFORGE_DB)")
	outPath := fs.String("o", "", "the image file to write: .png or .svg")
	width := fs.Int("width", plots.DefaultWidth, "width in pixels")
	height := fs.Int("height", plots.DefaultHeight, "height in pixels")
	normalize := fs.String("normalize", "", "the confusion plot's fractions: true (over true labels, each row), pred (each column) or all; counts without")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	id, kind := pos[0], pos[1]
	if *outPath == "" {
		return usageError("-o FILE is required")
	}
	o := plots.Options{Width: *width, Height: *height, Normalize: *normalize}
	switch strings.ToLower(filepath.Ext(*outPath)) {
	case ".png":
		o.Format = "png"
	case ".svg":
		o.Format = "svg"
	default:
		return usageError("-o %s: the file must end in .png or .svg", *outPath)
	}
	if err := plots.CheckKind(kind); err != nil {
		return err
	}
	if err := plots.CheckOptions(&o); err != nil {
		return err
	}
	if isModelPath(id) {
		src, err := modelPlotSource(id)
		if err != nil {
			return err
		}
		return drawPlot(e, src, kind, o, *outPath, "model "+id)
	}
	if !store.ValidID(id) {
		return usageError("%q is neither a run id nor a model file", id)
	}
	url := *db
	if url == "" {
		url = filepath.Join(*dir, "mlforge.db")
		// Opening the store creates a missing file: refuse instead.
		if _, err := os.Stat(url); err != nil {
			return usageError("--data %s: no run store there (%s): pass the folder 'mlforge serve --data' uses", *dir, url)
		}
	}
	st, err := store.Open(e.ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	run, err := st.GetRun(e.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return usageError("no run %s in %s", id, url)
	}
	if err != nil {
		return err
	}
	src, err := server.PlotSource(e.ctx, st, run)
	if err != nil {
		return err
	}
	return drawPlot(e, src, kind, o, *outPath, "run "+run.ID)
}

// drawPlot draws the plot kind of src to the file out and says so, naming
// what (the model or the run) it plots.
func drawPlot(e *env, src plots.Source, kind string, o plots.Options, out, what string) error {
	b, err := plots.Draw(src, kind, o)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%s plot of %s, %dx%d)\n", out, kind, what, o.Width, o.Height)
	return nil
}
