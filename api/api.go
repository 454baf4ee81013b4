// Package api holds the wire types of mlforge's HTTP API: what the server
// sends and what its clients (the CLI's runs commands) read. It depends on
// nothing else in mlforge, so that both sides can import it.
//
// Every type here is JSON; field names and omissions are the API's
// contract, described in the README's table of routes.
package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Status is a run's state: queued, running, succeeded, failed or
// cancelled.
type Status string

// The run states.
const (
	Queued    Status = "queued"
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
	Cancelled Status = "cancelled"
)

// Done reports whether the run has finished (succeeded, failed or
// cancelled).
func (s Status) Done() bool { return s == Succeeded || s == Failed || s == Cancelled }

// Run is a run as GET /api/runs/{id} shows it. In lists (GET /api/runs)
// Spec and Result are left out.
type Run struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Class is the model class, or "Sequential" for a network.
	Class string `json:"class"`
	// Spec is the run's spec, with defaults filled in.
	Spec json.RawMessage `json:"spec,omitempty"`
	// Result is the train result (metrics, timings, model path) once the
	// run has succeeded.
	Result json.RawMessage `json:"result,omitempty"`
	// Error is why the run failed.
	Error string `json:"error,omitempty"`
	// Attempt counts the restarts after the server stopped during the run
	// (0 for the first attempt).
	Attempt         int        `json:"attempt"`
	CancelRequested bool       `json:"cancel_requested,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	StartedAt       *time.Time `json:"started_at,omitempty"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	HeartbeatAt     *time.Time `json:"heartbeat_at,omitempty"`
	// Params are the model's parameters as the spec gives them.
	Params json.RawMessage `json:"params,omitempty"`
	// Metrics are the final test metrics by name.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// DurationS is the training time in seconds so far (running) or in
	// all (finished).
	DurationS *float64 `json:"duration_s,omitempty"`
	// Dataset is the spec's training data (data.train).
	Dataset string `json:"dataset,omitempty"`
	// Note and Tags are what people wrote on the run (PATCH
	// /api/runs/{id}, PUT /api/runs/{id}/tags/{key}).
	Note string            `json:"note,omitempty"`
	Tags map[string]string `json:"tags,omitempty"`
	// A sweep (a search or cross-validation whose trials train as child
	// runs): ParentID and ChildIndex place a child in its parent;
	// Children are a parent's, by index (GET /api/runs/{id} only).
	ParentID   string     `json:"parent_id,omitempty"`
	ChildIndex *int       `json:"child_index,omitempty"`
	Children   []ChildRun `json:"children,omitempty"`
	// Sweep counts a parent's children, in the runs table (GET /api/runs).
	Sweep *SweepCounts `json:"sweep,omitempty"`
}

// SweepCounts are a sweep parent's children as the runs table lists them:
// Kind is "search" (its children are candidates, "trials") or "cv"
// (folds); Total of them, Done finished (succeeded, failed or cancelled),
// Failed of those failed.
type SweepCounts struct {
	Kind   string `json:"kind"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
}

// ChildRun is one child of a sweep, as its parent lists it: a search
// candidate (Params are its parameters, Metrics its mean_test_score and
// std_test_score) or a cross-validation fold (Metrics its test scores).
type ChildRun struct {
	ID      string             `json:"id"`
	Name    string             `json:"name"`
	Index   int                `json:"index"`
	Status  Status             `json:"status"`
	Params  json.RawMessage    `json:"params,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Error   string             `json:"error,omitempty"`
}

// RunList is the answer of GET /api/runs: one page of runs, newest first
// unless ?sort= says otherwise, and the cursor of the next page (?before=,
// given with the default order only), null on the last page.
//
// Without ?before= the list is a page of the runs table: Total runs match
// the filter in the snapshot AsOf (Unix milliseconds; runs created later
// are not counted and Newer of them match), the page starts at Offset, and
// NextPageToken (?page_token=) gives the next page of the same snapshot.
type RunList struct {
	Runs          []Run   `json:"runs"`
	Next          *string `json:"next"`
	Total         *int    `json:"total,omitempty"`
	Newer         int     `json:"newer,omitempty"`
	AsOf          int64   `json:"as_of,omitempty"`
	Offset        int     `json:"offset,omitempty"`
	NextPageToken string  `json:"next_page_token,omitempty"`
}

// Created is the answer (202) of POST /api/runs.
type Created struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status Status `json:"status"`
}

// Point is one value of a metric series; T is its time in Unix
// milliseconds.
type Point struct {
	Step  int     `json:"step"`
	Epoch int     `json:"epoch"`
	Value float64 `json:"value"`
	T     int64   `json:"t"`
}

// Metrics is the answer of GET /api/runs/{id}/metrics: every series (loss,
// val_loss, lr, test_accuracy, ...) by name.
type Metrics struct {
	RunID  string             `json:"run_id"`
	Status Status             `json:"status"`
	Series map[string][]Point `json:"series"`
}

// The event types of GET /api/runs/{id}/events (the "event:" field of each
// server-sent event; "data:" is the event's JSON). EventEnd closes the
// stream once the run has finished and every event was sent.
const (
	EventStatus   = "status"
	EventProgress = "progress"
	EventMetric   = "metric"
	EventLog      = "log"
	EventEnd      = "end"
)

