package server

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/api"
)

// upload posts content as the multipart field "file" named filename.
func upload(t *testing.T, base, query, filename, content string, header map[string]string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("note", "ignored")
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/files"+query, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestUploadFile(t *testing.T) {
	s, ts := newTestServer(t, "sqlite", "")
	saved := maxUpload
	maxUpload = 1 << 10
	t.Cleanup(func() { maxUpload = saved })
	const csv = "a,b,target\n1,2,x\n3,4,y\n"
	for _, tc := range []struct {
		name, query, filename, content string
		header                         map[string]string
		status                         int
		contain                        string
	}{
		{"ok", "", "small.csv", csv, nil, 201, `"path":"uploads/small.csv"`},
		{"exists", "", "small.csv", csv, nil, 409, "overwrite=1"},
		{"overwrite", "?overwrite=1", "small.csv", csv + "5,6,x\n", nil, 201, `"size":29`},
		{"gzip name", "", "z.csv.gz", "\x1f\x8b not really", nil, 201, `uploads/z.csv.gz`},
		{"name from query", "?name=renamed.csv", "whatever.csv", csv, nil, 201, `uploads/renamed.csv`},
		{"file name is reduced to its base", "", "../../escape.csv", csv, nil, 201, `uploads/escape.csv`},
		{"too large", "", "big.csv", strings.Repeat("1,2,3\n", 400), nil, 413, "too_large"},
		{"empty", "", "empty.csv", "", nil, 400, "empty"},
		{"not csv", "", "notes.txt", csv, nil, 400, "must end in .csv"},
		{"dot file", "", ".hidden.csv", csv, nil, 400, "bad_name"},
		{"dot dot", "?name=..", "x.csv", csv, nil, 400, "bad_name"},
		{"traversal", "?name=" + url.QueryEscape("../x.csv"), "x.csv", csv, nil, 400, "bad_name"},
		{"encoded traversal", "?name=%2e%2e%2fx.csv", "x.csv", csv, nil, 400, "bad_name"},
		{"double encoded", "?name=%252e%252e%252fx.csv", "x.csv", csv, nil, 400, "bad_name"},
		{"absolute", "?name=" + url.QueryEscape("/etc/x.csv"), "x.csv", csv, nil, 400, "bad_name"},
		{"backslash", "?name=" + url.QueryEscape(`..\x.csv`), "x.csv", csv, nil, 400, "bad_name"},
		{"NUL", "?name=x%00.csv", "x.csv", csv, nil, 400, "bad_name"},
		{"too long", "?name=" + strings.Repeat("a", 61) + ".csv", "x.csv", csv, nil, 400, "bad_name"},
		{"cross-site", "", "x.csv", csv, map[string]string{"Origin": "http://evil.example"}, 403, "csrf"},
	} {
		status, body := upload(t, ts.URL, tc.query, tc.filename, tc.content, tc.header)
		if status != tc.status || !strings.Contains(body, tc.contain) {
			t.Errorf("%s: %d %s, want %d containing %q", tc.name, status, body, tc.status, tc.contain)
		}
	}
	// Nothing was written outside the uploads folder, and no temporary file
	// was left behind.
	var found []string
	filepath.WalkDir(s.cfg.DataDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(filepath.Base(p), "mlforge.db") && filepath.Base(p) != "token" {
			rel, _ := filepath.Rel(s.cfg.DataDir, p)
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	want := "files/uploads/escape.csv files/uploads/renamed.csv files/uploads/small.csv files/uploads/z.csv.gz"
	if strings.Join(found, " ") != want {
		t.Errorf("files in the data folder: %v, want %s", found, want)
	}
	if b, _ := os.ReadFile(filepath.Join(s.filesDir, "uploads", "small.csv")); string(b) != csv+"5,6,x\n" {
		t.Errorf("small.csv = %q after the overwrite", b)
	}

	// Wrong content type, no file field.
	for _, sc := range []scenario{
		{name: "json body", method: "POST", path: "/api/files", body: `{}`, status: 415},
	} {
		sc.run(t, ts.URL)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("other", "x")
	mw.Close()
	resp, err := http.Post(ts.URL+"/api/files", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("a form without \"file\" = %d, want 400", resp.StatusCode)
	}

	// An uploaded file trains.
	out := scenario{name: "train on upload", method: "POST", path: "/api/validate",
		body: `{"name": "up", "data": {"train": "uploads/renamed.csv", "split": {"test_size": 0.5, "stratify": false}}, "model": {"class": "GaussianNB"}}`, status: 200}.run(t, ts.URL)
	if !strings.Contains(out, `"valid":true`) {
		t.Errorf("validate of a spec naming the upload: %s", out)
	}
}

func TestListFiles(t *testing.T) {
	s, ts := newTestServer(t, "sqlite", "")
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.csv"), []byte("a\n1\n"), 0o644)
	os.MkdirAll(filepath.Join(outside, "imgs", "cat"), 0o755)
	os.WriteFile(filepath.Join(outside, "imgs", "cat", "a.png"), []byte("x"), 0o644)
	write := func(rel, content string) {
		p := filepath.Join(s.filesDir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.csv", "x,target\n1,2\n")
	write("deep/b.csv.gz", "zz")
	write("notes.txt", "not data")
	write(".hidden/c.csv", "x\n")
	write("pets/cat/1.png", "x")
	write("pets/cat/2.jpg", "x")
	write("pets/dog/3.png", "x")
	write("pets/dog/readme.txt", "x")
	write("mnist/train-images-idx3-ubyte.gz", "x")
	write("mnist/train-labels-idx1-ubyte.gz", "x")
	links := map[string]string{
		"out.csv":   filepath.Join(outside, "secret.csv"), // leads out: hidden
		"outdir":    outside,                              // a folder link: never descended
		"imgs":      filepath.Join(outside, "imgs"),       // leads out: hidden
		"alias.csv": filepath.Join(s.filesDir, "a.csv"),   // stays inside: listed
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(s.filesDir, name)); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
	}
	resp, err := http.Get(ts.URL + "/api/files")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got api.FileList
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got.Files {
		paths = append(paths, f.Kind+":"+f.Path)
		if f.Path == "pets" && (len(f.Classes) != 2 || f.Classes[0] != (api.ImageClass{Name: "cat", Images: 2}) || f.Classes[1] != (api.ImageClass{Name: "dog", Images: 1})) {
			t.Errorf("pets classes = %+v", f.Classes)
		}
		if f.Path == "a.csv" && f.Size != 13 {
			t.Errorf("a.csv size = %d", f.Size)
		}
	}
	want := "csv:a.csv csv:alias.csv csv:deep/b.csv.gz idx:mnist/train-images-idx3-ubyte.gz idx:mnist/train-labels-idx1-ubyte.gz images:pets"
	if strings.Join(paths, " ") != want {
		t.Errorf("listed %v\nwant %s", paths, want)
	}
}
