package server

import (
	"encoding/base64"
	"fmt"
	"github.com/mlforge/mlforge/ml"
	"math"
	"net/http"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/model"
)

// maxPredictRows caps the rows of one predict request.
const maxPredictRows = 100_000

// predictMatrix builds the feature matrix of a predict request, matching
// named columns to the model's features.
func predictMatrix(m *model.Model, req *predictRequest) (*mat.Dense, error) {
	feats := m.FeatureNames()
	bad := func(format string, args ...any) error {
		return errorf(http.StatusBadRequest, "bad_request", format, args...)
	}
	n := len(req.Rows) + len(req.Instances)
	switch {
	case len(req.Rows) > 0 && len(req.Instances) > 0:
		return nil, bad("give rows or instances, not both")
	case n == 0:
		return nil, bad("no rows: expected {\"rows\": [{\"column\": number, ...}]} or {\"instances\": [[number, ...]]}")
	case n > maxPredictRows:
		return nil, bad("%d rows exceed the limit of %d per request", n, maxPredictRows)
	}
	if m.IsNetwork() && m.Net.Manifest.Data != "table" {
		return nil, bad("model %q was trained on images: send {\"images\": [...]}", m.Manifest.Name)
	}
	X := mat.NewDense(n, len(feats), nil)
	for i, row := range req.Instances {
		if len(row) != len(feats) {
			return nil, bad("instances[%d] has %d values, the model expects %d (%s)", i, len(row), len(feats), strings.Join(feats, ", "))
		}
		X.SetRow(i, row)
	}
	pos := make(map[string]int, len(feats))
	for j, f := range feats {
		pos[f] = j
	}
	for i, row := range req.Rows {
		for k := range row {
			if _, ok := pos[k]; !ok && k != m.Manifest.Target {
				return nil, bad("rows[%d]: unknown column %q; the model's columns are %s", i, k, strings.Join(feats, ", "))
			}
		}
		var missing []string
		for j, f := range feats {
			v, ok := row[f]
			if !ok {
				missing = append(missing, f)
				continue
			}
			X.Set(i, j, v)
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return nil, bad("rows[%d]: missing column(s) %s", i, strings.Join(missing, ", "))
		}
	}
	raw := X.RawMatrix().Data
	for k, v := range raw {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, bad("row %d, column %q: %v is not a finite number", k/len(feats), feats[k%len(feats)], v)
		}
	}
	return X, nil
}

// maxPredictImages caps the images of one predict request.
const maxPredictImages = 1000

// predictImages decodes the base64 images of a request for an image network.
func predictImages(m *model.Model, req *predictRequest) (*model.Prediction, error) {
	bad := func(format string, args ...any) error {
		return errorf(http.StatusBadRequest, "bad_request", format, args...)
	}
	switch {
	case len(req.Rows) > 0 || len(req.Instances) > 0:
		return nil, bad("model %q was trained on images: send {\"images\": [\"<base64 PNG, JPEG or GIF>\", ...]}", m.Manifest.Name)
	case len(req.Images) == 0:
		return nil, bad("no images: expected {\"images\": [\"<base64 PNG, JPEG or GIF>\", ...]}")
	case len(req.Images) > maxPredictImages:
		return nil, bad("%d images exceed the limit of %d per request", len(req.Images), maxPredictImages)
	}
	names := make([]string, len(req.Images))
	blobs := make([][]byte, len(req.Images))
	for i, s := range req.Images {
		names[i] = fmt.Sprintf("images[%d]", i)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, bad("images[%d] is not base64: %v", i, err)
		}
		blobs[i] = b
	}
	p, err := m.PredictImageBytes(names, blobs, req.Proba)
	if err != nil && ml.IsBadInput(err) {
		return nil, bad("%v", err)
	}
	return p, err
}
