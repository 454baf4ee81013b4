package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/text"
)

// Fill is a training spec's collection step: it collects, into the dataset
// called name (created when missing), each label that holds fewer than
// minPer items, until it holds c.Options.Limit; the labels that hold
// enough are left as they are. It returns the summary of the labels it
// collected (none when every label holds enough). A label that the search
// could not fill is in the summary and the events; the run that trains
// afterwards is the judge of whether the data suffices.
func (c *Collector) Fill(ctx context.Context, name string, labels []Label, minPer int) (*Summary, error) {
	if err := c.Options.Check(); err != nil {
		return nil, err
	}
	if minPer < 1 || minPer > c.Options.Limit {
		return nil, &Error{Msg: fmt.Sprintf("min_per_label: expected 1 to limit (%d), got %d", c.Options.Limit, minPer)}
	}
	if c.Datasets == nil {
		return nil, errors.New("collect: a Collector needs Datasets, Provider and Fetch")
	}
	d, err := c.Datasets.Get(ctx, name)
	var de *datasets.Error
	if errors.As(err, &de) && de.NotFound {
		if _, err := c.Datasets.Create(ctx, name, datasets.Images, "collected by a training spec's collect step"); err != nil && !(errors.As(err, &de) && de.Exists) {
			return nil, err
		}
		c.report(event.Event{Kind: "stage", Message: fmt.Sprintf("collect step: dataset %s created", text.Quote(name))})
		d, err = c.Datasets.Get(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	have := map[string]int{}
	for _, lc := range d.Labels {
		have[lc.Label] = lc.Items
	}
	var todo []Label
	var short []string
	for _, l := range labels {
		if n := have[l.Label]; n < minPer {
			todo = append(todo, l)
			short = append(short, fmt.Sprintf("%s (%d)", text.Quote(l.Label), n))
		}
	}
	if len(todo) == 0 {
		c.report(event.Event{Kind: "stage", Message: fmt.Sprintf("collect step: every label of %s holds at least %d images (min_per_label): nothing to collect", text.Quote(name), minPer)})
		return &Summary{Dataset: name, Provider: c.Provider.Name(), Labels: []LabelSummary{}}, nil
	}
	c.report(event.Event{Kind: "stage", Message: fmt.Sprintf("collect step: %d of %d labels of %s hold fewer than %d images (min_per_label): %s; collecting up to %d each",
		len(todo), len(labels), text.Quote(name), minPer, strings.Join(short, ", "), c.Options.Limit)})
	sum, err := c.Collect(ctx, name, todo)
	if err != nil {
		return sum, err
	}
	stored := 0
	for _, l := range sum.Labels {
		stored += l.Stored
		if got := l.Had + l.Stored; got < minPer {
			c.report(event.Event{Kind: "log", Message: fmt.Sprintf("collect step: label %s holds %d images after the collection, fewer than min_per_label %d", text.Quote(l.Label), got, minPer)})
		}
	}
	c.report(event.Event{Kind: "stage", Message: fmt.Sprintf("collect step: %d images stored in %d labels; training follows", stored, len(sum.Labels))})
	return sum, nil
}
