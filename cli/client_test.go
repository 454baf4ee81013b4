package cli

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/api"
)

// TestClientErrors: the client's calls (do, send, bytes, exportTo) share
// one round trip: a refusal comes back as the API's error with its status
// (or the body's text when it is not one), and an unreachable server is
// named, with the hint to start it on do only.
func TestClientErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte(`{"error": {"code": "conflict", "message": "taken"}}`))
	}))
	defer srv.Close()
	c := &client{base: srv.URL, token: "tok", http: &http.Client{Timeout: 10 * time.Second}}
	var ae *api.Error
	if err := c.do("GET", "/x", nil, nil); !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Code != "conflict" || ae.Message != "taken" {
		t.Fatalf("do: %#v", err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	if err := c.send(req, &struct{}{}); !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Message != "taken" {
		t.Fatalf("send: %#v", err)
	}
	if err := exportTo(c, "/x", filepath.Join(t.TempDir(), "x.zip"), nil); !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Message != "taken" {
		t.Fatalf("exportTo: %#v", err)
	}
	if _, err := c.bytes("/x", 1); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("bytes: %v", err)
	}
	anon := &client{base: srv.URL, http: &http.Client{Timeout: 10 * time.Second}}
	if err := anon.do("GET", "/x", nil, nil); !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Message != "no token" {
		t.Fatalf("do without the token: %#v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + l.Addr().String()
	l.Close()
	c = &client{base: gone, http: &http.Client{Timeout: 10 * time.Second}}
	err = c.do("GET", "/x", nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach the server at "+gone+": ") || !strings.HasSuffix(err.Error(), " (start it with 'mlforge serve' or pass --server)") {
		t.Fatalf("do on a closed port: %v", err)
	}
	req, _ = http.NewRequest("GET", gone+"/x", nil)
	err = c.send(req, &struct{}{})
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach the server at "+gone+": ") || strings.Contains(err.Error(), "mlforge serve") {
		t.Fatalf("send on a closed port: %v", err)
	}
}
