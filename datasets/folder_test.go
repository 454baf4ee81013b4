package datasets

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/data/source"
	"github.com/mlforge/mlforge/store"
)

func TestFolder(t *testing.T) {
	ctx := context.Background()
	s := services(t)["sqlite"](t)
	if _, err := s.Create(ctx, "pets", "", ""); err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, "pets", zipOf(t,
		file{name: "dog/1.png", data: pngOf(t, 6, 4, 1)},
		file{name: "dog/2.png", data: pngOf(t, 6, 4, 2)},
		file{name: "cat/1.png", data: pngOf(t, 6, 4, 3)},
	))
	f, manifest, err := s.Folder(ctx, "pets", nil, images.FolderOptions{Cache: true})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := s.Manifest(ctx, "pets", nil); manifest != want {
		t.Fatalf("manifest %s, want %s", manifest, want)
	}
	if fmt.Sprint(f.Classes()) != "[cat dog]" || f.Len() != 3 || fmt.Sprint(f.Targets()) != "[0 1 1]" {
		t.Fatalf("folder: classes %v, %d images, targets %v", f.Classes(), f.Len(), f.Targets())
	}
	for i := range f.Len() {
		x, y, err := f.Get(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(x.Shape) != "[3 4 6]" || int(y.Data[0]) != f.Targets()[i] {
			t.Fatalf("sample %d: shape %v, label %v", i, x.Shape, y.Data)
		}
	}
	dogs, m2, err := s.Folder(ctx, "pets", []string{"dog"}, images.FolderOptions{})
	if err != nil || fmt.Sprint(dogs.Classes()) != "[dog]" || dogs.Len() != 2 || m2 == manifest {
		t.Fatalf("Folder(dog) = %v, %v", dogs, err)
	}
	if want, _ := s.Manifest(ctx, "pets", []string{"dog"}); m2 != want {
		t.Fatalf("manifest of dog %s, want %s", m2, want)
	}
	if _, _, err := s.Folder(ctx, "pets", []string{"dog", "bird"}, images.FolderOptions{}); err == nil || !strings.Contains(err.Error(), `no items labelled "bird"`) {
		t.Fatalf("Folder(bird) = %v", err)
	}
	// The file system a folder reads passes the standard checks.
	items, err := s.Items(ctx, "pets", store.ItemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range items {
		names = append(names, it.Label+"/"+it.ID+".png")
	}
	if err := fstest.TestFS(s.itemFS(ctx, items), names...); err != nil {
		t.Fatal(err)
	}
	// A lost blob: the sample's error says where to look (in a service
	// that has not cached the blob: a process started after the loss).
	s.Bucket.Delete(ctx, blobKey(items[0].SHA256))
	g, _, err := New(s.Store, s.Bucket).Folder(ctx, "pets", nil, images.FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var firstErr error
	for i := range g.Len() {
		if _, _, err := g.Get(i, nil); err != nil {
			firstErr = err
		}
	}
	if firstErr == nil || !strings.Contains(firstErr.Error(), "fsck") {
		t.Fatalf("Get with a lost blob = %v", firstErr)
	}
}

// TestRegisterDataDir opens a dataset source as a server's child process
// does: from the data folder's store and blobs, through data/source.
func TestRegisterDataDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	url, _ := BlobURL(dir)
	b, err := OpenBucket(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s := New(st, b)
	if _, err := s.Create(ctx, "pets", "", ""); err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, "pets", zipOf(t, file{name: "dog/1.png", data: pngOf(t, 6, 4, 1)}, file{name: "cat/1.png", data: pngOf(t, 6, 4, 3)}))
	root := data.Root{Dir: filepath.Join(dir, "files"), Restrict: true}
	if _, err := source.OpenFolder(root, "dataset:pets", images.FolderOptions{}); err == nil || !strings.Contains(err.Error(), "no dataset store serves this workspace") {
		t.Fatalf("OpenFolder before RegisterDataDir = %v", err)
	}
	if err := RegisterDataDir(dir, "", ""); err != nil {
		t.Fatal(err)
	}
	f, err := source.OpenFolder(root, "dataset:pets:dog", images.FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.Manifest(ctx, "pets", []string{"dog"})
	if f.Len() != 1 || fmt.Sprint(f.Classes()) != "[dog]" || source.Manifest(f) != want {
		t.Fatalf("folder: %d images, classes %v, manifest %q (want %q)", f.Len(), f.Classes(), source.Manifest(f), want)
	}
	if _, _, err := f.Get(0, nil); err != nil {
		t.Fatal(err)
	}
}

// TestFolderBlobCache: a folder's second read of an item comes from the
// service's cache of small blobs, not the bucket (the bench
// BenchmarkEpochStoreVsFolder in train shows what it saves).
func TestFolderBlobCache(t *testing.T) {
	ctx := context.Background()
	s := services(t)["sqlite"](t)
	if _, err := s.Create(ctx, "pets", "", ""); err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, "pets", zipOf(t, file{name: "dog/1.png", data: pngOf(t, 6, 4, 1)}, file{name: "cat/1.png", data: pngOf(t, 6, 4, 3)}))
	f, _, err := s.Folder(ctx, "pets", nil, images.FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Get(0, nil); err != nil {
		t.Fatal(err)
	}
	items, err := s.Items(ctx, "pets", store.ItemOptions{Labels: []string{"cat"}})
	if err != nil || len(items) != 1 {
		t.Fatal(items, err)
	}
	if err := s.Bucket.Delete(ctx, blobKey(items[0].SHA256)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Get(0, nil); err != nil {
		t.Fatalf("the second read went to the bucket: %v", err)
	}
	if _, err := s.Bucket.ReadAll(ctx, blobKey(items[0].SHA256)); err == nil {
		t.Fatal("the blob is still there")
	}
	if _, _, err := New(s.Store, s.Bucket).Folder(ctx, "pets", nil, images.FolderOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.cached <= 0 || s.cached > BlobCacheBytes {
		t.Fatalf("%d bytes cached", s.cached)
	}
}

// TestStoreURL: the dataset blobs of a data folder without an object
// store stay in its blobs folder; with one they are its prefix datasets/.
func TestStoreURL(t *testing.T) {
	dir := t.TempDir()
	def, _ := BlobURL(dir)
	for _, c := range []struct{ art, want string }{
		{"", def},
		{"file:///srv/art", "file:///srv/art/datasets?create_dir=1&metadata=skip&no_tmp_dir=1"},
		{"mem://x", "mem://x/datasets"},
		{"s3://b?region=r", "s3://b?prefix=datasets%2F&region=r"},
		{"s3://b/cluster/?region=r", "s3://b?prefix=cluster%2Fdatasets%2F&region=r"},
	} {
		if got, err := StoreURL(dir, c.art); err != nil || got != c.want {
			t.Errorf("StoreURL(%q) = %q, %v; want %q", c.art, got, err, c.want)
		}
	}
	if got, err := StoreURL(dir, "gs://bucket/cluster"); err != nil || got != "gs://bucket/cluster/datasets" {
		t.Errorf("StoreURL(gs://bucket/cluster) = %q, %v", got, err)
	}
	if _, err := StoreURL(dir, "ftp://b"); err == nil || !strings.Contains(err.Error(), "expected a file://, s3://, gs:// or mem:// URL") {
		t.Errorf("StoreURL(ftp://b) = %v", err)
	}
	if _, err := OpenBucket(context.Background(), "ftp://b"); err == nil || !strings.Contains(err.Error(), "expected a file://, s3://, gs:// or mem:// URL") {
		t.Errorf("OpenBucket(ftp://b) = %v", err)
	}
	if _, err := OpenBucket(context.Background(), "gs://b"); err == nil || !strings.Contains(err.Error(), "needs a bucket name") {
		t.Errorf("OpenBucket(gs://b) = %v", err)
	}
	// mem://NAME is one bucket in the process.
	a, _ := OpenBucket(context.Background(), "mem://store-url-test/datasets")
	b, _ := OpenBucket(context.Background(), "mem://store-url-test/datasets")
	if a == nil || a != b {
		t.Errorf("two opens of mem://NAME gave %p and %p", a, b)
	}
}
