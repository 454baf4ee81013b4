package server

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"testing"
)

func encodeTest(t *testing.T, w, h int, asJPEG bool) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&b, m, nil)
	} else {
		err = png.Encode(&b, m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestThumbnail(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	scenario{name: "create", method: "POST", path: "/api/datasets", body: `{"name": "shapes"}`, status: 201}.run(t, ts.URL)
	if code, body := postArchive(t, ts.URL, "shapes", datasetZip(t, map[string][]byte{
		"wide/1.png": encodeTest(t, 300, 150, false), "tall/1.jpg": encodeTest(t, 100, 400, true), "small/1.png": encodeTest(t, 20, 10, false),
	})); code != 200 {
		t.Fatalf("import = %d %s", code, body)
	}
	var page ItemPage
	json.Unmarshal([]byte(scenario{name: "items", method: "GET", path: "/api/datasets/shapes/items", status: 200}.run(t, ts.URL)), &page)
	ids, shas := map[string]string{}, map[string]string{}
	for _, it := range page.Items {
		ids[it.Label], shas[it.Label] = it.ID, it.SHA256
	}
	get := func(label, query string, header map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", ts.URL+"/api/datasets/shapes/items/"+ids[label]+"/thumbnail"+query, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, c := range []struct {
		label, query, ct, etag string
		w, h                   int
	}{
		{"wide", "?size=128", "image/png", shas["wide"] + "-128", 128, 64},
		{"wide", "", "image/png", shas["wide"] + "-128", 128, 64}, // the default size
		{"tall", "?size=64", "image/jpeg", shas["tall"] + "-64", 16, 64},
		{"small", "?size=512", "image/png", shas["small"] + "-512", 20, 10}, // never enlarged
	} {
		resp, b := get(c.label, c.query, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ct || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			resp.Header.Get("ETag") != `"`+c.etag+`"` || resp.Header.Get("Cache-Control") != "private, max-age=86400" {
			t.Fatalf("%s%s = %d %v %s", c.label, c.query, resp.StatusCode, resp.Header, b)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || "image/"+format != c.ct || cfg.Width != c.w || cfg.Height != c.h {
			t.Fatalf("%s%s: %s %dx%d (%v), want %s %dx%d", c.label, c.query, format, cfg.Width, cfg.Height, err, c.ct, c.w, c.h)
		}
	}
	// Revalidation: the same hash and size is not sent again.
	resp, b := get("wide", "?size=128", map[string]string{"If-None-Match": `"` + shas["wide"] + `-128"`})
	if resp.StatusCode != http.StatusNotModified || len(b) != 0 || resp.Header.Get("ETag") == "" {
		t.Fatalf("If-None-Match = %d %v (%d bytes)", resp.StatusCode, resp.Header, len(b))
	}
	if resp, _ := get("wide", "?size=64", map[string]string{"If-None-Match": `"` + shas["wide"] + `-128"`}); resp.StatusCode != 200 {
		t.Fatalf("If-None-Match of another size = %d", resp.StatusCode)
	}
	base := "/api/datasets/shapes/items/" + ids["wide"] + "/thumbnail"
	for _, sc := range []scenario{
		{name: "above the cap", method: "GET", path: base + "?size=513", status: 400, contain: []string{`"field":"size"`, `from 16 to 512`}},
		{name: "below the floor", method: "GET", path: base + "?size=15", status: 400, contain: []string{`"field":"size"`}},
		{name: "not a number", method: "GET", path: base + "?size=big", status: 400, contain: []string{`"field":"size"`}},
		{name: "bad id", method: "GET", path: "/api/datasets/shapes/items/..%2f..%2fx/thumbnail", status: 404, contain: []string{`no item`}},
		{name: "no item", method: "GET", path: "/api/datasets/shapes/items/0000000000000aaaaaaaa/thumbnail", status: 404, contain: []string{`no item`}},
		{name: "no dataset", method: "GET", path: "/api/datasets/nope/items/" + ids["wide"] + "/thumbnail", status: 404},
	} {
		sc.run(t, ts.URL)
	}
}
