package spec

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mlforge/mlforge/data"
)

// Collect is a spec's collection step: before training, the labels that
// the stored dataset of data.train lacks, or holds fewer than MinPerLabel
// images of, are collected from the image-search API (package collect)
// until each holds Limit; the run's events show it.
//
//	"data": {"train": "dataset:dogs"},
//	"collect": {"labels": ["American Foxhound", "malamute:Alaskan Malamute imagesize:500x500"],
//	            "limit": 100, "min_per_label": 50, "pages": 5, "min_width": 200}
//
// Each label is "label" (a query, its label the query without operators)
// or "label:query", as for mlforge datasets collect. Labels defaults to the
// spec's labels, then to the labels of data.train ("dataset:NAME:a,b").
// The API key is never the spec's: it is the server's (mlforge serve
// --serpapi-key, SERPAPI_KEY) or mlforge train's (--serpapi-key); a spec
// with a key is refused.
type Collect struct {
	Labels []string `json:"labels,omitempty"`
	// Limit is the number of images each label should hold (1 to
	// MaxCollectLimit).
	Limit int `json:"limit"`
	// MinPerLabel: a label that holds at least as many is not collected
	// (1 to Limit; Validate fills in Limit).
	MinPerLabel int `json:"min_per_label,omitempty"`
	// Pages caps the result pages read per label (0: the collector's
	// default); the sizes bound the images stored (0: no bound).
	Pages     int    `json:"pages,omitempty"`
	MinWidth  int    `json:"min_width,omitempty"`
	MinHeight int    `json:"min_height,omitempty"`
	MaxWidth  int    `json:"max_width,omitempty"`
	MaxHeight int    `json:"max_height,omitempty"`
	ImageSize string `json:"image_size,omitempty"`
	Chip      string `json:"chip,omitempty"`
	// GoogleDomain and NoCache are SerpApi's google_domain and no_cache.
	GoogleDomain string `json:"google_domain,omitempty"`
	NoCache      bool   `json:"no_cache,omitempty"`
}

// Bounds of a collection step, those of package collect.
const (
	MaxCollectLimit  = 10_000
	MaxCollectPages  = 100
	MaxCollectLabels = 1000
	maxLabelBytes    = 300
)

var imageSizePattern = regexp.MustCompile(`^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$`)

var collectKeys = []string{"labels", "limit", "min_per_label", "pages", "min_width", "min_height", "max_width", "max_height",
	"image_size", "chip", "google_domain", "no_cache"}

// collect reads the "collect" object.
func (d *decoder) collect(n *node, path string) *Collect {
	if n == nil || n.kind == kindNull {
		return nil
	}
	var secret []string
	if n.kind == kindObject {
		for _, mem := range n.members {
			if lk := strings.ToLower(mem.key); strings.Contains(lk, "key") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") {
				d.add(mem.val, joinKey(path, mem.key), "a spec never holds an API key: the key is the server's (mlforge serve --serpapi-key or SERPAPI_KEY) or mlforge train's (--serpapi-key or SERPAPI_KEY)")
				secret = append(secret, mem.key) // reported: not again as unknown
			}
		}
	}
	m, ok := d.fields(n, path, `a collection step such as {"limit": 100}`, collectKeys, secret)
	if !ok {
		return nil
	}
	c := &Collect{}
	if l := m["labels"]; l != nil && l.kind != kindNull {
		if l.kind != kindArray {
			d.add(l, joinKey(path, "labels"), `expected a list of labels such as ["cat", "hound:dog"], got `+got(l))
		} else {
			c.Labels = make([]string, len(l.elems))
			for i, e := range l.elems {
				c.Labels[i] = d.str(e, joinIndex(joinKey(path, "labels"), i))
			}
		}
	}
	ints := []struct {
		key string
		dst *int
	}{{"limit", &c.Limit}, {"min_per_label", &c.MinPerLabel}, {"pages", &c.Pages},
		{"min_width", &c.MinWidth}, {"min_height", &c.MinHeight}, {"max_width", &c.MaxWidth}, {"max_height", &c.MaxHeight}}
	for _, k := range ints {
		if v := m[k.key]; v != nil {
			i := d.integer(v, joinKey(path, k.key))
			if i < -1<<31 || i > 1<<31 {
				d.add(v, joinKey(path, k.key), "expected an integer of at most 10 digits, got "+got(v))
				i = 0
			}
			*k.dst = int(i)
		}
	}
	strs := []struct {
		key string
		dst *string
	}{{"image_size", &c.ImageSize}, {"chip", &c.Chip}, {"google_domain", &c.GoogleDomain}}
	for _, k := range strs {
		if v := m[k.key]; v != nil {
			*k.dst = d.str(v, joinKey(path, k.key))
		}
	}
	if v := m["no_cache"]; v != nil {
		if v.kind != kindBool {
			d.add(v, joinKey(path, "no_cache"), "expected true or false, got "+got(v))
		} else {
			c.NoCache = v.boolean
		}
	}
	return c
}

