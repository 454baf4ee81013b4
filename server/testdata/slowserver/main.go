//go:build mlforge_testhooks

// Command slowserver is mlforge with one extra, test-only estimator,
// SlowRegressor, whose Fit takes n_iter steps of step_ms milliseconds. The
// crash-recovery test builds it, starts it as a process, kills it with
// SIGKILL mid-run and starts it again. It is built with the build tag
// mlforge_testhooks, which compiles server.SetCollectTestHooks in: with
// SLOWSERVER_COLLECT_ALLOW (comma-separated host:port addresses that the
// SSRF guard lets through) and SLOWSERVER_SERPAPI_URL its collections go to
// a test's fake SerpApi and image hosts on loopback. With
// SLOWSERVER_CRASH_AT (comma-separated points of package crashpoint:
// run-insert, run-enqueue, run-start, child-start, model-write,
// artifact-put, migration) the first goroutine to reach one writes
// "PID POINT" into the file SLOWSERVER_CRASH_MARK and stops there, for a
// test to SIGKILL it.
package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/cli"
	"github.com/mlforge/mlforge/internal/crashpoint"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/server"
)

// SlowRegressor predicts the mean of y, slowly.
type SlowRegressor struct {
	NIter  int `json:"n_iter" min:"1"`
	StepMS int `json:"step_ms" min:"0"`
	mean   *float64
}

// Fit sleeps n_iter times, reporting each step, then stores the mean.
func (s *SlowRegressor) Fit(ctx context.Context, X *mat.Dense, y []float64) error {
	rep := ml.ProgressFrom(ctx)
	for i := 1; i <= s.NIter; i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(s.StepMS) * time.Millisecond):
		}
		loss := 1 / float64(i)
		rep.Report(ml.Event{Kind: "iter", Step: i, Total: s.NIter, Loss: &loss})
	}
	var m float64
	for _, v := range y {
		m += v / float64(len(y))
	}
	s.mean = &m
	return nil
}

// Predict returns the mean for every row.
func (s *SlowRegressor) Predict(X *mat.Dense) ([]float64, error) {
	if s.mean == nil {
		return nil, ml.ErrNotFitted
	}
	r, _ := X.Dims()
	out := make([]float64, r)
	for i := range out {
		out[i] = *s.mean
	}
	return out, nil
}

// MarshalState saves the mean.
func (s *SlowRegressor) MarshalState() (*ml.State, error) {
	if s.mean == nil {
		return nil, ml.ErrNotFitted
	}
	st := ml.NewState()
	st.SetAttr("mean", *s.mean)
	return st, nil
}

// UnmarshalState restores the mean.
func (s *SlowRegressor) UnmarshalState(st *ml.State) error {
	var m float64
	if err := st.Attr("mean", &m); err != nil {
		return err
	}
	s.mean = &m
	return nil
}

func main() {
	// A test of workers that die shortens the time after which another
	// worker takes their runs (and the heartbeat with it).
	if d, err := time.ParseDuration(os.Getenv("SLOWSERVER_STALE_AFTER")); err == nil && d > 0 {
		jobs.StaleAfter, jobs.HeartbeatEvery = d, d/6
	}
	if p := os.Getenv("SLOWSERVER_CRASH_AT"); p != "" {
		crashpoint.Arm(p, os.Getenv("SLOWSERVER_CRASH_MARK"))
	}
	if u := os.Getenv("SLOWSERVER_SERPAPI_URL"); u != "" {
		var allow []netip.AddrPort
		for _, a := range strings.Split(os.Getenv("SLOWSERVER_COLLECT_ALLOW"), ",") {
			ap, err := netip.ParseAddrPort(strings.TrimSpace(a))
			if err != nil {
				fmt.Fprintf(os.Stderr, "slowserver: SLOWSERVER_COLLECT_ALLOW: %v\n", err)
				os.Exit(2)
			}
			allow = append(allow, ap)
		}
		server.SetCollectTestHooks(allow, u)
	}
	ml.Register(ml.ClassInfo{Name: "SlowRegressor", Task: ml.Regression, Family: "test", Doc: "test-only slow regressor",
		New: func() ml.Estimator { return &SlowRegressor{NIter: 10, StepMS: 100} }})
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
