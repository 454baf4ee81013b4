package datasets_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/mlforge/mlforge/datasets"
	"github.com/mlforge/mlforge/store"
)

// An archive with one folder per class becomes a dataset; a file that is
// not an image is listed, not stored.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "datasets-example")
	defer os.RemoveAll(dir)
	st, _ := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	defer st.Close()
	bucket, _ := datasets.OpenBucket(ctx, "mem://")
	defer bucket.Close()
	svc := datasets.New(st, bucket)
	svc.Create(ctx, "pets", "images", "")

	var archive bytes.Buffer
	zw := zip.NewWriter(&archive)
	for i, name := range []string{"cat/1.png", "dog/1.png", "dog/notes.txt"} {
		w, _ := zw.Create(name)
		if name == "dog/notes.txt" {
			w.Write([]byte("a good dog"))
			continue
		}
		m := image.NewGray(image.Rect(0, 0, 4, 4))
		m.Pix[i] = 255
		png.Encode(w, m)
	}
	zw.Close()

	rep, err := svc.Import(ctx, "pets", bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Added, "added:", rep.Labels)
	for _, p := range rep.Problems {
		fmt.Println("skipped", p.File+":", p.Reason)
	}
	d, _ := svc.Get(ctx, "pets")
	fmt.Println(d.Labels)
	// Output:
	// 2 added: map[cat:1 dog:1]
	// skipped dog/notes.txt: unsupported image format (want PNG, JPEG or GIF)
	// [{cat 1} {dog 1}]
}

func ExampleCheckEntryName() {
	for _, name := range []string{"train/cat/1.jpg", "../etc/passwd", "/etc/passwd"} {
		fmt.Println(datasets.CheckEntryName(name))
	}
	// Output:
	// <nil>
	// archive entry "../etc/passwd" is refused: it leaves the archive (".." is not allowed)
	// archive entry "/etc/passwd" is refused: it is an absolute path
}

// A sample draws at most Limit items of each label at random; the same
// seed draws the same items.
func ExampleService_Sample() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "datasets-example")
	defer os.RemoveAll(dir)
	st, _ := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	defer st.Close()
	bucket, _ := datasets.OpenBucket(ctx, "mem://")
	defer bucket.Close()
	svc := datasets.New(st, bucket)
	svc.Create(ctx, "digits", "images", "")
	var archive bytes.Buffer
	zw := zip.NewWriter(&archive)
	for i := 0; i < 12; i++ {
		w, _ := zw.Create(fmt.Sprintf("%d/%d.png", i%3, i))
		m := image.NewGray(image.Rect(0, 0, 4, 4))
		m.Pix[i] = 255
		png.Encode(w, m)
	}
	zw.Close()
	if _, err := svc.Import(ctx, "digits", bytes.NewReader(archive.Bytes()), int64(archive.Len())); err != nil {
		fmt.Println(err)
		return
	}
	a, _ := svc.Sample(ctx, "digits", nil, 2, 7)
	b, _ := svc.Sample(ctx, "digits", nil, 2, 7)
	for i, l := range a.Labels {
		same := l.Items[0].ID == b.Labels[i].Items[0].ID && l.Items[1].ID == b.Labels[i].Items[1].ID
		fmt.Printf("label %s: %d of %d drawn, the same with the same seed: %v\n", l.Label, len(l.Items), l.Stored, same)
	}
	_, err := svc.Sample(ctx, "digits", []string{"7"}, 2, 7)
	fmt.Println(err)
	// Output:
	// label 0: 2 of 4 drawn, the same with the same seed: true
	// label 1: 2 of 4 drawn, the same with the same seed: true
	// label 2: 2 of 4 drawn, the same with the same seed: true
	// dataset "digits" has no items labelled "7"
}
