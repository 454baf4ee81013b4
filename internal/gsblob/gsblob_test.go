package gsblob

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fake starts an S3 server on loopback holding bucket, points Endpoint at
// it and sets an HMAC key, for the length of the test. (Other packages'
// tests copy these few lines: a test helper here would link gofakes3 into
// the binary.)
func fake(t *testing.T, bucket string) *s3mem.Backend {
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	old := Endpoint
	Endpoint = ts.URL
	t.Cleanup(func() { Endpoint = old })
	t.Setenv("GOOGLE_HMAC_ACCESS_ID", "GOOG1TEST")
	t.Setenv("GOOGLE_HMAC_SECRET", "secret")
	return backend
}

func TestOpen(t *testing.T) {
	backend := fake(t, "mlforge-test")
	ctx := context.Background()
	u, _ := url.Parse("gs://mlforge-test/team/a")
	b, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.WriteAll(ctx, "runs/x", []byte("model"), nil); err != nil {
		t.Fatal(err)
	}
	if got, err := b.ReadAll(ctx, "runs/x"); err != nil || string(got) != "model" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if _, err := backend.HeadObject("mlforge-test", "team/a/runs/x"); err != nil {
		t.Errorf("the object is not under the prefix: %v", err)
	}
	// The AWS pair is the fallback.
	t.Setenv("GOOGLE_HMAC_ACCESS_ID", "")
	t.Setenv("GOOGLE_HMAC_SECRET", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "GOOG1TEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	if b, err := Open(ctx, u); err != nil {
		t.Fatal(err)
	} else {
		b.Close()
	}
}

func TestOpenRefuses(t *testing.T) {
	fake(t, "mlforge-test")
	for raw, want := range map[string]string{
		"gs://":                          "needs a bucket name",
		"gs://UPPER/x":                   "needs a bucket name",
		"gs://b/x":                       "needs a bucket name",
		"gs://key:secret@mlforge-test/x": "put no key in the URL",
		"gs://mlforge-test?endpoint=http://127.0.0.1:1": `unknown query parameter "endpoint"`,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Open(context.Background(), u); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%s) = %v, want %q", raw, err, want)
		}
	}
	u, _ := url.Parse("gs://mlforge-test/x")
	t.Setenv("GOOGLE_HMAC_SECRET", "")
	if _, err := Open(context.Background(), u); err == nil || !strings.Contains(err.Error(), "must be set together") {
		t.Errorf("half a key: %v", err)
	}
	t.Setenv("GOOGLE_HMAC_ACCESS_ID", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if _, err := Open(context.Background(), u); err == nil || !strings.Contains(err.Error(), "gs://mlforge-test/x: no HMAC key for Cloud Storage: set GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET") {
		t.Errorf("no key: %v", err)
	}
}
