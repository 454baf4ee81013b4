package artifacts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/mlforge/mlforge/internal/gsblob"
	"github.com/mlforge/mlforge/store"
)

// TestKey checks that keys are made from run ids alone: anything that is
// not a server-made id (a path, a name, an escape) or not a run's file is
// refused.
func TestKey(t *testing.T) {
	id := store.NewID()
	if k, err := Key(id, ModelFile); err != nil || k != "runs/"+id+"/model.safetensors" {
		t.Fatalf("Key = %q, %v", k, err)
	}
	for _, c := range []struct{ id, file string }{
		{"../" + id[3:], ModelFile}, {id[:20] + "/", ModelFile}, {"iris", ModelFile}, {"", ModelFile},
		{strings.ToUpper(id), ModelFile}, {id, "../model.safetensors"}, {id, "token"}, {id, ""},
	} {
		if k, err := Key(c.id, c.file); err == nil {
			t.Errorf("Key(%q, %q) = %q, want an error", c.id, c.file, k)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, u := range []string{"gs://b", "http://x", "file://relative/dir", "s3:///nobucket", "artifacts", "file://"} {
		if _, err := Open(context.Background(), u); err == nil || !strings.Contains(err.Error(), "--artifacts") {
			t.Errorf("Open(%q) = %v, want an error naming --artifacts", u, err)
		}
	}
}

// roundTrip puts a file, gets it back elsewhere, checks the hash, the
// refusals (too large, wrong hash, missing) and the delete.
func roundTrip(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	id := store.NewID()
	data := bytes.Repeat([]byte("weights "), 1000)
	src := filepath.Join(dir, "src")
	os.WriteFile(src, data, 0o600)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	sha, size, err := s.Put(ctx, id, ModelFile, src)
	if err != nil || sha != want || size != int64(len(data)) {
		t.Fatalf("Put = %s %d %v; want %s %d", sha, size, err, want, len(data))
	}
	dst := filepath.Join(dir, "out", ModelFile)
	for _, wantSHA := range []string{want, ""} { // the recorded hash, then the metadata's
		os.Remove(dst)
		if err := s.Get(ctx, id, ModelFile, dst, wantSHA, 1<<20); err != nil {
			t.Fatalf("Get(%q) = %v", wantSHA, err)
		}
		if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
			t.Fatal("Get wrote other bytes")
		}
	}
	os.Remove(dst)
	if err := s.Get(ctx, id, ModelFile, dst, want, 100); err == nil || !strings.Contains(err.Error(), "larger than the 100-byte limit") {
		t.Errorf("Get over the limit = %v", err)
	}
	var he *HashError
	if err := s.Get(ctx, id, ModelFile, dst, strings.Repeat("0", 64), 1<<20); !errors.As(err, &he) {
		t.Errorf("Get with another hash = %v, want a HashError", err)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Error("a refused download left a file behind")
	}
	// Bytes changed in the bucket behind the metadata's back are refused.
	key, _ := Key(id, ModelFile)
	if err := s.Bucket().WriteAll(ctx, key, []byte("tampered"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Get(ctx, id, ModelFile, dst, want, 1<<20); !errors.As(err, &he) || he.Want != want {
		t.Errorf("Get of tampered bytes = %v, want a HashError", err)
	}
	if err := s.Get(ctx, id, CheckpointFile, dst, "", 1<<20); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a missing object = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Get(ctx, id, ModelFile, dst, want, 1<<20); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping = %v", err)
	}
}

func TestFileAndMem(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a data folder #1?")
	u, err := DefaultURL(dir)
	if err != nil || !strings.HasPrefix(u, "file:///") || !strings.HasSuffix(u, "/a%20data%20folder%20%231%3F/artifacts") {
		t.Fatalf("DefaultURL = %q, %v", u, err)
	}
	for _, url := range []string{u, "mem://", "mem://shared-test"} {
		t.Run(url, func(t *testing.T) {
			s, err := Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			roundTrip(t, s)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "artifacts", "runs")); err != nil {
		t.Errorf("the default bucket is not in the data folder: %v", err)
	}
	// Two opens of one named mem:// bucket see the same objects.
	a, _ := Open(ctx, "mem://twins")
	b, _ := Open(ctx, "mem://twins")
	os.MkdirAll(dir, 0o700)
	src := filepath.Join(dir, "f")
	os.WriteFile(src, []byte("x"), 0o600)
	id := store.NewID()
	if _, _, err := a.Put(ctx, id, CheckpointFile, src); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := b.Get(ctx, id, CheckpointFile, filepath.Join(dir, "g"), "", 10); err != nil {
		t.Fatalf("the second open of mem://twins: %v", err)
	}
}

// TestS3 runs the round trip against an S3 server on loopback (gofakes3),
// through s3blob with a bucket prefix.
func TestS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("mlforge"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	defer ts.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	s, err := Open(context.Background(), "s3://mlforge/team/a?region=us-east-1&use_path_style=true&endpoint="+ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	roundTrip(t, s)
	// The prefix is where the objects went.
	id := store.NewID()
	src := filepath.Join(t.TempDir(), "m")
	os.WriteFile(src, []byte("model"), 0o600)
	if _, _, err := s.Put(context.Background(), id, ModelFile, src); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.HeadObject("mlforge", "team/a/runs/"+id+"/"+ModelFile); err != nil {
		t.Errorf("the object is not under the prefix: %v", err)
	}
}

// TestGS runs the round trip through gs:// (Cloud Storage's S3-compatible
// API, internal/gsblob) against an S3 server on loopback, the endpoint
// overridden as only a test can.
func TestGS(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("mlforge-gs"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	defer ts.Close()
	old := gsblob.Endpoint
	gsblob.Endpoint = ts.URL
	defer func() { gsblob.Endpoint = old }()
	t.Setenv("GOOGLE_HMAC_ACCESS_ID", "")
	t.Setenv("GOOGLE_HMAC_SECRET", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if _, err := Open(context.Background(), "gs://mlforge-gs/team"); err == nil || !strings.Contains(err.Error(), "--artifacts: gs://mlforge-gs/team: no HMAC key for Cloud Storage: set GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET") {
		t.Fatalf("gs:// without a key: %v", err)
	}
	t.Setenv("GOOGLE_HMAC_ACCESS_ID", "GOOG1TEST")
	t.Setenv("GOOGLE_HMAC_SECRET", "test")
	s, err := Open(context.Background(), "gs://mlforge-gs/team")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	roundTrip(t, s)
	id := store.NewID()
	src := filepath.Join(t.TempDir(), "m")
	os.WriteFile(src, []byte("model"), 0o600)
	if _, _, err := s.Put(context.Background(), id, ModelFile, src); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.HeadObject("mlforge-gs", "team/runs/"+id+"/"+ModelFile); err != nil {
		t.Errorf("the object is not under the prefix: %v", err)
	}
}
