package server

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// datasetPNG encodes a small image that differs with seed.
func datasetPNG(t *testing.T, seed int) []byte {
	m := image.NewGray(image.Rect(0, 0, 12, 10))
	for i := range m.Pix {
		m.Pix[i] = uint8((i*seed*7 + seed*31) % 256)
		if (i/(seed+1))%2 == 0 {
			m.Pix[i] = 255 - m.Pix[i]
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func datasetZip(t *testing.T, files map[string][]byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	return b.Bytes()
}

// postArchive posts archive to the import route of dataset name.
func postArchive(t *testing.T, base, name string, archive []byte) (int, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "archive.zip")
	fw.Write(archive)
	mw.Close()
	resp, err := http.Post(base+"/api/datasets/"+name+"/import", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDatasetAPI(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			_, ts := newTestServer(t, backend, "")
			for _, sc := range []scenario{
				{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "pets", "description": "cats and dogs"}`, status: 201, contain: []string{`"name":"pets"`, `"kind":"images"`}},
				{name: "again", method: "POST", path: "/api/datasets", body: `{"name": "pets"}`, status: 409, contain: []string{`exists already`}},
				{name: "bad name", method: "POST", path: "/api/datasets", body: `{"name": "../x"}`, status: 400, contain: []string{`is not valid`}},
				{name: "bad kind", method: "POST", path: "/api/datasets", body: `{"name": "t", "kind": "table"}`, status: 400, contain: []string{`only \"images\"`}},
				{name: "unknown field", method: "POST", path: "/api/datasets", body: `{"name": "t", "path": "/etc"}`, status: 400, contain: []string{`unknown field`}},
				{name: "missing", method: "GET", path: "/api/datasets/nope", status: 404, contain: []string{`no dataset \"nope\"`}},
				{name: "bad name in path", method: "GET", path: "/api/datasets/a%20b", status: 400, contain: []string{`is not valid`}},
			} {
				sc.run(t, ts.URL)
			}
			cat, dog := datasetPNG(t, 1), datasetPNG(t, 2)
			code, body := postArchive(t, ts.URL, "pets", datasetZip(t, map[string][]byte{
				"cat/1.png": cat, "cat/copy.png": cat, "dog/1.png": dog, "dog/bad.png": []byte("not a png"),
			}))
			if code != 200 || !strings.Contains(body, `"added":2`) || !strings.Contains(body, `"duplicates":1`) || !strings.Contains(body, `unsupported image format`) {
				t.Fatalf("import = %d %s", code, body)
			}
			code, body = postArchive(t, ts.URL, "pets", datasetZip(t, map[string][]byte{"cat/../../x.png": cat}))
			if code != 400 || !strings.Contains(body, `it leaves the archive`) {
				t.Fatalf("import of ../ = %d %s", code, body)
			}
			if code, body = postArchive(t, ts.URL, "nope", datasetZip(t, map[string][]byte{"a/1.png": cat})); code != 404 {
				t.Fatalf("import into a missing dataset = %d %s", code, body)
			}
			old := maxImport
			maxImport = 100
			code, body = postArchive(t, ts.URL, "pets", datasetZip(t, map[string][]byte{"a/1.png": cat}))
			maxImport = old
			if code != 413 {
				t.Fatalf("import over the cap = %d %s", code, body)
			}
			scenario{name: "get", method: "GET", path: "/api/datasets/pets", status: 200, contain: []string{`"items":2`, `"labels":[{"label":"cat","items":1},{"label":"dog","items":1}]`}}.run(t, ts.URL)
			scenario{name: "list", method: "GET", path: "/api/datasets", status: 200, contain: []string{`"name":"pets"`}}.run(t, ts.URL)

			var page ItemPage
			json.Unmarshal([]byte(scenario{name: "items", method: "GET", path: "/api/datasets/pets/items?label=dog&limit=1", status: 200}.run(t, ts.URL)), &page)
			if len(page.Items) != 1 || page.Items[0].Label != "dog" || page.Next == "" {
				t.Fatalf("items page = %+v", page)
			}
			scenario{name: "items after", method: "GET", path: "/api/datasets/pets/items?label=dog&after=" + page.Next, status: 200, contain: []string{`"items":[]`}}.run(t, ts.URL)
			scenario{name: "bad limit", method: "GET", path: "/api/datasets/pets/items?limit=0", status: 400, contain: []string{`limit`}}.run(t, ts.URL)
			scenario{name: "bad cursor", method: "GET", path: "/api/datasets/pets/items?after=x'", status: 400}.run(t, ts.URL)
			id := page.Items[0].ID
			resp, err := http.Get(ts.URL + "/api/datasets/pets/items/" + id + "/image")
			if err != nil {
				t.Fatal(err)
			}
			img, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(img, dog) {
				t.Fatalf("image = %d %v (%d bytes)", resp.StatusCode, resp.Header, len(img))
			}
			scenario{name: "no item", method: "GET", path: "/api/datasets/pets/items/0000000000000aaaaaaaa/image", status: 404}.run(t, ts.URL)
			scenario{name: "relabel", method: "POST", path: "/api/datasets/pets/items/" + id + "/label", body: `{"label": "puppy"}`, status: 200, contain: []string{`"label":"puppy"`}}.run(t, ts.URL)
			scenario{name: "bad label", method: "POST", path: "/api/datasets/pets/items/" + id + "/label", body: `{"label": "a/b"}`, status: 400, contain: []string{`label \"a/b\" is not valid`}}.run(t, ts.URL)

			resp, err = http.Get(ts.URL + "/api/datasets/pets/export")
			if err != nil {
				t.Fatal(err)
			}
			exp, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			zr, err := zip.NewReader(bytes.NewReader(exp), int64(len(exp)))
			if err != nil || resp.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("export: %v (%v)", err, resp.Header)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name[:strings.IndexByte(f.Name, '/')])
			}
			sort.Strings(names)
			if fmt.Sprint(names) != "[cat puppy]" {
				t.Fatalf("export folders = %v", names)
			}
			scenario{name: "fsck", method: "GET", path: "/api/fsck", status: 200, contain: []string{`"items":2`, `"blobs":2`, `"missing":[]`, `"unreferenced":[]`}}.run(t, ts.URL)
			scenario{name: "delete item", method: "DELETE", path: "/api/datasets/pets/items/" + id, status: 204}.run(t, ts.URL)
			scenario{name: "fsck after", method: "GET", path: "/api/fsck", status: 200, contain: []string{`"items":1`, `"blobs":1`}}.run(t, ts.URL)
			scenario{name: "delete", method: "DELETE", path: "/api/datasets/pets", status: 204}.run(t, ts.URL)
			scenario{name: "deleted", method: "DELETE", path: "/api/datasets/pets", status: 404}.run(t, ts.URL)
			scenario{name: "fsck empty", method: "POST", path: "/api/fsck?repair=1", status: 200, contain: []string{`"items":0`, `"blobs":0`}}.run(t, ts.URL)
		})
	}
}

