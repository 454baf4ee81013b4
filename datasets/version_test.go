package datasets

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/store"
)

// TestFolderVersion: a run opens its dataset at its check and at its
// load; the second open reuses the listing while the dataset's version
// holds, and every add, import, relabel and delete between the two is
// seen.
func TestFolderVersion(t *testing.T) {
	for backend, open := range services(t) {
		t.Run(backend, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			if _, err := s.Create(ctx, "d", "", ""); err != nil {
				t.Fatal(err)
			}
			mustImport(t, s, "d", zipOf(t, file{name: "a/1.png", data: pngOf(t, 6, 4, 1)}, file{name: "b/1.png", data: pngOf(t, 6, 4, 2)}))
			version := func() int64 {
				d, err := s.Dataset(ctx, "d")
				if err != nil {
					t.Fatal(err)
				}
				return d.Version
			}
			type seen struct {
				n        int
				manifest string
				listings int64
			}
			folder := func(labels ...string) seen {
				f, m, err := s.Folder(ctx, "d", labels, images.FolderOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if want, err := s.Manifest(ctx, "d", labels); err != nil || m != want {
					t.Fatalf("Folder's manifest %s, Manifest %s (%v)", m, want, err)
				}
				return seen{f.Len(), m, s.listings.Load()}
			}
			check := folder()
			if load := folder(); load != check {
				t.Fatalf("an unchanged dataset was listed again: %+v then %+v", check, load)
			}
			v := version()
			step := func(what string, change func(), n int) {
				t.Helper()
				before := folder()
				change()
				if version() <= v {
					t.Fatalf("%s: the version stayed %d", what, v)
				}
				v = version()
				after := folder()
				if after.n != n || after.manifest == before.manifest || after.listings != before.listings+1 {
					t.Fatalf("%s between check and load: %+v then %+v, want %d items and a new manifest", what, before, after, n)
				}
			}
			step("an add", func() {
				if _, _, err := s.Add(ctx, "d", "a", pngOf(t, 6, 4, 3), Provenance{Source: "upload"}); err != nil {
					t.Fatal(err)
				}
			}, 3)
			step("an import", func() { mustImport(t, s, "d", zipOf(t, file{name: "b/2.png", data: pngOf(t, 6, 4, 4)})) }, 4)
			items, err := s.Items(ctx, "d", store.ItemOptions{Labels: []string{"a"}})
			if err != nil || len(items) != 2 {
				t.Fatalf("items %v, %v", items, err)
			}
			step("a relabel", func() {
				if _, err := s.Relabel(ctx, "d", items[0].ID, "b"); err != nil {
					t.Fatal(err)
				}
			}, 4)
			step("a delete", func() {
				if err := s.DeleteItem(ctx, "d", items[1].ID); err != nil {
					t.Fatal(err)
				}
			}, 3)
			// Nothing added (a duplicate): the version, and the cached
			// listing, stay.
			if _, dup, err := s.Add(ctx, "d", "a", pngOf(t, 6, 4, 1), Provenance{Source: "upload"}); err != nil || !dup {
				t.Fatalf("Add of a duplicate: dup %v, %v", dup, err)
			}
			if version() != v {
				t.Fatal("a duplicate changed the version")
			}
			// Listings of some labels are cached apart.
			if got := folder("b"); got.n != 3 {
				t.Fatalf("labels b: %+v", got)
			}
			// A dataset deleted and made again under its name is another
			// dataset: nothing of the old one's listing is served.
			if err := s.Delete(ctx, "d"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(ctx, "d", "", ""); err != nil {
				t.Fatal(err)
			}
			mustImport(t, s, "d", zipOf(t, file{name: "c/1.png", data: pngOf(t, 6, 4, 9)}))
			if got := folder(); got.n != 1 {
				t.Fatalf("the dataset made again: %+v", got)
			}
		})
	}
}

// TestRemoveOrphans: a blob that no item references and that is older
// than the grace period is removed (what a crash between a blob and its
// row leaves); a young one (a writer may be between the two) and the
// blobs of items are kept.
func TestRemoveOrphans(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := OpenBucket(ctx, "file://"+filepath.ToSlash(filepath.Join(dir, "blobs")))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := New(st, b)
	if _, err := s.Create(ctx, "d", "", ""); err != nil {
		t.Fatal(err)
	}
	kept := pngOf(t, 5, 5, 1)
	if _, _, err := s.Add(ctx, "d", "a", kept, Provenance{Source: "upload"}); err != nil {
		t.Fatal(err)
	}
	var old, fresh string
	for i, p := range [][]byte{pngOf(t, 5, 5, 2), pngOf(t, 5, 5, 3)} {
		sha := fmt.Sprintf("%x", sha256.Sum256(p))
		if err := s.putBlob(ctx, sha, p, "PNG"); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			old = blobKey(sha)
		} else {
			fresh = blobKey(sha)
		}
	}
	twoHours := time.Now().Add(-2 * time.Hour)
	for _, key := range []string{old, blobKey(fmt.Sprintf("%x", sha256.Sum256(kept)))} {
		if err := os.Chtimes(filepath.Join(dir, "blobs", filepath.FromSlash(key)), twoHours, twoHours); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := s.RemoveOrphans(ctx, OrphanGrace)
	if err != nil || !slices.Equal(removed, []string{old}) {
		t.Fatalf("RemoveOrphans = %v, %v; want [%s]", removed, err, old)
	}
	f, err := s.Fsck(ctx, false)
	if err != nil || f.Items != 1 || !slices.Equal(f.Unreferenced, []string{fresh}) {
		t.Fatalf("Fsck after RemoveOrphans = %+v, %v; want only %s unreferenced", f, err, fresh)
	}
	// The old orphan's bytes added again: written again (young), so a
	// sweep elsewhere in the same moment keeps them.
	orphan := pngOf(t, 5, 5, 3)
	sha := fmt.Sprintf("%x", sha256.Sum256(orphan))
	p := filepath.Join(dir, "blobs", filepath.FromSlash(blobKey(sha)))
	os.Chtimes(p, twoHours, twoHours)
	if err := s.putBlob(ctx, sha, orphan, "PNG"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.ModTime().Before(time.Now().Add(-OrphanGrace/2)) {
		t.Fatalf("an old blob written again was not refreshed: %v", err)
	}
}
