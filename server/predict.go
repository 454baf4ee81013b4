package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/model"
)

// Limits of one predict request.
const (
	// maxPredictRows caps the rows (or instances) of one request.
	maxPredictRows = 100_000
	// maxPredictImages caps the images of one request.
	maxPredictImages = 1000
	// predictChunk rows, or predictImageChunk images, are predicted at a
	// time, so that a request whose client has gone stops within a chunk.
	predictChunk      = 4096
	predictImageChunk = 64
)

// predictInput is a decoded predict request: the feature matrix of rows
// or instances (n × features, row-major), or encoded images.
type predictInput struct {
	n      int
	data   []float64
	names  []string
	images [][]byte
	proba  bool
	// reconstruct asks an autoencoder for reconstructions rather than
	// latent codes.
	reconstruct bool
}

// predictDecoder reads a predict body as a stream of JSON tokens, checking
// each row against the model and the limits as it comes, so that memory
// stays proportional to what the limits allow, never to the body. The
// syntax is as strict as a spec's: one object, no duplicate keys, nothing
// after it; a feature may be null only when the model imputes NaN.
type predictDecoder struct {
	dec     *json.Decoder
	m       *model.Model
	feats   []string
	pos     map[string]int
	imputes bool
	text    []map[string]int // by feature: a text column's codes, nil for a number
	refuse  []bool           // by feature: its encoder refuses unknown strings
	images  bool             // the model is a network trained on images
	pixels  int64            // pixel budget of the request
	in      predictInput
}

// predictUsage is what a predict body looks like, for error messages.
const predictUsage = `expected {"rows": [{"column": number, ...}]} or {"instances": [[number, ...]]}`

// predictImagesUsage is the same for networks trained on images.
const predictImagesUsage = `expected {"images": ["<base64 PNG, JPEG or GIF>", ...]}`

func badRequest(format string, args ...any) error {
	return errorf(http.StatusBadRequest, "bad_request", format, args...)
}

// decodePredict reads the body of a predict request for model m.
func decodePredict(r io.Reader, m *model.Model, pixelBudget int64) (*predictInput, error) {
	if m.IsGAN() {
		return nil, badRequest("model %q is a GAN: it predicts nothing; its runs save a grid of generated samples per epoch (GET /api/runs/{id}/samples)", m.Manifest.Name)
	}
	d := &predictDecoder{dec: json.NewDecoder(r), m: m, feats: m.FeatureNames(), imputes: imputesNaN(m),
		images: m.IsNetwork() && m.Net.Manifest.Data != "table", pixels: pixelBudget}
	d.pos = make(map[string]int, len(d.feats))
	for j, f := range d.feats {
		d.pos[f] = j
	}
	if !m.IsNetwork() {
		for j, c := range m.Manifest.Features {
			if c.Type != "text" || j >= len(d.feats) {
				continue
			}
			if d.text == nil {
				d.text = make([]map[string]int, len(d.feats))
				d.refuse = make([]bool, len(d.feats))
			}
			d.refuse[j] = m.RefusesUnknown(c.Name)
			d.text[j] = make(map[string]int, len(c.Categories))
			for k, s := range c.Categories {
				d.text[j][s] = k
			}
		}
	}
	if err := d.object(); err != nil {
		return nil, err
	}
	return &d.in, nil
}

// imputesNaN reports whether m's pipeline fills in NaN (a SimpleImputer
// whose missing_values is NaN, its default), so that null features may be
// sent.
func imputesNaN(m *model.Model) bool {
	for _, st := range m.Manifest.Preprocess {
		if st.Class != "SimpleImputer" {
			continue
		}
		var p struct {
			MissingValues *float64 `json:"missing_values"`
		}
		if len(st.Params) == 0 || json.Unmarshal(st.Params, &p) == nil && p.MissingValues == nil {
			return true
		}
	}
	return false
}

// token reads the next token; what names the value being read.
func (d *predictDecoder) token(what string) (json.Token, error) {
	t, err := d.dec.Token()
	if err == nil {
		return t, nil
	}
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "the body exceeds %d bytes", mbe.Limit)
	case errors.As(err, &ne) && ne.Timeout():
		return nil, errorf(http.StatusRequestTimeout, "timeout", "the body was not sent in time")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, badRequest("body: the JSON ends early, in %s; %s", what, d.usage())
	}
	return nil, badRequest("body: %v, at byte %d (in %s); %s", err, d.dec.InputOffset(), what, d.usage())
}

func (d *predictDecoder) usage() string {
	if d.images {
		return predictImagesUsage
	}
	return predictUsage
}

