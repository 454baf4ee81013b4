package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/collect"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/store"
)

// A collection is a run whose class is CollectClass and whose spec is a
// collectSpec: it is queued on the same River queue as training, and gets
// the run's events (GET /api/runs/{id}/events), cancel (POST
// /api/runs/{id}/cancel) and crash recovery (a restarted collection skips
// every URL the dataset holds, so nothing is downloaded twice). Its result
// is the collect.Summary.
const CollectClass = "collect"

// collectSpec is the spec of a collection run. It never holds the API key:
// the key is the server's (SERPAPI_KEY, which mlforge serve --serpapi-key
// sets), read by the process that runs the collection.
type collectSpec struct {
	Collect struct {
		Dataset      string          `json:"dataset"`
		Provider     string          `json:"provider"`
		Labels       []collect.Label `json:"labels"`
		Options      collect.Options `json:"options"`
		GoogleDomain string          `json:"google_domain,omitempty"`
		NoCache      bool            `json:"no_cache,omitempty"`
	} `json:"collect"`
}

// Test hooks of the collections: the guard's options (tests reach fake
// servers on loopback) and SerpApi's URL. Nothing a request, a flag or the
// environment holds sets them.
var (
	collectFetchOptions safefetch.Options
	collectSerpApiURL   = collect.SerpApiURL
)

// collectServices maps a data folder (absolute) to its server's dataset
// service, for the collections that run in the server's process.
var collectServices sync.Map // string -> func(context.Context) (*datasets.Service, error)

// collectRoute returns POST /api/datasets/{name}/collect, and makes the
// server's dataset service the one its collections store into.
func (s *Server) collectRoute(d *datasetRoutes) func(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	if abs, err := filepath.Abs(s.cfg.DataDir); err == nil {
		collectServices.Store(abs, d.service)
	}
	return s.createCollection
}

// collectRequest is the body of POST /api/datasets/{name}/collect.
type collectRequest struct {
	Labels []string `json:"labels"`
	collect.Options
	GoogleDomain string `json:"google_domain"`
	NoCache      bool   `json:"no_cache"`
}

// createCollection is POST /api/datasets/{name}/collect {"labels": [...],
// "limit", "pages", "min_width", "min_height", "max_width", "max_height",
// "image_size", "chip", "google_domain", "no_cache"}: it queues the
// collection and answers 202 with the run that does it.
func (s *Server) createCollection(svc *datasets.Service, w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	b, err := readBody(w, r, 1<<20)
	if err != nil {
		return err
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) == nil {
		for k := range probe {
			if lk := strings.ToLower(k); strings.Contains(lk, "key") || strings.Contains(lk, "token") {
				return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: k,
					Message: "a collection never takes an API key: the key is the server's (mlforge serve --serpapi-key or SERPAPI_KEY)"}
			}
		}
	}
	var req collectRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "the body is not a collection {\"labels\": [...], \"limit\", \"pages\", \"min_width\", \"min_height\", \"max_width\", \"max_height\", \"image_size\", \"chip\", \"google_domain\", \"no_cache\"}: %v", err)
	}
	labels, err := collect.ParseLabels(req.Labels)
	if err != nil {
		return badCollect(err)
	}
	if err := req.Options.Check(); err != nil {
		return badCollect(err)
	}
	if len(req.GoogleDomain) > 64 || strings.ContainsAny(req.GoogleDomain, "/?#&= ") {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "google_domain", Message: "google_domain must be a domain such as google.co.uk"}
	}
	if _, err := svc.Dataset(r.Context(), name); err != nil {
		return err
	}
	if !s.cfg.APIOnly && os.Getenv("SERPAPI_KEY") == "" {
		return errorf(http.StatusBadRequest, "no_search_key", "this server has no SerpApi key: start it with mlforge serve --serpapi-key KEY (or SERPAPI_KEY)")
	}
	var sp collectSpec
	sp.Collect.Dataset, sp.Collect.Provider, sp.Collect.Labels = name, "serpapi", labels
	sp.Collect.Options = collect.Options{Limit: req.Limit, Pages: req.Pages, MinWidth: req.MinWidth, MinHeight: req.MinHeight,
		MaxWidth: req.MaxWidth, MaxHeight: req.MaxHeight, ImageSize: req.ImageSize, Chip: req.Chip}
	sp.Collect.GoogleDomain, sp.Collect.NoCache = req.GoogleDomain, req.NoCache
	raw, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	run := &store.Run{ID: store.NewID(), Name: "collect:" + name, Class: CollectClass, Spec: raw}
	if err := s.jobs.Create(r.Context(), run); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/runs/"+run.ID)
	writeJSON(w, http.StatusAccepted, api.Created{ID: run.ID, Name: run.Name, Status: run.Status})
	return nil
}

func badCollect(err error) error {
	return errorf(http.StatusBadRequest, "bad_request", "%v", err)
}

