package cli

import (
	"fmt"
	"os"

	"github.com/mlforge/mlforge/server"
)

func init() {
	register(command{
		name:    "artifacts",
		usage:   "mlforge artifacts migrate --data DIR --artifacts URL [--db postgres://...]",
		summary: "copy a data folder's models, checkpoints, uploads and dataset images into an object store, to move a single-machine install to a cluster",
		run:     runArtifacts,
	})
}

func runArtifacts(e *env, args []string) error {
	if len(args) == 0 || args[0] != "migrate" {
		return usageError("mlforge artifacts: expected the subcommand migrate (mlforge artifacts migrate --data DIR --artifacts URL)")
	}
	fs := newFlags(e, "artifacts migrate")
	dir := fs.String("data", "mlforge-data", "the data folder whose models, checkpoints, uploads and dataset blobs are copied")
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "the data folder's store when it is PostgreSQL (env MLFORGE_DB); default <data>/mlforge.db")
	art := fs.String("artifacts", os.Getenv("MLFORGE_ARTIFACTS"), "the object store to copy into, as serve's --artifacts (env MLFORGE_ARTIFACTS); required")
	if _, err := parse(fs, args[1:], 0, 0); err != nil {
		return err
	}
	if *art == "" {
		return usageError("mlforge artifacts migrate: --artifacts URL is required (the object store that serve and worker will be given)")
	}
	if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
		return usageError("mlforge artifacts migrate: --data %s is not a folder", *dir)
	}
	rep, err := server.MigrateArtifacts(e.ctx, *dir, *db, *art, func(line string) { fmt.Fprintln(e.stdout, line) })
	if err != nil {
		return err
	}
	for _, s := range rep.Skipped {
		fmt.Fprintln(e.stdout, "skipped: "+s)
	}
	fmt.Fprintf(e.stdout, "done: start serve and worker with --artifacts %s\n", *art)
	return nil
}