// Event is one server-sent event of a run's stream: ID is its sequence
// number within the run (send it back as Last-Event-ID to resume), Type
// one of the Event* constants and Data its JSON.
type Event struct {
	ID   int64           `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// End is the data of the EventEnd event.
type End struct {
	Status Status `json:"status"`
}

// Model is one entry of GET /api/models: the newest succeeded run of a
// name, and where to download it and predict with it.
type Model struct {
	Name      string             `json:"name"`
	RunID     string             `json:"run_id"`
	Class     string             `json:"class"`
	CreatedAt time.Time          `json:"created_at"`
	Metrics   map[string]float64 `json:"metrics,omitempty"`
	Download  string             `json:"download"`
	Predict   string             `json:"predict"`
}

// ModelList is the answer of GET /api/models.
type ModelList struct {
	Models []Model `json:"models"`
}

// PredictRequest is the body of POST /api/models/{name}/predict: Rows
// keyed by column name, Instances in feature order, or, for networks
// trained on images, Images as base64 PNG, JPEG or GIF files. A feature
// may be null only when the model's pipeline imputes missing values (a
// SimpleImputer for NaN).
type PredictRequest struct {
	Rows      []map[string]*float64 `json:"rows,omitempty"`
	Instances [][]*float64          `json:"instances,omitempty"`
	Images    []string              `json:"images,omitempty"`
	Proba     bool                  `json:"proba,omitempty"`
}

// PredictResponse is the answer of a predict request. Predictions are
// class labels ([]string) for a classifier, numbers ([]float64) for a
// regressor or a clusterer's cluster, and projected rows ([][]float64) for
// a model that transforms (PCA, TruncatedSVD); Probabilities (with Classes naming their columns) are there
// when the request asked for them.
type PredictResponse struct {
	Model         string      `json:"model"`
	RunID         string      `json:"run_id"`
	Predictions   any         `json:"predictions"`
	Probabilities [][]float64 `json:"probabilities,omitempty"`
	Classes       []string    `json:"classes,omitempty"`
}

// LayerShape is one layer of a validated network: its index, PyTorch type
// and output shape for a batch of one.
type LayerShape struct {
	Index    int    `json:"index"`
	Type     string `json:"type"`
	OutShape []int  `json:"out_shape"`
}

// Validation is the answer (200) of POST /api/validate for a valid spec:
// the spec with its defaults and, for a network, each layer's output
// shape, the input shape of one sample and the number of classes.
type Validation struct {
	Valid      bool            `json:"valid"`
	Spec       json.RawMessage `json:"spec"`
	Layers     []LayerShape    `json:"layers,omitempty"`
	InputShape []int           `json:"input_shape,omitempty"`
	NLabels    int             `json:"n_labels,omitempty"`
	// Deferred says why the checks that need the data wait for the spec's
	// collection step (the dataset lacks labels to collect), if they do.
	Deferred string `json:"deferred,omitempty"`
}

// File is one entry of GET /api/files.
type File struct {
	// Path is relative to the files folder, with "/" separators: what a
	// spec's data.train names.
	Path string `json:"path"`
	// Kind is "csv", "images" (a folder of class subfolders of images) or
	// "idx" (an IDX file, as MNIST's).
	Kind string `json:"kind"`
	Size int64  `json:"size,omitempty"`
	// Classes are an image folder's subfolders and their image counts.
	Classes []ImageClass `json:"classes,omitempty"`
}

// ImageClass is one class subfolder of an image folder.
type ImageClass struct {
	Name   string `json:"name"`
	Images int    `json:"images"`
}

// FileList is the answer of GET /api/files.
type FileList struct {
	Files     []File `json:"files"`
	Truncated bool   `json:"truncated"`
	MaxUpload int64  `json:"max_upload"`
	UploadDir string `json:"upload_dir"`
}

// Upload is the answer (201) of POST /api/files: where the file went,
// relative to the files folder, and the path a spec names it by.
type Upload struct {
	Path     string `json:"path"`
	Size     int64  `json:"size"`
	SpecPath string `json:"spec_path"`
}

// Health is the answer of GET /api/health.
type Health struct {
	Status string `json:"status"`
}

// ErrorBody is every error answer: {"error": {...}}.
type ErrorBody struct {
	Error Error `json:"error"`
}

// Error is an error answer of the API. Code is machine-readable
// (invalid_spec, bad_request, unauthorized, csrf, misdirected, busy,
// too_large, not_found, conflict, internal, ...); Field, when set, names
// the spec field or request parameter at fault, and Details lists every
// problem of an invalid spec. Status is the HTTP status, filled in by
// clients (it is not part of the body).
type Error struct {
	Status  int      `json:"-"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Field   string   `json:"field,omitempty"`
	Details []Detail `json:"details,omitempty"`
}

// Detail is one problem of an invalid spec.
type Detail struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Field != "" && !strings.HasPrefix(e.Message, e.Field) {
		return fmt.Sprintf("%s: %s (HTTP %d)", e.Field, e.Message, e.Status)
	}
	return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
}

// BadInput reports whether the error is the caller's mistake (a 4xx).
func (e *Error) BadInput() bool { return e.Status >= 400 && e.Status < 500 }