// TestDatasetTraining trains a small CNN from a stored dataset, on both
// backends: "dataset:NAME" opens the dataset through the server's store.
func TestDatasetTraining(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			_, ts := newTestServer(t, backend, "")
			scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "corners"}`, status: 201}.run(t, ts.URL)
			files := map[string][]byte{}
			for _, class := range []string{"br", "tl"} {
				for i := 0; i < 16; i++ {
					files[fmt.Sprintf("%s/%d.png", class, i)] = cornerPNG(t, class, i)
				}
			}
			code, body := postArchive(t, ts.URL, "corners", datasetZip(t, files))
			if code != 200 || !strings.Contains(body, `"added":32`) {
				t.Fatalf("import = %d %s", code, body)
			}
			var rep struct{ Manifest string }
			json.Unmarshal([]byte(body), &rep)
			spec := `{"name": "corners-cnn", "seed": 1, "data": {"train": "dataset:corners"}, "transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
				"model": {"layers": [{"type": "Conv2d", "in_channels": "auto", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
					{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
				"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 10}`
			out := scenario{name: "train", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, ts.URL)
			var created struct{ ID string }
			json.Unmarshal([]byte(out), &created)
			done := waitStatus(t, ts.URL, created.ID, "succeeded")
			// The run names the exact images it saw: the manifest the
			// import reported.
			if !strings.Contains(done, `"accuracy"`) || rep.Manifest == "" || !strings.Contains(done, `"data_manifest":"`+rep.Manifest+`"`) {
				t.Fatalf("run: %s (manifest %s)", done, rep.Manifest)
			}
			for _, sc := range []scenario{
				{name: "labels", method: "POST", path: "/api/validate", body: strings.Replace(spec, "dataset:corners", "dataset:corners:br,tl", 1), status: 200},
				{name: "no dataset", method: "POST", path: "/api/validate", body: strings.Replace(spec, "dataset:corners", "dataset:nope", 1), status: 400, contain: []string{`no dataset \"nope\"`}},
				{name: "no label", method: "POST", path: "/api/validate", body: strings.Replace(spec, "dataset:corners", "dataset:corners:cat", 1), status: 400, contain: []string{`no items labelled \"cat\"`}},
			} {
				sc.run(t, ts.URL)
			}
		})
	}
}
