package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlforge/mlforge/collect"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/store"
)

// collectUsage is the usage line of mlforge datasets collect.
const collectUsage = `mlforge datasets collect NAME --labels "a,b" | --labels-file FILE [--limit N] [--pages P] [--min-width W] [--min-height H] [--max-width W] [--max-height H] [--image-size WxH] [--chip NAME] [--serpapi-key KEY] [--data DIR]`

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
	dir := fs.String("data", "mlforge-data", "the data folder (its store and blobs), as mlforge serve --data")
	db := fs.String("db", os.Getenv("MLFORGE_DB"), "postgres://... when the store is PostgreSQL (env MLFORGE_DB)")
	labelList := fs.String("labels", "", `the labels, separated by commas: "label" or "label:query" (e.g. "malamute:Alaskan Malamute imagesize:500x500")`)
	labelsFile := fs.String("labels-file", "", "a file of labels, one a line (# starts a comment)")
	key := fs.String("serpapi-key", "", "SerpApi's API key (default: env SERPAPI_KEY); never stored nor printed")
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
	burl, err := datasets.BlobURL(*dir)
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
