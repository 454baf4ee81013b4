package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/plots"
	"github.com/mlforge/mlforge/server"
	"github.com/mlforge/mlforge/store"
)

func init() {
	register(command{
		name:    "plot",
		usage:   "mlforge plot RUN_ID KIND -o FILE.png|FILE.svg [--data DIR] [--db URL] [--width N] [--height N] [--normalize true|pred|all]",
		summary: "draw a run's plot from a server's data folder (kinds: " + strings.Join(plots.Kinds, ", ") + ")",
		run:     runPlot,
	})
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
	if !store.ValidID(id) {
		return usageError("%q is not a run id", id)
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
	b, err := plots.Draw(src, kind, o)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*outPath, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%s plot of run %s, %dx%d)\n", *outPath, kind, run.ID, o.Width, o.Height)
	return nil
}
