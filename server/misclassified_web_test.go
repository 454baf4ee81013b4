package server

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The gallery of misclassified test images after a classification run on
// a stored dataset and on IDX images (the image folder's is in
// TestWebDataAtAGlance): a test part whose "br" class holds 3 pictures of
// the "tl" kind, which any model that learned gets wrong.

// misclassifiedSpec is a small network on 8x8 corner images.
func misclassifiedSpec(name, data, transforms string) string {
	return fmt.Sprintf(`{"name": %q, "seed": 1, "data": %s, "transforms": [%s{"type": "ToTensor"}],
		"model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 15}`, name, data, transforms)
}

type misclassifiedRun struct {
	Result struct {
		Misclassified struct {
			Total   int
			NTest   int `json:"n_test"`
			Dataset string
			Items   []struct {
				File, Item, Image, True, Pred string
				Row                           *int
			}
		} `json:"misclassified"`
	}
}

// trainAndGallery starts spec, waits for it, and returns the run, its id
// and the gallery's items as "true>pred caption", once every picture has
// loaded at width px.
func trainAndGallery(t *testing.T, base, spec string, width int) (misclassifiedRun, string, []string) {
	t.Helper()
	status, out := postJSON(t, base+"/api/runs", spec)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/runs = %d %v", status, out)
	}
	id := out["id"].(string)
	var run misclassifiedRun
	json.Unmarshal([]byte(waitStatus(t, base, id, "succeeded")), &run)
	m := run.Result.Misclassified
	if m.Total != 3 || len(m.Items) != 3 {
		t.Fatalf("misclassified = %+v: want the 3 mislabeled images", m)
	}
	ctx := browser(t)
	var gallery []string
	ready := fmt.Sprintf(`document.querySelectorAll('#misclassified li').length === %d &&
		[...document.querySelectorAll('#misclassified img')].every((i) => i.complete && i.naturalWidth === %d)`, m.Total, width)
	err := chromedp.Run(ctx, chromedp.Navigate(base+"/#/runs/"+id), waitJS(ready),
		chromedp.Evaluate(`[...document.querySelectorAll('#misclassified li')].map((li) => li.dataset.true + '>' + li.dataset.pred + ' ' + li.querySelector('.muted').textContent)`, &gallery),
		axeCheck(t))
	if err != nil {
		t.Fatal(err)
	}
	return run, id, gallery
}

// TestWebMisclassifiedDataset: the gallery of a run on a stored dataset
// shows the dataset's items (their thumbnails, by item id).
func TestWebMisclassifiedDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are left out of -short")
	}
	_, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers")
	}
	train, test := map[string][]byte{}, map[string][]byte{}
	for _, class := range []string{"br", "tl"} {
		for i := 0; i < 12; i++ {
			train[fmt.Sprintf("%s/%02d.png", class, i)] = cornerPNG(t, class, i)
		}
		for i := 0; i < 4; i++ {
			test[fmt.Sprintf("%s/%02d.png", class, i)] = cornerPNG(t, class, 50+i)
		}
	}
	for i := 0; i < 3; i++ {
		test[fmt.Sprintf("br/wrong-%d.png", i)] = cornerPNG(t, "tl", 70+i)
	}
	for name, files := range map[string]map[string][]byte{"corners": train, "corners-test": test} {
		scenario{name: "create " + name, method: "POST", path: "/api/datasets", body: `{"name": "` + name + `"}`, status: 201}.run(t, ts.URL)
		if code, body := postArchive(t, ts.URL, name, datasetZip(t, files)); code != 200 {
			t.Fatalf("import %s = %d %s", name, code, body)
		}
	}
	run, _, gallery := trainAndGallery(t, ts.URL, misclassifiedSpec("corners-ds", `{"train": "dataset:corners", "test": "dataset:corners-test"}`, `{"type": "Grayscale"}, `), 8)
	m := run.Result.Misclassified
	if m.Dataset != "corners-test" {
		t.Errorf("misclassified.dataset = %q, want corners-test", m.Dataset)
	}
	for _, it := range m.Items {
		if it.True != "br" || it.Pred != "tl" || it.Item == "" || !strings.HasPrefix(it.File, "br/"+it.Item) {
			t.Errorf("item %+v: want a br item predicted tl, with its id", it)
		}
		if !strings.Contains(strings.Join(gallery, "|"), "br>tl "+it.Item) {
			t.Errorf("gallery %q lacks item %s as br>tl", gallery, it.Item)
		}
	}
}