// delim reads the next token and checks that it is want ('{' or '[').
func (d *predictDecoder) delim(want json.Delim, what string) error {
	t, err := d.token(what)
	if err != nil {
		return err
	}
	if t != want {
		kind := "an object"
		if want == '[' {
			kind = "an array"
		}
		return badRequest("%s: expected %s, got %s; %s", what, kind, describeToken(t), d.usage())
	}
	return nil
}

// describeToken names a token for an error message.
func describeToken(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", text.Abbrev(v))
	case float64:
		return fmt.Sprintf("the number %v", v)
	case bool:
		return fmt.Sprintf("%v", v)
	}
	return fmt.Sprintf("%v", t)
}

// object reads the whole body: one object with rows, instances, images
// and proba, each at most once, and nothing after it.
func (d *predictDecoder) object() error {
	if err := d.delim('{', "the body"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for d.dec.More() {
		t, err := d.token("the body")
		if err != nil {
			return err
		}
		key := t.(string) // inside an object, json.Decoder returns keys as strings
		if seen[key] {
			return badRequest("body: the key %q appears twice", text.Abbrev(key))
		}
		seen[key] = true
		switch key {
		case "rows", "instances":
			if d.images {
				return badRequest("model %q was trained on images: send {\"images\": [\"<base64 PNG, JPEG or GIF>\", ...]}", d.m.Manifest.Name)
			}
			if seen["rows"] && seen["instances"] {
				return badRequest("give rows or instances, not both")
			}
			if key == "rows" {
				err = d.rows()
			} else {
				err = d.instances()
			}
		case "images":
			if !d.images {
				return badRequest("model %q was trained on table data, not images: %s", d.m.Manifest.Name, predictUsage)
			}
			err = d.imageList()
		case "proba":
			t, err = d.token("proba")
			if err == nil {
				b, ok := t.(bool)
				if !ok {
					return badRequest("proba: expected true or false, got %s", describeToken(t))
				}
				d.in.proba = b
			}
		case "reconstruct":
			t, err = d.token("reconstruct")
			if err == nil {
				b, ok := t.(bool)
				if !ok {
					return badRequest("reconstruct: expected true or false, got %s", describeToken(t))
				}
				if !d.m.IsAutoencoder() {
					return badRequest("reconstruct: applies to an autoencoder; model %q is not one", d.m.Manifest.Name)
				}
				d.in.reconstruct = b
			}
		default:
			return badRequest("body: unknown key %q; %s, and optionally \"proba\": true", text.Abbrev(key), d.usage())
		}
		if err != nil {
			return err
		}
	}
	if _, err := d.token("the body"); err != nil { // the closing brace
		return err
	}
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, "too_large", "the body exceeds %d bytes", mbe.Limit)
		}
		return badRequest("body: unexpected data after the JSON object, at byte %d", d.dec.InputOffset())
	}
	if d.images {
		if len(d.in.images) == 0 {
			return badRequest("no images: %s", predictImagesUsage)
		}
	} else if d.in.n == 0 {
		return badRequest("no rows: %s", predictUsage)
	}
	return nil
}

// addRow checks the row limit and returns the next row's cells.
func (d *predictDecoder) addRow(what string) ([]float64, error) {
	if d.in.n >= maxPredictRows {
		return nil, errorf(http.StatusRequestEntityTooLarge, "too_large", "%s: more than %d rows, the limit per request", what, maxPredictRows)
	}
	nf := len(d.feats)
	d.in.data = slices.Grow(d.in.data, nf)[:len(d.in.data)+nf]
	d.in.n++
	return d.in.data[len(d.in.data)-nf:], nil
}

// cell reads feature j: a number, or null (NaN) when the model imputes
// it; for a text column, a string (its code in the column's dictionary; a
// string the dictionary lacks gets the next free code, an unknown
// category to the encoder) or null (missing, a category of its own).
func (d *predictDecoder) cell(j int, what string) (float64, error) {
	if d.text == nil || d.text[j] == nil {
		return d.number(what)
	}
	t, err := d.token(what)
	if err != nil {
		return 0, err
	}
	switch v := t.(type) {
	case string:
		dict := d.text[j]
		k, ok := dict[strings.TrimSpace(v)]
		if !ok && d.refuse[j] {
			return 0, badRequest("%s: %q is not one of the strings the model was trained on for %q; its encoder's handle_unknown is \"error\" (use \"ignore\" to accept new ones)",
				what, text.Abbrev(v), text.Abbrev(d.feats[j]))
		}
		if !ok {
			k = len(dict)
			dict[strings.TrimSpace(v)] = k
		}
		return float64(k), nil
	case nil:
		return math.NaN(), nil
	}
	return 0, badRequest("%s: the column %q holds text: expected a string, got %s", what, text.Abbrev(d.feats[j]), describeToken(t))
}

