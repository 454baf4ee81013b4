package cli

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlforge/mlforge/api"
	"github.com/mlforge/mlforge/data/idx"
	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/internal/safefetch"
	"github.com/mlforge/mlforge/internal/text"
)

func init() {
	register(command{
		name:    "datasets",
		usage:   "mlforge datasets list|show NAME|import NAME PATH [LABELS.idx]|export NAME FILE|rm NAME|fsck [--server URL] | collect NAME --labels \"a,b\" [--limit N] (mlforge datasets collect -h)",
		summary: "manage a server's image datasets (token from MLFORGE_TOKEN)",
		run:     runDatasets,
	})
}

func runDatasets(e *env, args []string) error {
	if len(args) > 0 && args[0] == "collect" {
		return runCollect(e, args[1:])
	}
	fs := newFlags(e, "datasets")
	server := fs.String("server", envOr("MLFORGE_SERVER", "http://127.0.0.1:8080"), "server URL (env MLFORGE_SERVER)")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	description := fs.String("description", "", "import: the description of a dataset it creates")
	var labels multiFlag
	fs.Var(&labels, "label", "export: only this label (repeat for more)")
	repair := fs.Bool("repair", false, "fsck: delete the blobs no item references")
	pathCol := fs.String("path-column", "path", "import of a CSV file: the column of image paths (relative to the CSV file's folder) or http(s) URLs (fetched through the SSRF guard)")
	labelCol := fs.String("label-column", "label", "import of a CSV file: the column of labels")
	pos, err := parse(fs, args, 1, 4)
	if err != nil {
		return err
	}
	c := &client{base: strings.TrimRight(*server, "/"), token: os.Getenv("MLFORGE_TOKEN"), http: &http.Client{Timeout: 30 * time.Second}}
	long := &client{base: c.base, token: c.token, http: &http.Client{}} // imports and exports: bounded by the server
	sub, rest := pos[0], pos[1:]
	need := func(n int, what string) error {
		if len(rest) != n {
			return usageError("datasets %s takes %s", sub, what)
		}
		return nil
	}
	switch sub {
	case "list":
		if err := need(0, "no arguments"); err != nil {
			return err
		}
		var out struct {
			Datasets []datasets.Detail `json:"datasets"`
		}
		if err := c.do("GET", "/api/datasets", nil, &out); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, out)
		}
		rows := [][]string{{"NAME", "KIND", "ITEMS", "CREATED", "DESCRIPTION"}}
		for _, d := range out.Datasets {
			rows = append(rows, []string{d.Name, d.Kind, fmt.Sprint(d.Items), d.CreatedAt.Local().Format("2006-01-02 15:04:05"), d.Description})
		}
		table(e.stdout, rows)
	case "show":
		if err := need(1, "a dataset name"); err != nil {
			return err
		}
		var d datasets.Detail
		if err := c.do("GET", "/api/datasets/"+url.PathEscape(rest[0]), nil, &d); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, d)
		}
		rows := [][]string{{"name", d.Name}, {"kind", d.Kind}, {"items", fmt.Sprint(d.Items)}, {"created", d.CreatedAt.Local().Format("2006-01-02 15:04:05")}}
		if d.Description != "" {
			rows = append(rows, []string{"description", d.Description})
		}
		table(e.stdout, rows)
		fmt.Fprintln(e.stdout)
		rows = [][]string{{"LABEL", "ITEMS"}}
		for _, l := range d.Labels {
			rows = append(rows, []string{l.Label, fmt.Sprint(l.Items)})
		}
		table(e.stdout, rows)
	case "import":
		if len(rest) != 2 && len(rest) != 3 {
			return usageError("datasets import takes a dataset name and a .zip, a .tar.gz, a folder with one subfolder per class, or an IDX image file and its label file")
		}
		rep, err := importPath(c, long, rest[0], rest[1:], *description, &csvColumns{path: *pathCol, label: *labelCol})
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, rep)
		}
		fmt.Fprintf(e.stdout, "%s: %d added, %d duplicates, %d skipped\n", rep.Dataset, rep.Added, rep.Duplicates, rep.Skipped)
		for _, l := range sortedKeys(rep.Labels) {
			fmt.Fprintf(e.stdout, "  %s: %d\n", l, rep.Labels[l])
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "skipped %s: %s\n", p.File, p.Reason)
		}
		if rep.Skipped > len(rep.Problems) {
			fmt.Fprintf(e.stdout, "... and %d more skipped\n", rep.Skipped-len(rep.Problems))
		}
		for _, n := range rep.NearDuplicates {
			of := n.Of
			if of == "" {
				of = "item " + n.Item
			}
			fmt.Fprintf(e.stdout, "near duplicate %s ~ %s (label %s, distance %d)\n", n.File, of, n.Label, n.Distance)
		}
		fmt.Fprintf(e.stdout, "manifest %s\n", rep.Manifest)
	case "export":
		if err := need(2, "a dataset name and the .zip file to write"); err != nil {
			return err
		}
		q := url.Values{"label": labels}
		return exportTo(long, "/api/datasets/"+url.PathEscape(rest[0])+"/export?"+q.Encode(), rest[1], e.stdout)
	case "rm":
		if err := need(1, "a dataset name"); err != nil {
			return err
		}
		if err := c.do("DELETE", "/api/datasets/"+url.PathEscape(rest[0]), nil, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed %s\n", rest[0])
	case "fsck":
		if err := need(0, "no arguments"); err != nil {
			return err
		}
		method, p := "GET", "/api/fsck"
		if *repair {
			method, p = "POST", "/api/fsck?repair=1"
		}
		var rep datasets.FsckReport
		if err := long.do(method, p, nil, &rep); err != nil {
			return err
		}
		if *asJSON {
			if err := printJSON(e, rep); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(e.stdout, "%d items, %d blobs checked\n", rep.Items, rep.Blobs)
			for _, m := range rep.Missing {
				fmt.Fprintf(e.stdout, "missing: item %s of dataset %s (sha256 %s): %s\n", m.Item, m.Dataset, m.SHA256, m.Reason)
			}
			for _, m := range rep.Corrupt {
				fmt.Fprintf(e.stdout, "corrupt: item %s of dataset %s (sha256 %s): %s\n", m.Item, m.Dataset, m.SHA256, m.Reason)
			}
			for _, k := range rep.Unreferenced {
				fmt.Fprintf(e.stdout, "unreferenced blob %s\n", k)
			}
			if rep.Removed > 0 {
				fmt.Fprintf(e.stdout, "removed %d unreferenced blobs\n", rep.Removed)
			}
		}
		if len(rep.Missing)+len(rep.Corrupt) > 0 || (len(rep.Unreferenced) > 0 && rep.Removed < len(rep.Unreferenced)) {
			return errors.New("fsck found problems")
		}
	default:
		return usageError("unknown datasets command %q (want list, show, import, export, rm or fsck)", sub)
	}
	return nil
}

