package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlforge/mlforge/api"

	"github.com/mlforge/mlforge/collect"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/store"
)

// collectUsage is the usage line of mlforge datasets collect.
const collectUsage = `mlforge datasets collect NAME --labels "a,b" | --labels-file FILE [--limit N] [--pages P] [--min-width W] [--min-height H] [--max-width W] [--max-height H] [--image-size WxH] [--chip NAME] [--serpapi-key KEY] [--data DIR [--db URL] [--artifacts URL] | --server URL]`

// datasetArtifactsUsage is the help of --artifacts on the commands that
// store or read dataset images in a data folder.
const datasetArtifactsUsage = "the object store of the servers whose datasets these are, as mlforge serve --artifacts (env MLFORGE_ARTIFACTS): the images are under its datasets/; default the data folder's own blobs"

// Test hooks of mlforge datasets collect: the guard's options (tests
// reach their fake servers on loopback) and SerpApi's URL. No flag nor
// environment variable sets them.
var (
	collectFetchOptions safefetch.Options
	collectSerpApiURL   = collect.SerpApiURL
)

// runCollect is mlforge datasets collect: it searches each label, then
// downloads, checks and stores its images in the dataset of the data
// folder (created when missing), as a server's collection does.
func runCollect(e *env, args []string) error {
	fs := newFlags(e, "datasets collect")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: "+collectUsage)
		fs.PrintDefaults()
	}
	dir := fs.String("data", "mlforge-data", "the data folder (its store and blobs), as mlforge serve --data")
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "postgres://... when the store is PostgreSQL (env MLFORGE_DB)")
	art := fs.String("artifacts", os.Getenv("MLFORGE_ARTIFACTS"), datasetArtifactsUsage)
	labelList := fs.String("labels", "", `the labels, separated by commas: "label" or "label:query" (e.g. "malamute:Alaskan Malamute imagesize:500x500")`)
	labelsFile := fs.String("labels-file", "", "a file of labels, one a line (# starts a comment)")
	key := fs.String("serpapi-key", "", "SerpApi's API key (default: env SERPAPI_KEY, better: a flag shows in ps); never stored nor printed")
	description := fs.String("description", "", "the description of a dataset it creates")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	var o collect.Options
	fs.IntVar(&o.Limit, "limit", 100, "images each label should hold")
	fs.IntVar(&o.Pages, "pages", collect.DefaultPages, "result pages read per label at most")
	fs.IntVar(&o.MinWidth, "min-width", 0, "skip images narrower than this")
	fs.IntVar(&o.MinHeight, "min-height", 0, "skip images lower than this")
	fs.IntVar(&o.MaxWidth, "max-width", 0, "skip images wider than this (0: no bound)")
	fs.IntVar(&o.MaxHeight, "max-height", 0, "skip images higher than this (0: no bound)")
	fs.StringVar(&o.ImageSize, "image-size", "", "search images of this size, WxH (adds imagesize:WxH to each query)")
	fs.StringVar(&o.Chip, "chip", "", `narrow each search to its suggested refinement of this name (e.g. "dog")`)
	googleDomain := fs.String("google-domain", "", "SerpApi's google_domain (e.g. google.co.uk)")
	noCache := fs.Bool("no-cache", false, "ask SerpApi for fresh results (no_cache)")
	server := fs.String("server", "", "collect on this server instead, in the background, with the server's SerpApi key (token from MLFORGE_TOKEN)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	name := pos[0]
	if err := datasets.CheckName(name); err != nil {
		return usageError("%v", err)
	}
	var raw []string
	if *labelList != "" {
		raw = append(raw, strings.Split(*labelList, ",")...)
	}
	if *labelsFile != "" {
		lines, err := readLabelsFile(*labelsFile)
		if err != nil {
			return err
		}
		raw = append(raw, lines...)
	}
	if len(raw) == 0 {
		return usageError("datasets collect needs --labels or --labels-file")
	}
	labels, err := collect.ParseLabels(raw)
	if err != nil {
		return err
	}
	if err := o.Check(); err != nil {
		return err
	}
	if *server != "" {
		if *key != "" {
			return usageError("--serpapi-key is not sent to a server: a server collects with its own key (mlforge serve --serpapi-key)")
		}
		req := map[string]any{"labels": raw, "limit": o.Limit, "pages": o.Pages, "min_width": o.MinWidth, "min_height": o.MinHeight,
			"max_width": o.MaxWidth, "max_height": o.MaxHeight, "image_size": o.ImageSize, "chip": o.Chip, "google_domain": *googleDomain, "no_cache": *noCache}
		return collectOnServer(e, *server, name, *description, req, *asJSON, *quiet)
	}
	apiKey := *key
	if apiKey == "" {
		apiKey = os.Getenv("SERPAPI_KEY")
	}
	if apiKey == "" {
		return usageError("datasets collect needs SerpApi's key: --serpapi-key KEY or env SERPAPI_KEY")
	}

	url := *db
	if url == "" {
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return err
		}
		url = filepath.Join(*dir, "mlforge.db")
	}
	st, err := store.Open(e.ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	burl, err := datasets.StoreURL(*dir, *art)
	if err != nil {
		return err
	}
	bucket, err := datasets.OpenBucket(e.ctx, burl)
	if err != nil {
		return err
	}
	defer bucket.Close()
	svc := datasets.New(st, bucket)
	if _, err := svc.Dataset(e.ctx, name); err != nil {
		var de *datasets.Error
		if !errors.As(err, &de) || !de.NotFound {
			return err
		}
		if _, err := svc.Create(e.ctx, name, datasets.Images, *description); err != nil {
			return err
		}
	}

	fetch := safefetch.New(collectFetchOptions)
	c := &collect.Collector{
		Datasets: svc,
		Provider: &collect.SerpApi{Key: apiKey, BaseURL: collectSerpApiURL, GoogleDomain: *googleDomain, NoCache: *noCache, Fetch: fetch},
		Fetch:    fetch,
		Options:  o,
	}
	if !*quiet {
		c.Reporter = event.ReporterFunc(func(ev event.Event) {
			fmt.Fprintln(e.stderr, collect.Redact(ev.Message, apiKey))
		})
	}
	sum, err := c.Collect(e.ctx, name, labels)
	if sum != nil {
		if *asJSON {
			if perr := printJSON(e, sum); perr != nil {
				return perr
			}
		} else {
			printCollect(e, sum)
		}
	}
	if err != nil {
		return errors.New(collect.Redact(err.Error(), apiKey))
	}
	var stopped []string
	for _, l := range sum.Labels {
		if l.Error != "" {
			stopped = append(stopped, fmt.Sprintf("%s: %s", l.Label, l.Error))
		}
	}
	if len(stopped) > 0 {
		return &collect.Error{Msg: fmt.Sprintf("%d of %d labels stopped early: %s", len(stopped), len(sum.Labels), strings.Join(stopped, "; "))}
	}
	return nil
}