// number reads one feature: a number, or null (NaN) when the model
// imputes it.
func (d *predictDecoder) number(what string) (float64, error) {
	t, err := d.token(what)
	if err != nil {
		return 0, err
	}
	switch v := t.(type) {
	case float64:
		return v, nil
	case nil:
		if d.imputes {
			return math.NaN(), nil
		}
		return 0, badRequest("%s: null, but model %q does not impute missing values (its pipeline has no SimpleImputer): give a number", what, d.m.Manifest.Name)
	}
	return 0, badRequest("%s: expected a number, got %s", what, describeToken(t))
}

// rows reads [{"column": number, ...}, ...]; the target column, if given,
// is skipped.
func (d *predictDecoder) rows() error {
	if err := d.delim('[', "rows"); err != nil {
		return err
	}
	target := d.m.Manifest.Target
	seen := make([]bool, len(d.feats))
	for i := 0; d.dec.More(); i++ {
		what := fmt.Sprintf("rows[%d]", i)
		row, err := d.addRow(what)
		if err != nil {
			return err
		}
		if err := d.delim('{', what); err != nil {
			return err
		}
		clear(seen)
		seenTarget := false
		for d.dec.More() {
			t, err := d.token(what)
			if err != nil {
				return err
			}
			k := t.(string)
			j, ok := d.pos[k]
			switch {
			case !ok && k == target && target != "":
				if seenTarget {
					return badRequest("%s: the column %q appears twice", what, text.Abbrev(k))
				}
				seenTarget = true
				if err := d.skip(what + "." + k); err != nil {
					return err
				}
				continue
			case !ok:
				return badRequest("%s: unknown column %q; the model's columns are %s", what, text.Abbrev(k), strings.Join(d.feats, ", "))
			case seen[j]:
				return badRequest("%s: the column %q appears twice", what, text.Abbrev(k))
			}
			seen[j] = true
			if row[j], err = d.cell(j, what+"."+k); err != nil {
				return err
			}
		}
		if _, err := d.token(what); err != nil { // '}'
			return err
		}
		var missing []string
		for j, ok := range seen {
			if !ok {
				missing = append(missing, d.feats[j])
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return badRequest("%s: missing column(s) %s", what, strings.Join(missing, ", "))
		}
	}
	_, err := d.token("rows") // ']'
	return err
}

// instances reads [[number, ...], ...] in feature order.
func (d *predictDecoder) instances() error {
	if err := d.delim('[', "instances"); err != nil {
		return err
	}
	nf := len(d.feats)
	for i := 0; d.dec.More(); i++ {
		what := fmt.Sprintf("instances[%d]", i)
		row, err := d.addRow(what)
		if err != nil {
			return err
		}
		if err := d.delim('[', what); err != nil {
			return err
		}
		k := 0
		for ; d.dec.More(); k++ {
			if k >= nf {
				return badRequest("%s has more than %d values, the model expects %d (%s)", what, nf, nf, strings.Join(d.feats, ", "))
			}
			if row[k], err = d.cell(k, fmt.Sprintf("%s[%d]", what, k)); err != nil {
				return err
			}
		}
		if k != nf {
			return badRequest("%s has %d values, the model expects %d (%s)", what, k, nf, strings.Join(d.feats, ", "))
		}
		if _, err := d.token(what); err != nil { // ']'
			return err
		}
	}
	_, err := d.token("instances")
	return err
}

// imageList reads ["<base64>", ...], checking each image's size from its
// header against the request's pixel budget before anything is decoded.
func (d *predictDecoder) imageList() error {
	if err := d.delim('[', "images"); err != nil {
		return err
	}
	var pixels int64
	for i := 0; d.dec.More(); i++ {
		what := fmt.Sprintf("images[%d]", i)
		if i >= maxPredictImages {
			return errorf(http.StatusRequestEntityTooLarge, "too_large", "more than %d images, the limit per request", maxPredictImages)
		}
		t, err := d.token(what)
		if err != nil {
			return err
		}
		s, ok := t.(string)
		if !ok {
			return badRequest("%s: expected a base64 string, got %s", what, describeToken(t))
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return badRequest("%s is not base64: %v", what, err)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return badRequest("%s is not a PNG, JPEG or GIF image: %v", what, err)
		}
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return badRequest("%s: a %s image of %dx%d pixels has no pixels", what, format, cfg.Width, cfg.Height)
		}
		pixels += int64(cfg.Width) * int64(cfg.Height)
		if pixels > d.pixels {
			return errorf(http.StatusRequestEntityTooLarge, "too_large",
				"%s (%s, %dx%d): the images up to it hold %d pixels, more than the limit of %d per request; send fewer or smaller images", what, format, cfg.Width, cfg.Height, pixels, d.pixels)
		}
		d.in.names = append(d.in.names, what)
		d.in.images = append(d.in.images, b)
	}
	_, err := d.token("images")
	return err
}

