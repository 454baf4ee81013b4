package datasets

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/mlforge/mlforge/internal/gsblob"
	"github.com/mlforge/mlforge/store"
)

// TestGSBucket: the dataset blobs of a server whose --artifacts is gs://
// go under its datasets/ prefix, through Cloud Storage's S3-compatible API
// (an S3 server on loopback here).
func TestGSBucket(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("mlforge-gs"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	defer ts.Close()
	old := gsblob.Endpoint
	gsblob.Endpoint = ts.URL
	defer func() { gsblob.Endpoint = old }()
	t.Setenv("GOOGLE_HMAC_ACCESS_ID", "GOOG1TEST")
	t.Setenv("GOOGLE_HMAC_SECRET", "test")
	url, err := StoreURL(t.TempDir(), "gs://mlforge-gs/team/")
	if err != nil || url != "gs://mlforge-gs/team/datasets" {
		t.Fatalf("StoreURL = %q, %v", url, err)
	}
	ctx := context.Background()
	b, err := OpenBucket(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "mlforge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st, b)
	if _, err := s.Create(ctx, "d", "", ""); err != nil {
		t.Fatal(err)
	}
	img := pngOf(t, 5, 4, 1)
	if _, _, err := s.Add(ctx, "d", "a", img, Provenance{Source: "upload"}); err != nil {
		t.Fatal(err)
	}
	sha := fmt.Sprintf("%x", sha256.Sum256(img))
	if _, err := backend.HeadObject("mlforge-gs", "team/datasets/"+blobKey(sha)); err != nil {
		t.Errorf("the blob is not under team/datasets/: %v", err)
	}
	if f, err := s.Fsck(ctx, false); err != nil || !f.OK() || f.Items != 1 {
		t.Fatalf("Fsck = %+v, %v", f, err)
	}
}
