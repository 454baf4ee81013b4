package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fuzzers call the server's handler in process (no sockets): one
// server per fuzzing process, with the models the predict bodies go to.

// fuzzModels are the models a predict fuzz input may address (its first
// byte chooses): a scaled logistic regression (no nulls allowed), a
// pipeline with an imputer (nulls allowed) and a network on 8x8 images.
var fuzzModels = []string{"iris-lr", "iris-imp", "corners"}

// serve sends one request to s's handler as from the loopback and returns
// the recorded response.
func serve(s *Server, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Host = "127.0.0.1"
	req.RemoteAddr = "127.0.0.1:40000"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// fuzzServer starts a server in a temporary folder; with models, it trains
// fuzzModels first.
func fuzzServer(f *testing.F, models bool) *Server {
	f.Helper()
	ctx := context.Background()
	s, err := New(ctx, Config{DataDir: f.TempDir(), Workers: 1})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	if !models {
		return s
	}
	for _, class := range []string{"br", "tl"} {
		dir := filepath.Join(s.filesDir, "corners", class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			f.Fatal(err)
		}
		for i := 0; i < 8; i++ {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.png", i)), cornerPNG(nil, class, i), 0o644); err != nil {
				f.Fatal(err)
			}
		}
	}
	for _, spec := range []string{
		irisSpec,
		`{"name": "iris-imp", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "SimpleImputer"}], "model": {"class": "GaussianNB"}}`,
		`{"name": "corners", "seed": 1, "data": {"train": "corners"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 2}`,
	} {
		rec := serve(s, "POST", "/api/runs", "application/json", []byte(spec))
		if rec.Code != http.StatusAccepted {
			f.Fatalf("POST /api/runs = %d %s", rec.Code, rec.Body)
		}
		var c struct{ ID string }
		json.Unmarshal(rec.Body.Bytes(), &c)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			rec := serve(s, "GET", "/api/runs/"+c.ID, "", nil)
			var run struct{ Status, Error string }
			json.Unmarshal(rec.Body.Bytes(), &run)
			if run.Status == "succeeded" {
				break
			}
			if run.Status == "failed" || time.Now().After(deadline) {
				f.Fatalf("run %s: %s %s", c.ID, run.Status, run.Error)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return s
}

// checkAnswer fails when a response is a 500 (a panic or an internal
// error), an unexpected status, or an error without a message.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, ok int, allowed ...int) {
	t.Helper()
	if rec.Code == ok {
		return
	}
	for _, a := range allowed {
		if rec.Code == a {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%d without an error message: %s", rec.Code, rec.Body)
			}
			return
		}
	}
	t.Fatalf("status %d: %s", rec.Code, rec.Body)
}

// strictJSON checks b the way the predict decoder must: one JSON value,
// nothing after it but white space, no object with a key twice, and no
// null inside rows or instances (the value of a row's "target" aside)
// unless nullsOK. It returns "" when b passes, or what is wrong.
func strictJSON(b []byte, nullsOK bool) string {
	if !json.Valid(b) {
		return "not one valid JSON value"
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	// value reads one value; data says it is inside rows or instances.
	var value func(depth int, data bool) string
	value = func(depth int, data bool) string {
		tok, err := dec.Token()
		if err != nil {
			return err.Error()
		}
		switch tok {
		case json.Delim('{'):
			keys := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err.Error()
				}
				k := kt.(string)
				if keys[k] {
					return fmt.Sprintf("key %q twice", k)
				}
				keys[k] = true
				child := data
				switch {
				case depth == 0:
					child = k == "rows" || k == "instances"
				case data && k == "target":
					child = false // the target is skipped, whatever it is
				}
				if why := value(depth+1, child); why != "" {
					return why
				}
			}
			dec.Token()
		case json.Delim('['):
			for dec.More() {
				if why := value(depth+1, data); why != "" {
					return why
				}
			}
			dec.Token()
		case nil:
			if data && !nullsOK {
				return "null feature"
			}
		}
		return ""
	}
	return value(0, false)
}