// skip reads one value of any kind.
func (d *predictDecoder) skip(what string) error {
	depth := 0
	for {
		t, err := d.token(what)
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// predictOutput is what a predict request answers.
type predictOutput struct {
	values []float64
	labels []string
	proba  [][]float64 // nil unless asked for
	// rows are the projected rows of a model whose final estimator
	// transforms (PCA, TruncatedSVD): scikit-learn's transform output.
	rows [][]float64
}

// predictInputs predicts a decoded request in chunks, stopping between
// chunks when ctx ends (the client went away or the deadline passed).
func predictInputs(ctx context.Context, m *model.Model, in *predictInput) (*predictOutput, error) {
	out := &predictOutput{}
	add := func(p *model.Prediction) {
		out.values = append(out.values, p.Values...)
		out.labels = append(out.labels, p.Labels...)
		if p.Proba != nil {
			r, c := p.Proba.Dims()
			for i := range r {
				out.proba = append(out.proba, slices.Clone(p.Proba.RawRowView(i)[:c]))
			}
		}
	}
	stopped := func() error {
		if err := ctx.Err(); err != nil {
			return errorf(http.StatusServiceUnavailable, "timeout", "the prediction was stopped: %v", context.Cause(ctx))
		}
		return nil
	}
	if m.IsAutoencoder() && in.proba {
		return nil, badRequest("model %q is an autoencoder: it answers latent codes (or with \"reconstruct\": true reconstructions), no probabilities", m.Manifest.Name)
	}
	addRows := func(Z *mat.Dense) {
		r, c := Z.Dims()
		for k := range r {
			out.rows = append(out.rows, slices.Clone(Z.RawRowView(k)[:c]))
		}
	}
	if in.images != nil {
		for i := 0; i < len(in.images); i += predictImageChunk {
			if err := stopped(); err != nil {
				return nil, err
			}
			j := min(i+predictImageChunk, len(in.images))
			if m.IsAutoencoder() {
				Z, err := m.EncodeImages(in.names[i:j], in.images[i:j], in.reconstruct)
				if err != nil {
					return nil, predictError(err)
				}
				addRows(Z)
				continue
			}
			p, err := m.PredictImageBytes(in.names[i:j], in.images[i:j], in.proba)
			if err != nil {
				return nil, predictError(err)
			}
			add(p)
		}
		return out, nil
	}
	nf := len(m.Manifest.Features)
	if nf == 0 {
		return nil, fmt.Errorf("model %q has no input columns", m.Manifest.Name)
	}
	if !imputesNaN(m) {
		// Defence in depth: the decoder lets no NaN through unless the
		// model imputes it.
		for k, v := range in.data {
			if math.IsNaN(v) {
				return nil, badRequest("row %d, column %q: missing value", k/nf, m.Manifest.Features[k%nf].Name)
			}
		}
	}
	if m.Sequence() != nil {
		// The rows are one series: its windows cross any chunk boundary
		// (the windows' tensor is budgeted by the model).
		p, err := m.Predict(mat.NewDense(max(in.n, 1), nf, padRows(in.data, in.n, nf)), in.proba)
		if err != nil {
			return nil, predictError(err)
		}
		add(p)
		return out, nil
	}
	for i := 0; i < in.n; i += predictChunk {
		if err := stopped(); err != nil {
			return nil, err
		}
		j := min(i+predictChunk, in.n)
		if m.IsAutoencoder() {
			Z, err := m.EncodeRows(mat.NewDense(j-i, nf, in.data[i*nf:j*nf]), in.reconstruct)
			if err != nil {
				return nil, predictError(err)
			}
			addRows(Z)
			continue
		}
		if m.Transforms() {
			if in.proba {
				return nil, badRequest("%s transforms rows and has no predict_proba", m.Manifest.Model.Class)
			}
			Z, err := m.Transform(mat.NewDense(j-i, nf, in.data[i*nf:j*nf]))
			if err != nil {
				return nil, predictError(err)
			}
			r, c := Z.Dims()
			for k := range r {
				out.rows = append(out.rows, slices.Clone(Z.RawRowView(k)[:c]))
			}
			continue
		}
		p, err := m.Predict(mat.NewDense(j-i, nf, in.data[i*nf:j*nf]), in.proba)
		if err != nil {
			return nil, predictError(err)
		}
		add(p)
	}
	return out, nil
}

// padRows returns data, or one row of zeros when there are no rows (a
// mat.Dense cannot be empty; the model then refuses the short series).
func padRows(data []float64, n, nf int) []float64 {
	if n == 0 {
		return make([]float64, nf)
	}
	return data[:n*nf]
}

func predictError(err error) error {
	if event.IsBadInput(err) {
		return badRequest("%v", err)
	}
	return err
}