// CollectLabels returns the labels a collection step collects: its own,
// else the spec's labels, else those of data.train ("dataset:NAME:a,b").
func (s *Spec) CollectLabels() []string {
	if s.Collect == nil {
		return nil
	}
	if len(s.Collect.Labels) > 0 {
		return s.Collect.Labels
	}
	if len(s.Labels) > 0 {
		return s.Labels
	}
	if _, labels, ok := datasetSource(s.Data.Train); ok {
		return labels
	}
	return nil
}

// CollectDataset returns the name of the stored dataset a collection step
// fills (that of data.train), or "".
func (s *Spec) CollectDataset() string {
	name, _, _ := datasetSource(s.Data.Train)
	return name
}

// datasetSource splits "dataset:NAME[:LABEL,...]".
func datasetSource(src Source) (name string, labels []string, ok bool) {
	rest, ok := strings.CutPrefix(src.Path, data.DatasetPrefix)
	if !ok || src.Builtin != "" || src.IsIDX() {
		return "", nil, false
	}
	name, list, _ := strings.Cut(rest, ":")
	for _, l := range strings.Split(list, ",") {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, l)
		}
	}
	return name, labels, true
}

// validateCollect checks the collection step: a stored dataset to fill,
// labels to collect, and its options in range; it fills in MinPerLabel.
func (s *Spec) validateCollect(c *errs) {
	cl := s.Collect
	if cl == nil {
		return
	}
	if _, _, ok := datasetSource(s.Data.Train); !ok && !s.Data.Train.IsZero() {
		c.add("collect", fmt.Sprintf(`collects into a stored dataset: data.train must be "dataset:NAME", not %s`, quote(abbrev(s.Data.Train.String()))))
	}
	labels := s.CollectLabels()
	switch {
	case len(labels) == 0:
		c.add("collect.labels", `required: the labels to collect, such as ["cat", "hound:dog"] (or the spec's labels, or data.train "dataset:NAME:cat,dog")`)
	case len(labels) > MaxCollectLabels:
		c.add("collect.labels", fmt.Sprintf("%d labels: at most %d can be collected at once", len(labels), MaxCollectLabels))
	}
	seen := map[string]int{}
	for i, l := range cl.Labels {
		p := joinIndex("collect.labels", i)
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			c.add(p, `expected a label or "label:query", got ""`)
		case len(l) > maxLabelBytes:
			c.add(p, fmt.Sprintf("is longer than %d bytes", maxLabelBytes))
		case !utf8.ValidString(l) || strings.IndexFunc(l, unicode.IsControl) >= 0:
			c.add(p, "holds control characters or invalid UTF-8")
		default:
			if j, dup := seen[t]; dup {
				c.add(p, fmt.Sprintf("%s is listed twice (also %s)", quote(abbrev(t)), joinIndex("collect.labels", j)))
			}
			seen[t] = i
		}
	}
	if cl.Limit < 1 || cl.Limit > MaxCollectLimit {
		c.add("collect.limit", fmt.Sprintf("required: the images each label should hold, 1 to %d, got %d", MaxCollectLimit, cl.Limit))
	}
	switch {
	case cl.Limit < 1 || cl.Limit > MaxCollectLimit:
	case cl.MinPerLabel == 0:
		cl.MinPerLabel = cl.Limit
	case cl.MinPerLabel < 1 || cl.MinPerLabel > cl.Limit:
		c.add("collect.min_per_label", fmt.Sprintf("expected 1 to limit (%d): the images below which a label is collected, got %d", cl.Limit, cl.MinPerLabel))
	}
	if cl.Pages < 0 || cl.Pages > MaxCollectPages {
		c.add("collect.pages", fmt.Sprintf("expected 1 to %d result pages per label, got %d", MaxCollectPages, cl.Pages))
	}
	for _, k := range []struct {
		key string
		v   int
	}{{"min_width", cl.MinWidth}, {"min_height", cl.MinHeight}, {"max_width", cl.MaxWidth}, {"max_height", cl.MaxHeight}} {
		if k.v < 0 {
			c.add("collect."+k.key, fmt.Sprintf("expected 0 (no bound) or more pixels, got %d", k.v))
		}
	}
	if cl.MaxWidth > 0 && cl.MinWidth > cl.MaxWidth {
		c.add("collect.min_width", fmt.Sprintf("%d is above max_width %d", cl.MinWidth, cl.MaxWidth))
	}
	if cl.MaxHeight > 0 && cl.MinHeight > cl.MaxHeight {
		c.add("collect.min_height", fmt.Sprintf("%d is above max_height %d", cl.MinHeight, cl.MaxHeight))
	}
	if cl.ImageSize != "" && !imageSizePattern.MatchString(cl.ImageSize) {
		c.add("collect.image_size", fmt.Sprintf("expected WxH, e.g. 500x500, got %s", quote(abbrev(cl.ImageSize))))
	}
	if len(cl.Chip) > 100 {
		c.add("collect.chip", "is longer than 100 bytes")
	}
	if len(cl.GoogleDomain) > 64 || strings.ContainsAny(cl.GoogleDomain, "/?#&= ") {
		c.add("collect.google_domain", "expected a domain such as google.co.uk")
	}
}