// predictSeeds are predict bodies for each model: good ones, and each way
// a body must be refused (null features, duplicate keys, text after the
// value, wrong types, truncation, overflow, bad images).
func predictSeeds() map[string][]string {
	const row = `"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2`
	table := []string{
		`{"rows": [{` + row + `}]}`,
		`{"rows": [{` + row + `, "target": "setosa"}], "proba": true}`,
		`{"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], "proba": false}`,
		`{"rows": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": null}]}`,
		`{"instances": [[5.1, null, 1.4, 0.2]]}`,
		`{"instances": [null]}`,
		`{"rows": [null]}`,
		`{"rows": [{` + row + `, "petal_width": 9}]}`,
		`{"rows": [{` + row + `, "target": 1, "target": 2}]}`,
		`{"instances": [[1,2,3,4]], "instances": [[1,2,3,4]]}`,
		`{"instances": [[1,2,3,4]], "proba": true, "proba": false}`,
		`{"instances": [[5.1, 3.5, 1.4, 0.2]]} x`,
		`{"instances": [[5.1, 3.5, 1.4, 0.2]]}{}`,
		`{"instances": [[5.1, 3.5, 1.4, 0.2]]}null`,
		"{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}\n \n",
		`{"instances": [[5.1, "3.5", 1.4, 0.2]]}`,
		`{"instances": [[5.1, 1e999, 1.4, 0.2]]}`,
		`{"instances": [[1, 2, 3, 4, 5]]}`,
		`{"instances": [[1, 2, 3]]}`,
		`{"rows": [], "instances": []}`,
		`{"rows": null}`,
		`{"instances": [[1,2,3,4]], "proba": "yes"}`,
		`{"images": []}`,
		`[1]`,
		`{"instances": [[1,2,3,4]]`,
		`{"rows": [{"unknown": 1}]}`,
		``,
		`null`,
		`{"\u0072ows": [{` + row + `}], "rows": []}`,
	}
	png := base64.StdEncoding.EncodeToString(cornerPNG(nil, "tl", 99))
	images := []string{
		`{"images": ["` + png + `"], "proba": true}`,
		`{"images": ["` + png + `", "` + png + `"]}`,
		`{"images": ["%%%"]}`,
		`{"images": ["aGVsbG8="]}`,
		`{"images": [null]}`,
		`{"images": ["` + png + `"], "images": []}`,
		`{"images": ["` + png + `"]} []`,
		`{"instances": [[1]]}`,
		`{"images": "` + png + `"}`,
	}
	for _, name := range []string{"huge.png", "truncated.png", "notanimage.png", "partial.gif", "q420.jpg"} {
		if b, err := os.ReadFile(filepath.Join("..", "data", "images", "testdata", name)); err == nil {
			images = append(images, `{"images": ["`+base64.StdEncoding.EncodeToString(b)+`"]}`)
		}
	}
	return map[string][]string{"iris-lr": table, "iris-imp": table, "corners": images}
}