// TestWebMisclassifiedIDX: the gallery of a run on IDX images shows the
// test rows it got wrong, drawn from the IDX array as PNGs by the run.
func TestWebMisclassifiedIDX(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are left out of -short")
	}
	s, ts := newTestServer(t, "sqlite", "")
	if !hasNetworks(t, ts.URL) {
		t.Skip("no network layers")
	}
	// Label 0 = "br", 1 = "tl"; the test file's rows 8, 9 and 10 are
	// labelled br with a tl picture.
	var trainImgs, testImgs [][]byte
	var trainLabels, testLabels []byte
	for i := 0; i < 24; i++ {
		class := []string{"br", "tl"}[i%2]
		trainImgs, trainLabels = append(trainImgs, cornerPixels(class, i)), append(trainLabels, byte(i%2))
	}
	for i := 0; i < 8; i++ {
		class := []string{"br", "tl"}[i%2]
		testImgs, testLabels = append(testImgs, cornerPixels(class, 50+i)), append(testLabels, byte(i%2))
	}
	for i := 0; i < 3; i++ {
		testImgs, testLabels = append(testImgs, cornerPixels("tl", 70+i)), append(testLabels, 0)
	}
	dir := filepath.Join(s.filesDir, "corners-idx")
	os.MkdirAll(dir, 0o755)
	for name, b := range map[string][]byte{
		"train-images.idx3-ubyte": idxFile(0x0803, []int{len(trainImgs), 8, 8}, trainImgs),
		"train-labels.idx1-ubyte": idxFile(0x0801, []int{len(trainLabels)}, [][]byte{trainLabels}),
		"test-images.idx3-ubyte":  idxFile(0x0803, []int{len(testImgs), 8, 8}, testImgs),
		"test-labels.idx1-ubyte":  idxFile(0x0801, []int{len(testLabels)}, [][]byte{testLabels}),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := `{"train": {"images": "corners-idx/train-images.idx3-ubyte", "labels": "corners-idx/train-labels.idx1-ubyte"},
		"test": {"images": "corners-idx/test-images.idx3-ubyte", "labels": "corners-idx/test-labels.idx1-ubyte"}}`
	spec := strings.Replace(misclassifiedSpec("corners-idx", data, ""), `"seed": 1,`, `"seed": 1, "labels": ["br", "tl"],`, 1)
	run, id, gallery := trainAndGallery(t, ts.URL, spec, 8)
	want := []string{"br>tl row 8", "br>tl row 9", "br>tl row 10"}
	if strings.Join(gallery, "|") != strings.Join(want, "|") {
		t.Errorf("gallery %q, want %q", gallery, want)
	}
	for k, it := range run.Result.Misclassified.Items {
		if it.Row == nil || *it.Row != 8+k || it.Image != fmt.Sprintf("%03d.png", k) {
			t.Errorf("item %d: %+v", k, it)
		}
	}
	// The route serves only the names the run writes.
	for _, sc := range []scenario{
		{name: "picture", method: "GET", path: "/api/runs/" + id + "/misclassified/000.png", status: 200},
		{name: "not one", method: "GET", path: "/api/runs/" + id + "/misclassified/099.png", status: 404},
		{name: "other name", method: "GET", path: "/api/runs/" + id + "/misclassified/model.safetensors", status: 404},
	} {
		sc.run(t, ts.URL)
	}
}

// cornerPixels is cornerPNG's image as 64 raw gray pixels.
func cornerPixels(class string, i int) []byte {
	px := make([]byte, 64)
	off := 0
	if class == "br" {
		off = 4
	}
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			px[(off+y)*8+off+x] = uint8(200 + (i+x*y)%55)
		}
	}
	return px
}

// idxFile is an uncompressed IDX file of unsigned bytes (magic 0x08xx)
// with dims, its body the concatenation of parts.
func idxFile(magic uint32, dims []int, parts [][]byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
