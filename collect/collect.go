package collect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/internal/text"
)

// Limits of Options.
const (
	MaxLimit       = 10_000 // images per label
	MaxPages       = 100
	MaxLabels      = 1000
	DefaultPages   = 10
	DefaultWorkers = 8
	DefaultPerHost = 2
	DefaultRetries = 3
	DefaultBackoff = 500 * time.Millisecond
	// decoders caps the images decoded at once (each may take up to
	// datasets' pixel cap in memory), whatever the downloads.
	decoders = 2
)

// Options bound a collection. Zero fields take the defaults.
type Options struct {
	// Limit is the number of images each label should hold (1 to
	// MaxLimit): a label that holds as many already is not searched.
	Limit int `json:"limit"`
	// Pages caps the result pages read per label (default DefaultPages).
	Pages int `json:"pages,omitempty"`
	// MinWidth, MinHeight, MaxWidth and MaxHeight bound the images
	// stored (0: no bound), checked on the search's sizes before the
	// download and on the image's header after.
	MinWidth  int `json:"min_width,omitempty"`
	MinHeight int `json:"min_height,omitempty"`
	MaxWidth  int `json:"max_width,omitempty"`
	MaxHeight int `json:"max_height,omitempty"`
	// ImageSize and Chip refine every search (SearchOptions).
	ImageSize string `json:"image_size,omitempty"`
	Chip      string `json:"chip,omitempty"`

	// Workers caps the downloads at once, PerHost those to one host.
	Workers int `json:"-"`
	PerHost int `json:"-"`
	// Retries is how often a download or search that failed for a
	// reason worth retrying (5xx, 429, a timeout) is tried again, after
	// Backoff, then twice as long, and so on.
	Retries int           `json:"-"`
	Backoff time.Duration `json:"-"`
}

// Check returns an error naming the option that is out of range.
func (o Options) Check() error {
	bad := func(f string, args ...any) error { return &Error{Msg: fmt.Sprintf(f, args...)} }
	switch {
	case o.Limit < 1 || o.Limit > MaxLimit:
		return bad("limit: expected 1 to %d images per label, got %d", MaxLimit, o.Limit)
	case o.Pages < 0 || o.Pages > MaxPages:
		return bad("pages: expected 1 to %d, got %d", MaxPages, o.Pages)
	case o.MinWidth < 0 || o.MinHeight < 0 || o.MaxWidth < 0 || o.MaxHeight < 0:
		return bad("min/max width and height: expected 0 (no bound) or more pixels")
	case o.MaxWidth > 0 && o.MinWidth > o.MaxWidth:
		return bad("min_width %d is above max_width %d", o.MinWidth, o.MaxWidth)
	case o.MaxHeight > 0 && o.MinHeight > o.MaxHeight:
		return bad("min_height %d is above max_height %d", o.MinHeight, o.MaxHeight)
	}
	return SearchOptions{ImageSize: o.ImageSize, Chip: o.Chip}.Check()
}

func (o Options) withDefaults() Options {
	o.Pages = cmp.Or(o.Pages, DefaultPages)
	o.Workers = cmp.Or(o.Workers, DefaultWorkers)
	o.PerHost = cmp.Or(o.PerHost, DefaultPerHost)
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	o.Backoff = cmp.Or(o.Backoff, DefaultBackoff)
	return o
}

// Label is one label to collect and the query that finds its images.
type Label struct {
	Label string `json:"label"`
	Query string `json:"query"`
}

// operators are the search operators a query may hold ("imagesize:500x500"):
// the colon that follows them does not separate a label from its query.
var operators = []string{"imagesize", "site", "filetype", "inurl", "intitle", "-site"}

// ParseLabel reads "label:query", or a query alone whose label is the
// query without its operators ("Alaskan Malamute imagesize:500x500" is the
// label "Alaskan Malamute").
func ParseLabel(s string) (Label, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ':'); i > 0 {
		before := s[:i]
		word := before[strings.LastIndexAny(before, " \t")+1:]
		isOp := false
		for _, op := range operators {
			if strings.EqualFold(word, op) {
				isOp = true
			}
		}
		if !isOp {
			l := Label{Label: strings.TrimSpace(before), Query: strings.TrimSpace(s[i+1:])}
			if l.Query == "" {
				return l, &Error{Msg: fmt.Sprintf("label %s has an empty query after ':'", text.Quote(text.Abbrev(s)))}
			}
			if err := datasets.CheckLabel(l.Label); err != nil {
				return l, err
			}
			return l, nil
		}
	}
	var words []string
	for _, w := range strings.Fields(s) {
		if j := strings.IndexByte(w, ':'); j > 0 {
			continue // an operator
		}
		words = append(words, w)
	}
	l := Label{Label: strings.Join(words, " "), Query: s}
	if l.Label == "" {
		return l, &Error{Msg: fmt.Sprintf("label %s: the query has no words besides operators; write label:query", text.Quote(text.Abbrev(s)))}
	}
	if err := datasets.CheckLabel(l.Label); err != nil {
		return l, err
	}
	return l, nil
}

