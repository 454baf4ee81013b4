package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/collect"
	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/store"
)

// usesDatasets reports whether the spec reads a stored dataset
// ("dataset:NAME") or has a collect step.
func usesDatasets(s *spec.Spec) bool {
	return s.Collect != nil || strings.HasPrefix(s.Data.Train.Path, data.DatasetPrefix) || strings.HasPrefix(s.Data.Test.Path, data.DatasetPrefix)
}

// trainDatasets opens the store and blobs of the data folder dir (db, when
// set, is the store; art, when set, the object store whose datasets/ holds
// the images) for the "dataset:NAME" sources of mlforge train, and
// runs the spec's collect step, if it has one, with the SerpApi key of
// --serpapi-key or SERPAPI_KEY: the labels the dataset lacks, or holds
// fewer than min_per_label of, are collected before the training. It
// returns what closes the store.
func trainDatasets(e *env, s *spec.Spec, dir, db, art, key string, quiet bool) (func(), error) {
	if s.Collect != nil {
		if key == "" {
			key = os.Getenv("SERPAPI_KEY")
		}
		if key == "" {
			return nil, usageError("the spec's collect step needs SerpApi's key: --serpapi-key KEY or env SERPAPI_KEY")
		}
		// The spec's own checks first, so that a bad step is reported
		// as the spec's, before any search.
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		probe, err := spec.Parse(b) // Validate fills in defaults: a copy
		if err != nil {
			return nil, err
		}
		if err := probe.Validate(spec.Env{}); err != nil {
			var list spec.Errors
			if errors.As(err, &list) && list.Has("collect") {
				return nil, err
			}
		}
	}
	url := db
	if url == "" {
		if s.Collect == nil {
			if _, err := os.Stat(filepath.Join(dir, "mlforge.db")); err != nil {
				return nil, usageError("the spec reads a stored dataset, and the data folder %s has no store: --data DIR (the folder of mlforge serve --data) or --db URL", dir)
			}
		} else if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		url = filepath.Join(dir, "mlforge.db")
	}
	st, err := store.Open(e.ctx, url)
	if err != nil {
		return nil, err
	}
	burl, err := datasets.StoreURL(dir, art)
	if err != nil {
		st.Close()
		return nil, err
	}
	bucket, err := datasets.OpenBucket(e.ctx, burl)
	if err != nil {
		st.Close()
		return nil, err
	}
	svc := datasets.New(st, bucket)
	// mlforge train reads its spec's paths from the working directory:
	// train.Options.Root "".
	datasets.RegisterSource("", func(ctx context.Context) (*datasets.Service, error) { return svc, nil })
	closeAll := func() {
		datasets.RegisterSource("", func(ctx context.Context) (*datasets.Service, error) {
			return nil, errors.New("the data folder's store is closed")
		})
		bucket.Close()
		st.Close()
	}
	if s.Collect == nil {
		return closeAll, nil
	}
	c := s.Collect
	labels, err := collect.ParseLabels(s.CollectLabels())
	if err != nil {
		closeAll()
		return nil, &spec.FieldError{Path: "collect.labels", Msg: err.Error()}
	}
	minPer := c.MinPerLabel
	if minPer == 0 {
		minPer = c.Limit
	}
	fetch := safefetch.New(collectFetchOptions)
	col := &collect.Collector{
		Datasets: svc,
		Provider: &collect.SerpApi{Key: key, BaseURL: collectSerpApiURL, GoogleDomain: c.GoogleDomain, NoCache: c.NoCache, Fetch: fetch},
		Fetch:    fetch,
		Options: collect.Options{Limit: c.Limit, Pages: c.Pages, MinWidth: c.MinWidth, MinHeight: c.MinHeight, MaxWidth: c.MaxWidth, MaxHeight: c.MaxHeight,
			ImageSize: c.ImageSize, Chip: c.Chip},
	}
	if !quiet {
		col.Reporter = event.ReporterFunc(func(ev event.Event) {
			fmt.Fprintln(e.stderr, collect.Redact(ev.Message, key))
		})
	}
	if _, err := col.Fill(e.ctx, s.CollectDataset(), labels, minPer); err != nil {
		closeAll()
		return nil, errors.New(collect.Redact(err.Error(), key))
	}
	return closeAll, nil
}