// multiFlag is a flag that may be repeated.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// importPath uploads the archive or folder at paths[0] into dataset name,
// or the IDX pair paths[0] (images) and paths[1] (labels), creating the
// dataset when it does not exist. A folder is sent as a zip made on the
// fly, read through an os.Root: links inside it are errors. An IDX pair is
// sent as a zip of PNGs, one folder per label (datasets.WriteIDXZip).
//
// A CSV file (a name ending in .csv) lists images and their labels: the
// images, read through an os.Root at the CSV file's folder (so that no row
// reaches outside it) or fetched from their http(s) URLs through the SSRF
// guard, are sent as a class-folder zip; rows that cannot be sent are
// counted and listed in the report with the server's bad files.
func importPath(c, long *client, name string, paths []string, description string, cols *csvColumns) (*datasets.Report, error) {
	if err := datasets.CheckName(name); err != nil {
		return nil, err
	}
	p := paths[0]
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	var pair *idx.Dataset
	if len(paths) == 2 {
		if pair, err = readIDXPair(paths[0], paths[1]); err != nil {
			return nil, err
		}
	}
	var d datasets.Detail
	err = c.do("GET", "/api/datasets/"+url.PathEscape(name), nil, &d)
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		body, _ := json.Marshal(map[string]string{"name": name, "description": description})
		err = c.do("POST", "/api/datasets", strings.NewReader(string(body)), nil)
	}
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	packed := make(chan error, 1) // what packing the upload ran into
	go func() {
		part, err := mw.CreateFormFile("file", path.Base(p))
		if err == nil {
			switch {
			case pair != nil:
				err = datasets.WriteIDXZip(part, pair)
			case !fi.IsDir() && strings.EqualFold(path.Ext(p), ".csv"):
				err = zipCSV(part, p, cols)
			case fi.IsDir():
				err = zipFolder(part, p)
			default:
				err = copyFile(part, p)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		packed <- err
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", long.base+"/api/datasets/"+url.PathEscape(name)+"/import", pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var rep datasets.Report
	if err := long.send(req, &rep); err != nil {
		pr.CloseWithError(err)
		if perr := <-packed; perr != nil {
			return nil, perr // the cause; the server only saw the upload cut short
		}
		return nil, err
	}
	pr.Close()
	<-packed // the packing has ended: cols is complete
	// The CSV rows not sent are the import's bad files too.
	rep.Skipped += cols.skipped
	for _, prob := range cols.problems {
		if len(rep.Problems) < datasets.MaxProblems {
			rep.Problems = append(rep.Problems, prob)
		}
	}
	return &rep, nil
}

// csvColumns name the columns of a CSV import; the rows that cannot be
// sent are counted and listed in problems, which importPath adds to the
// server's report.
type csvColumns struct {
	path, label string
	skipped     int
	problems    []datasets.Problem
}

func (c *csvColumns) skip(file, why string) {
	c.skipped++
	if len(c.problems) < datasets.MaxProblems {
		c.problems = append(c.problems, datasets.Problem{File: file, Reason: why})
	}
}

// csvFetchers is how many image URLs of a CSV import are fetched at once.
const csvFetchers = 4

// csvFetchOptions are the SSRF guard's options of a CSV import's URL
// fetches. Tests set TestAllow (fake image hosts on loopback); no flag or
// variable does.
var csvFetchOptions safefetch.Options

// csvRow is one row of a CSV import.
type csvRow struct {
	row        int
	img, label string
}

// zipCSV writes the images listed in the CSV file p to w as a class-folder
// zip: LABEL/ROW-NAME for each row. A path is read through an os.Root at
// the CSV file's folder; an http(s) URL is fetched through the SSRF guard
// (internal/safefetch: its address checks, the size cap of an imported
// file, the type sniffed from the bytes), csvFetchers at once. A row that
// cannot be sent is skipped with its reason (cols.skip).
func zipCSV(w io.Writer, p string, cols *csvColumns) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	root, err := os.OpenRoot(filepath.Dir(p))
	if err != nil {
		return err
	}
	defer root.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: reading the header: %w", p, err)
	}
	pi, li := slices.Index(head, cols.path), slices.Index(head, cols.label)
	if pi < 0 || li < 0 {
		return fmt.Errorf("%s: the header %q lacks the column %q or %q (choose them with --path-column and --label-column)", p, head, cols.path, cols.label)
	}
	base := filepath.Base(p)
	where := func(row int, img string) string {
		return fmt.Sprintf("%s:%d: %s", base, row, text.Quote(text.Abbrev(img)))
	}
	zw := zip.NewWriter(w)
	var urls []csvRow
	for row := 2; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if row-1 > datasets.DefaultMaxEntries {
			return fmt.Errorf("%s has more than %d rows, the most one import takes", p, datasets.DefaultMaxEntries)
		}
		img, label := rec[pi], rec[li]
		if err := datasets.CheckLabel(label); err != nil {
			cols.skip(where(row, img), err.Error())
			continue
		}
		if strings.Contains(img, "://") {
			urls = append(urls, csvRow{row, img, label})
			continue
		}
		src, err := root.Open(filepath.FromSlash(img))
		if err != nil {
			cols.skip(where(row, img), err.Error())
			continue
		}
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%s/%06d-%s", label, row, path.Base(filepath.ToSlash(img))), Method: zip.Store})
		if err == nil {
			_, err = io.Copy(zf, io.LimitReader(src, datasets.DefaultMaxFileBytes+1))
		}
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := zipCSVURLs(zw, urls, cols, where); err != nil {
		return err
	}
	return zw.Close()
}