// ParseLabels reads labels (see ParseLabel), skipping empty ones; a label
// given twice is an error.
func ParseLabels(in []string) ([]Label, error) {
	var out []Label
	seen := map[string]bool{}
	for _, s := range in {
		if strings.TrimSpace(s) == "" {
			continue
		}
		l, err := ParseLabel(s)
		if err != nil {
			return nil, err
		}
		if seen[l.Label] {
			return nil, &Error{Msg: fmt.Sprintf("label %q is given twice", l.Label)}
		}
		seen[l.Label] = true
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, &Error{Msg: "no labels to collect"}
	}
	if len(out) > MaxLabels {
		return nil, &Error{Msg: fmt.Sprintf("%d labels: at most %d can be collected at once", len(out), MaxLabels)}
	}
	return out, nil
}

// Problem is a candidate that was not stored, and why.
type Problem struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// MaxProblems caps the problems a LabelSummary lists.
const MaxProblems = 200

// LabelSummary is what a collection did for one label.
type LabelSummary struct {
	Label string `json:"label"`
	Query string `json:"query"`
	// Had is the number of items the label held before, Stored the number
	// added; Pages the result pages read.
	Had    int `json:"had"`
	Stored int `json:"stored"`
	Pages  int `json:"pages"`
	// Found counts the candidates the search returned, Downloaded those
	// fetched, Duplicates those whose bytes the dataset held, Skipped
	// those not stored for another reason (listed in Problems).
	Found      int       `json:"found"`
	Downloaded int       `json:"downloaded"`
	Duplicates int       `json:"duplicates"`
	Skipped    int       `json:"skipped"`
	Problems   []Problem `json:"problems"`
	// Error is why the label's search stopped early, if it did.
	Error string `json:"error,omitempty"`
}

// Summary is what a collection did.
type Summary struct {
	Dataset  string         `json:"dataset"`
	Provider string         `json:"provider"`
	Labels   []LabelSummary `json:"labels"`
}

// Collector downloads the images of searches into a dataset.
type Collector struct {
	Datasets *datasets.Service
	Provider Provider
	// Fetch downloads the images; it is the guard against SSRF.
	Fetch    *safefetch.Client
	Reporter event.Reporter // may be nil
	Options  Options

	// sleep waits for d or ctx (tests replace it).
	sleep func(ctx context.Context, d time.Duration) error
}