// collectOnServer queues the collection on the server at base, prints the
// run's log events as they come, then its summary.
func collectOnServer(e *env, base, name, description string, req map[string]any, asJSON, quiet bool) error {
	c := &client{base: strings.TrimRight(base, "/"), token: os.Getenv("MLFORGE_TOKEN"), http: &http.Client{Timeout: 30 * time.Second}}
	var d datasets.Detail
	err := c.do("GET", "/api/datasets/"+url.PathEscape(name), nil, &d)
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		body, _ := json.Marshal(map[string]string{"name": name, "description": description})
		err = c.do("POST", "/api/datasets", bytes.NewReader(body), nil)
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	var created api.Created
	if err := c.do("POST", "/api/datasets/"+url.PathEscape(name)+"/collect", bytes.NewReader(body), &created); err != nil {
		return err
	}
	if !store.ValidID(created.ID) {
		return fmt.Errorf("the server answered no run id")
	}
	fmt.Fprintf(e.stderr, "collection %s queued (cancel: mlforge runs cancel %s)\n", created.ID, created.ID)
	if err := followLog(e, c, created.ID, quiet); err != nil {
		return err
	}
	var run api.Run
	if err := c.do("GET", "/api/runs/"+created.ID, nil, &run); err != nil {
		return err
	}
	switch run.Status {
	case "succeeded":
	case "cancelled":
		return fmt.Errorf("collection %s was cancelled", run.ID)
	default:
		return &collect.Error{Msg: fmt.Sprintf("collection %s %s: %s", run.ID, run.Status, run.Error)}
	}
	var sum collect.Summary
	if err := json.Unmarshal(run.Result, &sum); err != nil {
		return fmt.Errorf("collection %s: the result is not a summary: %v", run.ID, err)
	}
	if asJSON {
		return printJSON(e, sum)
	}
	printCollect(e, &sum)
	return nil
}

// followLog prints the messages of a run's log events (the server-sent
// events of /api/runs/{id}/events) until the stream's end.
func followLog(e *env, c *client, id string, quiet bool) error {
	req, err := http.NewRequestWithContext(e.ctx, "GET", c.base+"/api/runs/"+id+"/events", nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return fmt.Errorf("cannot follow collection %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cannot follow collection %s: HTTP %s", id, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	kind := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event:"):
			kind = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			if kind == "end" {
				return nil
			}
		case strings.HasPrefix(line, "data:") && kind == "log" && !quiet:
			var ev struct {
				Message string `json:"message"`
			}
			if json.Unmarshal([]byte(strings.TrimSpace(strings.TrimPrefix(line, "data:"))), &ev) == nil {
				fmt.Fprintln(e.stderr, ev.Message)
			}
		case line == "":
			kind = ""
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("following collection %s: %w", id, err)
	}
	return nil
}

// printCollect prints a collection's summary: a table of the labels, then
// what was skipped and why.
func printCollect(e *env, sum *collect.Summary) {
	rows := [][]string{{"LABEL", "HAD", "STORED", "FOUND", "DOWNLOADED", "DUPLICATES", "SKIPPED", "PAGES"}}
	for _, l := range sum.Labels {
		rows = append(rows, []string{l.Label, fmt.Sprint(l.Had), fmt.Sprint(l.Stored), fmt.Sprint(l.Found), fmt.Sprint(l.Downloaded), fmt.Sprint(l.Duplicates), fmt.Sprint(l.Skipped), fmt.Sprint(l.Pages)})
	}
	table(e.stdout, rows)
	for _, l := range sum.Labels {
		for _, p := range l.Problems {
			fmt.Fprintf(e.stdout, "%s: skipped %s: %s\n", l.Label, p.URL, p.Reason)
		}
		if l.Skipped > len(l.Problems) {
			fmt.Fprintf(e.stdout, "%s: ... and %d more skipped\n", l.Label, l.Skipped-len(l.Problems))
		}
		if l.Error != "" {
			fmt.Fprintf(e.stdout, "%s: stopped: %s\n", l.Label, l.Error)
		}
	}
}

// readLabelsFile reads one label a line; blank lines and lines starting
// with # are skipped.
func readLabelsFile(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, usageError("--labels-file: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 4096)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(out) >= collect.MaxLabels {
			return nil, usageError("--labels-file %s: more than %d labels", p, collect.MaxLabels)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, usageError("--labels-file %s line %d: %v", p, n+1, err)
	}
	return out, nil
}
