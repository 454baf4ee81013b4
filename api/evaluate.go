package api

import "time"

// EvaluateRequest is the body of POST /api/runs/{id}/evaluate: test the
// run's model on Limit random stored images of each label of Data
// ("dataset:NAME" or "dataset:NAME:LABEL,LABEL"), drawn with Seed (a
// random seed, reported in the answer, when it is left out).
type EvaluateRequest struct {
	Data  string  `json:"data"`
	Limit int     `json:"limit,omitempty"`
	Seed  *uint64 `json:"seed,omitempty"`
}

// Evaluation is the result of testing a model on a sample of a stored
// dataset: what POST /api/runs/{id}/evaluate answers and records on the
// run, GET /api/runs/{id}/evaluations lists, and mlforge eval prints.
type Evaluation struct {
	ID    string `json:"id,omitempty"`
	RunID string `json:"run_id,omitempty"`
	// Data is the source the sample was drawn from; Manifest the hash of
	// the dataset's item manifest at that time (over the labels sampled).
	Data     string `json:"data"`
	Manifest string `json:"manifest,omitempty"`
	// Limit is the number of images drawn per label (fewer where a label
	// has fewer), Seed the seed that drew them: the same seed on the same
	// dataset draws the same images.
	Limit int    `json:"limit"`
	Seed  uint64 `json:"seed"`
	// Rows is the number of images scored (those of the labels the model
	// knows).
	Rows int `json:"rows"`
	// Metrics are the model's test metrics on the sample, by name; a
	// metric that is not finite is null.
	Metrics map[string]*float64 `json:"metrics"`
	// Labels are the dataset's labels sampled, in order.
	Labels []EvalLabel `json:"labels"`
	// Unknown lists the sampled labels that are not among the model's
	// classes: their images were not scored.
	Unknown []string `json:"unknown_labels,omitempty"`
	// Classes are the model's classes, the order of Confusion's rows
	// (true) and columns (predicted).
	Classes   []string `json:"classes"`
	Confusion [][]int  `json:"confusion,omitempty"`
	// Notes say what could not be computed (a metric undefined on the
	// sample) and why.
	Notes     []string  `json:"notes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// EvalLabel is one label of an evaluation: how many images the dataset
// holds under it, how many were drawn, and how many of those the model
// predicted right (Known false: the model has no such class).
type EvalLabel struct {
	Label   string `json:"label"`
	Stored  int    `json:"stored"`
	Sampled int    `json:"sampled"`
	Correct int    `json:"correct"`
	Known   bool   `json:"known"`
}

// EvaluationList is the answer of GET /api/runs/{id}/evaluations, newest
// first.
type EvaluationList struct {
	Evaluations []Evaluation `json:"evaluations"`
}