// zipCSVURLs fetches the rows' image URLs, csvFetchers at once, and writes
// each image fetched to zw; a URL refused or failed is skipped with its
// reason.
func zipCSVURLs(zw *zip.Writer, rows []csvRow, cols *csvColumns, where func(int, string) string) error {
	if len(rows) == 0 {
		return nil
	}
	o := csvFetchOptions
	o.MaxBytes = datasets.DefaultMaxFileBytes
	fc := safefetch.New(o)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		r    csvRow
		body []byte
		err  error
	}
	todo, done := make(chan csvRow), make(chan result)
	var wg sync.WaitGroup
	for range min(csvFetchers, len(rows)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range todo {
				resp, err := fc.GetImage(ctx, r.img)
				res := result{r: r, err: err}
				if err == nil {
					res.body = resp.Body
				}
				select {
				case done <- res:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer func() { close(todo); wg.Wait(); close(done) }()
		for _, r := range rows {
			select {
			case todo <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	for res := range done {
		if res.err != nil {
			cols.skip(where(res.r.row, res.r.img), res.err.Error())
			continue
		}
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%s/%06d-%s", res.r.label, res.r.row, urlFileName(res.r.img)), Method: zip.Store})
		if err == nil {
			_, err = zf.Write(res.body)
		}
		if err != nil {
			cancel()
			for range done { // let the fetchers end
			}
			return err
		}
	}
	return nil
}

// urlFileName is a zip entry's file name for an image URL: the last
// element of its path, letters, digits, '.', '-' and '_' kept.
func urlFileName(raw string) string {
	name := "image"
	if u, err := url.Parse(raw); err == nil {
		if b := path.Base(u.Path); b != "." && b != "/" && b != "" {
			name = b
		}
	}
	clean := []rune{}
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			clean = append(clean, c)
		default:
			clean = append(clean, '_')
		}
		if len(clean) == 64 {
			break
		}
	}
	return strings.TrimLeft(string(clean), ".")
}

// readIDXPair reads an IDX image file and its label file.
func readIDXPair(images, labels string) (*idx.Dataset, error) {
	read := func(p string) (*idx.Array, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return idx.Read(f, p)
	}
	img, err := read(images)
	if err != nil {
		return nil, err
	}
	lab, err := read(labels)
	if err != nil {
		return nil, err
	}
	return idx.New(img, lab, images, labels)
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// zipFolder writes the folder dir (one subfolder per class) to w as a zip,
// images stored as they are. Links are errors; names starting with "."
// are left out.
func zipFolder(w io.Writer, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	zw := zip.NewWriter(w)
	fsys := root.FS()
	err = fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(de.Name(), ".") {
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if de.Type()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link: import a folder without links", path.Join(dir, p))
		}
		if !de.Type().IsRegular() {
			return nil
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: p, Method: zip.Store})
		if err != nil {
			return err
		}
		_, err = io.Copy(zf, f)
		return err
	})
	if err != nil {
		return err
	}
	return zw.Close()
}

// exportTo downloads the zip at path p to the file dest, written beside it
// and renamed into place when whole.
func exportTo(c *client, p, dest string, stdout io.Writer) error {
	req, err := http.NewRequest("GET", c.base+p, nil)
	if err != nil {
		return err
	}
	resp, err := c.roundTrip(req, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return refusal(resp.StatusCode, b)
	}
	tmp := dest + ".part"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, resp.Body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// A zip cut short by a failure on the server lacks its end record.
		var zr *zip.ReadCloser
		if zr, err = zip.OpenReader(tmp); err == nil {
			zr.Close()
		} else {
			err = fmt.Errorf("the export from the server is incomplete: %w", err)
		}
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", dest, n)
	return nil
}
