package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/train"
)

// evalFlags are the flags of mlforge eval that a stored dataset takes.
type evalFlags struct {
	server string
	limit  int
	seed   string // "" = a random seed, reported
}

// sampleAnswer is what mlforge eval reads of GET /api/datasets/{name}/sample.
type sampleAnswer struct {
	Dataset  string `json:"dataset"`
	Limit    int    `json:"limit"`
	Seed     uint64 `json:"seed"`
	Manifest string `json:"manifest"`
	Labels   []struct {
		Label  string `json:"label"`
		Stored int    `json:"stored"`
		Items  []struct {
			ID    string `json:"id"`
			Bytes int64  `json:"bytes"`
		} `json:"items"`
	} `json:"labels"`
}

// evalDataset scores the image classifier m on at most f.limit random
// stored images of each label of the dataset source src
// ("dataset:NAME[:LABEL,...]") of a server: the draw is the server's
// (reproducible with the seed), the images are fetched and predicted a
// batch at a time.
func evalDataset(m *model.Model, src string, f evalFlags) (*api.Evaluation, error) {
	name, labels, _ := datasets.ParseSource(src)
	if err := datasets.CheckName(name); err != nil {
		return nil, err
	}
	if f.limit < 1 || f.limit > datasets.MaxSampleLimit {
		return nil, usageError("--limit %d: expected 1 to %d images per label", f.limit, datasets.MaxSampleLimit)
	}
	q := url.Values{"limit": {strconv.Itoa(f.limit)}, "label": labels}
	if f.seed != "" {
		if _, err := strconv.ParseUint(f.seed, 10, 64); err != nil {
			return nil, usageError("--seed %s: expected a whole number from 0", text.Quote(text.Abbrev(f.seed)))
		}
		q.Set("seed", f.seed)
	}
	c := &client{base: strings.TrimRight(f.server, "/"), token: os.Getenv("MLFORGE_TOKEN"), http: &http.Client{Timeout: 60 * time.Second}}
	var s sampleAnswer
	if err := c.do("GET", "/api/datasets/"+url.PathEscape(name)+"/sample?"+q.Encode(), nil, &s); err != nil {
		return nil, err
	}
	set := train.EvalSet{Labels: make([]api.EvalLabel, len(s.Labels))}
	for k, l := range s.Labels {
		set.Labels[k] = api.EvalLabel{Label: l.Label, Stored: l.Stored, Sampled: len(l.Items)}
	}
	set.Read = func(ctx context.Context, k, i int) (string, []byte, error) {
		it := s.Labels[k].Items[i]
		name := s.Labels[k].Label + "/" + it.ID
		b, err := c.bytes("/api/datasets/"+url.PathEscape(s.Dataset)+"/items/"+url.PathEscape(it.ID)+"/image", it.Bytes)
		return name, b, err
	}
	ev, err := train.EvalImages(context.Background(), m, set)
	if err != nil {
		return nil, err
	}
	ev.Data, ev.Manifest, ev.Limit, ev.Seed, ev.CreatedAt = src, s.Manifest, s.Limit, s.Seed, time.Now().UTC()
	return ev, nil
}

// bytes returns the body of GET path, which must be size bytes.
func (c *client) bytes(path string, size int64) ([]byte, error) {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.roundTrip(req, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, size+1))
	if err == nil && int64(len(b)) != size {
		err = fmt.Errorf("GET %s: %d bytes, expected %d", path, len(b), size)
	}
	return b, err
}

// printEvaluation prints an evaluation on a dataset: the labels with their
// counts, the labels the model does not know, the metrics and the
// confusion matrix.
func printEvaluation(e *env, modelName string, ev *api.Evaluation) {
	fmt.Fprintf(e.stdout, "%s on %s: %d images scored (at most %d per label, seed %d)\n\n", modelName, ev.Data, ev.Rows, ev.Limit, ev.Seed)
	rows := [][]string{{"LABEL", "STORED", "SAMPLED", "CORRECT", "ACCURACY"}}
	for _, l := range ev.Labels {
		if !l.Known {
			rows = append(rows, []string{l.Label, fmt.Sprint(l.Stored), fmt.Sprint(l.Sampled), "-", "not a class of the model"})
			continue
		}
		acc := "-"
		if l.Sampled > 0 {
			acc = fmtMetric(float64(l.Correct)/float64(l.Sampled), true)
		}
		rows = append(rows, []string{l.Label, fmt.Sprint(l.Stored), fmt.Sprint(l.Sampled), fmt.Sprint(l.Correct), acc})
	}
	table(e.stdout, rows)
	if len(ev.Unknown) > 0 {
		fmt.Fprintf(e.stdout, "\nnot scored: the model's classes (%s) do not include %s\n", strings.Join(ev.Classes, ", "), strings.Join(ev.Unknown, ", "))
	}
	fmt.Fprintln(e.stdout)
	mrows := [][]string{{"metric", "value"}}
	for _, k := range sortedKeys(ev.Metrics) {
		v := ev.Metrics[k]
		mrows = append(mrows, []string{k, fmtMetric(deref(v), v != nil)})
	}
	table(e.stdout, mrows)
	for _, n := range ev.Notes {
		fmt.Fprintln(e.stdout, "note:", n)
	}
	if ev.Confusion != nil {
		printConfusion(e.stdout, "confusion matrix (rows true, columns predicted)", ev.Classes, ev.Confusion)
	}
	fmt.Fprintf(e.stdout, "\nmanifest %s\n", ev.Manifest)
}

func deref(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}
