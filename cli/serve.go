package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/mlforge/mlforge/server"
)

func init() {
	register(command{
		name:    "serve",
		usage:   "mlforge serve [--addr 127.0.0.1:8080] [--data DIR] [--db URL]",
		summary: "run the training service (HTTP API, background runs)",
		run:     runServe,
	})
}

func runServe(e *env, args []string) error {
	fs := newFlags(e, "serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address; any non-loopback address requires an API token")
	dir := fs.String("data", "mlforge-data", "data folder: SQLite store, run artifacts, user files")
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "postgres://... to keep runs and the queue in PostgreSQL (env MLFORGE_DB)")
	token := fs.String("token", os.Getenv("MLFORGE_TOKEN"), "API token (env MLFORGE_TOKEN); generated when needed and not given")
	workers := fs.Int("workers", 2, "runs that train at once")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *workers < 1 || *workers > 256 {
		return usageError("--workers must be from 1 to 256")
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	srv, err := server.New(e.ctx, server.Config{Addr: *addr, DataDir: *dir, DB: *db, Token: *token, Workers: *workers, Logger: log})
	if err != nil {
		return err
	}
	a, err := srv.Listen()
	if err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	if err := srv.Start(e.ctx); err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	fmt.Fprintf(e.stderr, "mlforge serving on http://%s (data in %s)\n", a, *dir)
	if srv.TokenGenerated {
		fmt.Fprintf(e.stderr, "API token (shown once, kept in %s/token): %s\n", *dir, srv.Token())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err = <-errc:
	case <-e.ctx.Done():
		fmt.Fprintln(e.stderr, "shutting down; unfinished runs resume at the next start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := srv.Shutdown(ctx); err == nil {
		err = serr
	}
	return err
}