// runCollection runs a collection run: in the server's process through
// its dataset service, elsewhere (a child process, a worker) through the
// store of MLFORGE_DB or dataDir/mlforge.db and the data folder's blobs.
func runCollection(ctx context.Context, dataDir string, run *store.Run, rec jobs.Progress) (json.RawMessage, error) {
	var sp collectSpec
	dec := json.NewDecoder(bytes.NewReader(run.Spec))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sp); err != nil {
		return nil, fmt.Errorf("the collection's spec cannot be read: %v", err)
	}
	c := sp.Collect
	if c.Provider != "serpapi" {
		return nil, fmt.Errorf("collection provider %q is not known (only serpapi)", c.Provider)
	}
	key := os.Getenv("SERPAPI_KEY")
	if key == "" {
		return nil, errors.New("this process has no SerpApi key: start the server (or worker) with SERPAPI_KEY set (mlforge serve --serpapi-key)")
	}
	svc, closeSvc, err := collectService(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer closeSvc()
	col := newCollector(svc, key, c.GoogleDomain, c.NoCache, c.Options, rec)
	if run.Attempt > 0 {
		rec.Report(event.Event{Kind: "log", Message: fmt.Sprintf("collection resumed (attempt %d): the URLs stored already are skipped", run.Attempt+1)})
	}
	sum, err := col.Collect(ctx, c.Dataset, c.Labels)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // cancelled, or the server stopping: the job tells them apart
		}
		return nil, errors.New(collect.Redact(err.Error(), key))
	}
	stored := 0
	var stopped []string
	for _, l := range sum.Labels {
		stored += l.Stored
		if l.Error != "" {
			stopped = append(stopped, l.Label+": "+l.Error)
		}
	}
	rec.Metrics(map[string]float64{"stored": float64(stored)}, 0)
	if len(stopped) > 0 {
		return nil, &collect.Error{Msg: collect.Redact(fmt.Sprintf("%d of %d labels stopped early: %s", len(stopped), len(sum.Labels), strings.Join(stopped, "; ")), key)}
	}
	return json.Marshal(sum)
}

// collectService returns the dataset service of the data folder dataDir
// and what closes it.
func collectService(ctx context.Context, dataDir string) (*datasets.Service, func(), error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if f, ok := collectServices.Load(abs); ok {
		svc, err := f.(func(context.Context) (*datasets.Service, error))(ctx)
		return svc, func() {}, err
	}
	db := os.Getenv("MLFORGE_DB")
	if db == "" {
		db = filepath.Join(abs, "mlforge.db")
		if _, err := os.Stat(db); err != nil {
			return nil, nil, fmt.Errorf("the collection finds no store: neither MLFORGE_DB nor %s", db)
		}
	}
	url, err := datasets.DataDirURL(abs) // the child's (datasets.RegisterDataDir)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	b, err := datasets.OpenBucket(ctx, url)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return datasets.New(st, b), func() { b.Close(); st.Close() }, nil
}

// newCollector is the collector of a collection run or a spec's collect
// step: SerpApi with the process's key, through the SSRF guard.
func newCollector(svc *datasets.Service, key, googleDomain string, noCache bool, o collect.Options, rec event.Reporter) *collect.Collector {
	fetch := safefetch.New(collectFetchOptions)
	return &collect.Collector{
		Datasets: svc,
		Provider: &collect.SerpApi{Key: key, BaseURL: collectSerpApiURL, GoogleDomain: googleDomain, NoCache: noCache, Fetch: fetch},
		Fetch:    fetch,
		Reporter: rec,
		Options:  o,
	}
}

// collectStep runs the collect step of a training spec (spec.Collect)
// before its training: the labels its stored dataset lacks, or holds fewer
// than min_per_label of, are collected with the process's SerpApi key. It
// returns the summary of the labels collected.
func collectStep(ctx context.Context, dataDir string, sp *spec.Spec, rec jobs.Progress) (*collect.Summary, error) {
	c := sp.Collect
	name := sp.CollectDataset()
	if name == "" {
		return nil, &collect.Error{Msg: `collect: the collect step fills a stored dataset: data.train must be "dataset:NAME"`}
	}
	labels, err := collect.ParseLabels(sp.CollectLabels())
	if err != nil {
		return nil, &spec.FieldError{Path: "collect.labels", Msg: err.Error()}
	}
	key := os.Getenv("SERPAPI_KEY")
	if key == "" {
		return nil, &collect.Error{Msg: "the spec's collect step needs a SerpApi key: start the server (or worker) with SERPAPI_KEY set (mlforge serve --serpapi-key)"}
	}
	svc, closeSvc, err := collectService(ctx, dataDir)
	if err != nil {
		return nil, err
	}
	defer closeSvc()
	o := collect.Options{Limit: c.Limit, Pages: c.Pages, MinWidth: c.MinWidth, MinHeight: c.MinHeight, MaxWidth: c.MaxWidth, MaxHeight: c.MaxHeight,
		ImageSize: c.ImageSize, Chip: c.Chip}
	minPer := c.MinPerLabel
	if minPer == 0 {
		minPer = c.Limit
	}
	col := newCollector(svc, key, c.GoogleDomain, c.NoCache, o, rec)
	sum, err := col.Fill(ctx, name, labels, minPer)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errors.New(collect.Redact(err.Error(), key))
	}
	return sum, nil
}