// FuzzPredictJSON posts fuzzed predict bodies to the models of
// fuzzModels (the first byte of the input chooses). Every answer is a
// prediction or a 4xx with a message, never a 500; and a body that is
// answered 200 is strict JSON: one value with nothing after it, no key
// twice, and no null feature unless the model imputes them.
func FuzzPredictJSON(f *testing.F) {
	s := fuzzServer(f, true)
	seeds := predictSeeds()
	for i, name := range fuzzModels {
		for _, b := range seeds[name] {
			f.Add(byte(i), []byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, which byte, body []byte) {
		name := fuzzModels[int(which)%len(fuzzModels)]
		rec := serve(s, "POST", "/api/models/"+name+"/predict", "application/json", body)
		checkAnswer(t, rec, http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
		if rec.Code != http.StatusOK {
			return
		}
		if why := strictJSON(body, name == "iris-imp"); why != "" {
			t.Fatalf("model %s answered 200 to a body that is not strict (%s): %q", name, why, body)
		}
		var out struct{ Predictions []any }
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Predictions == nil {
			t.Fatalf("200 without predictions: %s", rec.Body)
		}
	})
}

// TestStrictJSONOracle checks FuzzPredictJSON's oracle on the seeds whose
// verdict is known.
func TestStrictJSONOracle(t *testing.T) {
	for _, c := range []struct {
		body    string
		nullsOK bool
		want    string
	}{
		{`{"instances": [[5.1, 3.5, 1.4, 0.2]]}`, false, ""},
		{"{\"instances\": [[1]]}\n ", false, ""},
		{`{"instances": [[5.1, null]]}`, false, "null feature"},
		{`{"instances": [[5.1, null]]}`, true, ""},
		{`{"rows": [{"a": null}]}`, false, "null feature"},
		{`{"proba": null}`, false, ""},
		{`{"rows": [{"a": 1, "target": null}]}`, false, ""},
		{`{"rows": [{"a": 1, "target": [null]}], "x": {"a": 1, "b": {"a": 2}}}`, false, ""},
		{`{"rows": [{"a": 1, "a": 2}]}`, false, `key "a" twice`},
		{`{"rows": [], "\u0072ows": []}`, false, `key "rows" twice`},
		{`{"instances": []} x`, false, "not one valid JSON value"},
		{`{}{}`, false, "not one valid JSON value"},
	} {
		if got := strictJSON([]byte(c.body), c.nullsOK); got != c.want {
			t.Errorf("strictJSON(%s, %v) = %q, want %q", c.body, c.nullsOK, got, c.want)
		}
	}
}

// multipartBody is a form with the given parts (field name, file name,
// content; an empty file name makes a plain field), with the boundary
// "fuzzboundary".
func multipartBody(parts ...[3]string) []byte {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.SetBoundary("fuzzboundary")
	for _, p := range parts {
		if p[1] == "" {
			w.WriteField(p[0], p[2])
			continue
		}
		fw, _ := w.CreateFormFile(p[0], p[1])
		io.WriteString(fw, p[2])
	}
	w.Close()
	return b.Bytes()
}

// FuzzUpload posts fuzzed multipart bodies to POST /api/files (boundary
// "fuzzboundary", the uploads capped at 64 KiB). Every answer is a stored
// file or a 4xx with a message, never a 500; a stored file is inside the
// uploads folder, has the size the answer gives, and is removed again.
func FuzzUpload(f *testing.F) {
	s := fuzzServer(f, false)
	saved := maxUpload
	maxUpload = 64 << 10
	f.Cleanup(func() { maxUpload = saved })
	const csv = "a,b,target\n1,2,x\n3,4,y\n"
	f.Add(multipartBody([3]string{"note", "", "ignored"}, [3]string{"file", "small.csv", csv}))
	f.Add(multipartBody([3]string{"file", "z.csv.gz", "\x1f\x8b not really"}))
	f.Add(multipartBody([3]string{"file", "../escape.csv", csv}))
	f.Add(multipartBody([3]string{"file", "sub/dir.csv", csv}))
	f.Add(multipartBody([3]string{"file", ".hidden.csv", csv}))
	f.Add(multipartBody([3]string{"file", "notcsv.txt", csv}))
	f.Add(multipartBody([3]string{"file", "empty.csv", ""}))
	f.Add(multipartBody([3]string{"other", "x.csv", csv}))
	f.Add(multipartBody([3]string{"file", "big.csv", strings.Repeat("1,2,3\n", 12<<10)}))
	f.Add(multipartBody())
	f.Add([]byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.csv\"\r\n\r\na,b\n1,2"))
	f.Add([]byte("not multipart"))
	paths, _ := filepath.Glob(filepath.Join("..", "data", "testdata", "bad", "*.csv*"))
	for _, p := range paths {
		if strings.HasSuffix(p, ".err") {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(multipartBody([3]string{"file", filepath.Base(p), string(b)}))
		}
	}
	uploads := filepath.Join(s.filesDir, uploadDir)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := serve(s, "POST", "/api/files?overwrite=1", "multipart/form-data; boundary=fuzzboundary", body)
		checkAnswer(t, rec, http.StatusCreated, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
		if rec.Code != http.StatusCreated {
			return
		}
		var up struct {
			Path string
			Size int64
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil {
			t.Fatalf("201 with %s: %v", rec.Body, err)
		}
		p := filepath.Join(s.filesDir, filepath.FromSlash(up.Path))
		if filepath.Dir(p) != uploads {
			t.Fatalf("stored as %s, outside %s", up.Path, uploadDir)
		}
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || st.Size() != up.Size || up.Size > maxUpload {
			t.Fatalf("stored %s (%d bytes): %v %v", up.Path, up.Size, st, err)
		}
		os.Remove(p)
	})
}