func (c *Collector) report(e event.Event) {
	if c.Reporter != nil {
		c.Reporter.Report(e)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Collect collects every label into the dataset called name, one label
// after another, and returns what it did. A label's failure (its search
// refused, say) is in its summary and the next label is collected; an
// error of the dataset or the store, or ctx's end, stops the collection.
// A collection run again skips every URL the dataset holds: it downloads
// nothing twice.
func (c *Collector) Collect(ctx context.Context, name string, labels []Label) (*Summary, error) {
	if err := c.Options.Check(); err != nil {
		return nil, err
	}
	if c.Provider == nil || c.Fetch == nil || c.Datasets == nil {
		return nil, errors.New("collect: a Collector needs Datasets, Provider and Fetch")
	}
	o := c.Options.withDefaults()
	if _, err := c.Datasets.Dataset(ctx, name); err != nil {
		return nil, err
	}
	sum := &Summary{Dataset: name, Provider: c.Provider.Name(), Labels: []LabelSummary{}}
	for i, l := range labels {
		if err := datasets.CheckLabel(l.Label); err != nil {
			return sum, err
		}
		c.report(event.Event{Kind: "stage", Step: i + 1, Total: len(labels), Message: fmt.Sprintf("collect %s: searching %s", text.Quote(l.Label), text.Quote(l.Query))})
		ls, err := c.label(ctx, name, l, o)
		sum.Labels = append(sum.Labels, *ls)
		if err != nil {
			return sum, err
		}
		msg := fmt.Sprintf("collect %s: %d stored (%d before), %d found, %d downloaded, %d duplicates, %d skipped", text.Quote(l.Label), ls.Stored, ls.Had, ls.Found, ls.Downloaded, ls.Duplicates, ls.Skipped)
		if ls.Error != "" {
			msg += "; stopped: " + ls.Error
		}
		c.report(event.Event{Kind: "stage", Step: i + 1, Total: len(labels), Message: msg,
			Metrics: map[string]float64{"found": float64(ls.Found), "downloaded": float64(ls.Downloaded), "stored": float64(ls.Stored), "skipped": float64(ls.Skipped + ls.Duplicates)}})
	}
	return sum, nil
}

// labelRun is the state of one label's collection.
type labelRun struct {
	c    *Collector
	o    Options
	name string
	l    Label
	sum  *LabelSummary

	mu       sync.Mutex
	cond     *sync.Cond      // signalled when a download ends
	have     int             // items the label holds
	inflight int             // downloads under way, each a place under the limit
	fatal    error           // a store error: the collection stops
	known    map[string]bool // URLs stored (any label) or tried in this collection
	hostSem  map[string]chan struct{}
	decode   chan struct{} // decoders slots
}

func (r *labelRun) skip(u, why string) {
	r.mu.Lock()
	r.sum.Skipped++
	if len(r.sum.Problems) < MaxProblems {
		r.sum.Problems = append(r.sum.Problems, Problem{URL: u, Reason: why})
	}
	r.mu.Unlock()
	r.c.report(event.Event{Kind: "log", Message: fmt.Sprintf("collect %s: skipped %s: %s", text.Quote(r.l.Label), text.Abbrev(u), why)})
}

func (c *Collector) label(ctx context.Context, name string, l Label, o Options) (*LabelSummary, error) {
	ls := &LabelSummary{Label: l.Label, Query: l.Query, Problems: []Problem{}}
	d, err := c.Datasets.Get(ctx, name)
	if err != nil {
		return ls, err
	}
	for _, lc := range d.Labels {
		if lc.Label == l.Label {
			ls.Had = lc.Items
		}
	}
	urls, err := c.Datasets.URLs(ctx, name)
	if err != nil {
		return ls, err
	}
	r := &labelRun{c: c, o: o, name: name, l: l, sum: ls, have: ls.Had, known: make(map[string]bool, len(urls)), hostSem: map[string]chan struct{}{}}
	r.cond = sync.NewCond(&r.mu)
	r.decode = make(chan struct{}, decoders)
	for u := range urls {
		r.known[u] = true
	}
	workers := make(chan struct{}, o.Workers)
	for page := 0; page < o.Pages && r.needed() > 0; page++ {
		var cands []Candidate
		var more bool
		err := c.retry(ctx, o, func() error {
			var err error
			cands, more, err = c.Provider.Search(ctx, l.Query, page, SearchOptions{ImageSize: o.ImageSize, Chip: o.Chip})
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return ls, ctx.Err()
			}
			ls.Error = err.Error()
			c.report(event.Event{Kind: "log", Message: fmt.Sprintf("collect %s: the search stopped: %s", text.Quote(l.Label), err)})
			return ls, nil
		}
		ls.Pages++
		ls.Found += len(cands)
		c.report(event.Event{Kind: "log", Message: fmt.Sprintf("collect %s: page %d: %d found", text.Quote(l.Label), page, len(cands))})
		var wg sync.WaitGroup
		for _, cand := range cands {
			if !r.reserve() {
				break
			}
			u, why := r.pick(cand)
			if why != "" {
				r.release(false)
				r.skip(cmp.Or(u, fmt.Sprintf("result %d", cand.Position)), why)
				continue
			}
			select {
			case workers <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				r.release(false)
				break
			}
			wg.Add(1)
			go func() {
				defer func() { <-workers; wg.Done() }()
				r.release(r.fetch(ctx, u, page))
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return ls, err
		}
		if r.fatal != nil {
			return ls, r.fatal
		}
		if !more {
			break
		}
	}
	return ls, nil
}

// needed is the number of images the label still lacks.
func (r *labelRun) needed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.o.Limit - r.have
}

// reserve takes a place under the limit for one download, waiting while
// the downloads under way would fill the label; false: the label is full.
func (r *labelRun) reserve() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.have+r.inflight >= r.o.Limit && r.inflight > 0 {
		r.cond.Wait()
	}
	if r.have >= r.o.Limit || r.fatal != nil {
		return false
	}
	r.inflight++
	return true
}

// release gives back a place, stored or not.
func (r *labelRun) release(stored bool) {
	r.mu.Lock()
	r.inflight--
	if stored {
		r.have++
	}
	r.cond.Broadcast()
	r.mu.Unlock()
}

// pick returns the URL to download of a candidate, or why none is.
func (r *labelRun) pick(cand Candidate) (string, string) {
	if cand.Problem != "" {
		return "", cand.Problem
	}
	u := cmp.Or(cand.URL, cand.Thumbnail)
	if len(u) > 4096 {
		return text.Abbrev(u), "the URL is longer than 4096 bytes"
	}
	if why := r.size(cand.Width, cand.Height, "the search says the image is"); why != "" {
		return u, why
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known[u] {
		return u, "already stored or tried (same URL)"
	}
	r.known[u] = true
	return u, ""
}

// size says why an image of w x h is out of the bounds, or "" (0 sizes
// are unknown and pass).
func (r *labelRun) size(w, h int, what string) string {
	o := r.o
	switch {
	case w > 0 && o.MinWidth > 0 && w < o.MinWidth:
		return fmt.Sprintf("%s %dx%d, narrower than min_width %d", what, w, h, o.MinWidth)
	case h > 0 && o.MinHeight > 0 && h < o.MinHeight:
		return fmt.Sprintf("%s %dx%d, lower than min_height %d", what, w, h, o.MinHeight)
	case w > 0 && o.MaxWidth > 0 && w > o.MaxWidth:
		return fmt.Sprintf("%s %dx%d, wider than max_width %d", what, w, h, o.MaxWidth)
	case h > 0 && o.MaxHeight > 0 && h > o.MaxHeight:
		return fmt.Sprintf("%s %dx%d, higher than max_height %d", what, w, h, o.MaxHeight)
	}
	return ""
}

// hostSlot returns the semaphore of u's host.
func (r *labelRun) hostSlot(u string) chan struct{} {
	host := ""
	if pu, err := url.Parse(u); err == nil {
		host = strings.ToLower(pu.Host)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.hostSem[host]
	if !ok {
		s = make(chan struct{}, r.o.PerHost)
		r.hostSem[host] = s
	}
	return s
}

// fetch downloads, checks and stores one image, and reports whether it
// stored it.
func (r *labelRun) fetch(ctx context.Context, u string, page int) bool {
	slot := r.hostSlot(u)
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	var resp *safefetch.Response
	err := r.c.retry(ctx, r.o, func() error {
		var err error
		resp, err = r.c.Fetch.GetImage(ctx, u)
		return err
	})
	<-slot
	if err != nil {
		if ctx.Err() == nil {
			r.skip(u, fetchReason(err))
		}
		return false
	}
	r.mu.Lock()
	r.sum.Downloaded++
	r.mu.Unlock()
	r.c.report(event.Event{Kind: "log", Message: fmt.Sprintf("collect %s: downloaded %s (%d bytes)", text.Quote(r.l.Label), text.Abbrev(u), len(resp.Body))})
	select {
	case r.decode <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-r.decode }()
	cfg, err := images.DecodeConfig(resp.Body, "image")
	if err != nil {
		r.skip(u, strings.TrimPrefix(err.Error(), "image: "))
		return false
	}
	if why := r.size(cfg.Width, cfg.Height, "the image is"); why != "" {
		r.skip(u, why)
		return false
	}
	it, dup, err := r.c.Datasets.Add(ctx, r.name, r.l.Label, resp.Body, datasets.Provenance{Source: "query", Query: r.l.Query, Page: page, URL: u})
	var ie *datasets.ImageError
	switch {
	case err == nil && dup:
		r.mu.Lock()
		r.sum.Duplicates++
		r.mu.Unlock()
		r.c.report(event.Event{Kind: "log", Message: fmt.Sprintf("collect %s: skipped %s: the same bytes as item %s (label %s)", text.Quote(r.l.Label), text.Abbrev(u), it.ID, text.Quote(it.Label))})
	case errors.As(err, &ie):
		r.skip(u, ie.Msg)
	case err != nil:
		if ctx.Err() == nil {
			r.mu.Lock()
			if r.fatal == nil {
				r.fatal = err
			}
			r.mu.Unlock()
		}
	default:
		r.mu.Lock()
		r.sum.Stored++
		stored := r.sum.Stored
		r.mu.Unlock()
		r.c.report(event.Event{Kind: "log", Step: stored, Message: fmt.Sprintf("collect %s: stored %s as item %s (%dx%d %s)", text.Quote(r.l.Label), text.Abbrev(u), it.ID, it.Width, it.Height, it.Format)})
		return true
	}
	return false
}

// fetchReason is a download error without the URL the problem lists
// beside it.
func fetchReason(err error) string {
	var fe *safefetch.Error
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return err.Error()
}

// temporary reports whether err is worth retrying.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		return t.Temporary()
	}
	var fe *safefetch.Error
	return errors.As(err, &fe) && fe.Temporary
}

// retry calls f until it succeeds, fails for good, or has been retried
// o.Retries times, waiting o.Backoff, then twice as long, between tries.
func (c *Collector) retry(ctx context.Context, o Options, f func() error) error {
	sleep := c.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	wait := o.Backoff
	for try := 0; ; try++ {
		err := f()
		if err == nil || try >= o.Retries || !temporary(err) || ctx.Err() != nil {
			return err
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait *= 2
	}
}
