package safefetch

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// host is a fake server on loopback that counts its requests.
type host struct {
	*httptest.Server
	hits atomic.Int64
	ap   netip.AddrPort
}

func newHost(t *testing.T, h http.HandlerFunc) *host {
	fh := &host{}
	fh.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fh.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(fh.Close)
	fh.ap = netip.MustParseAddrPort(fh.Listener.Addr().String())
	return fh
}

func (h *host) port() string { return strconv.Itoa(int(h.ap.Port())) }

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// refusedWith checks that err is a refusal whose message contains want.
func refusedWith(t *testing.T, what string, err error, want string) {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) || !fe.Refused {
		t.Fatalf("%s: want a refusal containing %q, got %v", what, want, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("%s: want a refusal containing %q, got %q", what, want, err)
	}
}

func TestCheckAddr(t *testing.T) {
	cases := map[string]string{
		"127.0.0.1":              "loopback",
		"127.255.0.9":            "loopback",
		"::1":                    "loopback",
		"10.0.0.1":               "private",
		"172.16.3.4":             "private",
		"192.168.1.1":            "private",
		"fc00::1":                "private",
		"fd12::1":                "private",
		"169.254.169.254":        "metadata",
		"169.254.1.2":            "link-local",
		"fe80::1":                "link-local",
		"100.64.0.1":             "shared",
		"100.127.255.254":        "shared",
		"224.0.0.1":              "multicast",
		"239.1.2.3":              "multicast",
		"ff02::1":                "multicast",
		"0.0.0.0":                "unspecified",
		"::":                     "unspecified",
		"0.1.2.3":                "this network",
		"255.255.255.255":        "broadcast",
		"240.0.0.1":              "reserved",
		"::ffff:127.0.0.1":       "loopback",
		"::ffff:10.0.0.1":        "private",
		"::ffff:169.254.169.254": "metadata",
		"::ffff:100.64.0.1":      "shared",
		"::ffff:0.0.0.0":         "unspecified",
		"64:ff9b::7f00:1":        "loopback",
		"2002:7f00:1::":          "loopback",
		"::127.0.0.1":            "loopback",
	}
	for s, want := range cases {
		err := CheckAddr(netip.MustParseAddr(s))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAddr(%s) = %v, want a refusal naming %q", s, err, want)
		}
	}
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "100.63.255.255", "100.128.0.1", "172.32.0.1"} {
		if err := CheckAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want nil", s, err)
		}
	}
}

func TestLegacyIPv4(t *testing.T) {
	cases := map[string]string{
		"2130706433":   "127.0.0.1",
		"0x7f.1":       "127.0.0.1",
		"0x7f000001":   "127.0.0.1",
		"017700000001": "127.0.0.1",
		"0177.0.0.1":   "127.0.0.1",
		"127.1":        "127.0.0.1",
		"127.0.1":      "127.0.0.1",
		"10.1":         "10.0.0.1",
		"0":            "0.0.0.0",
		"167772161":    "10.0.0.1",
	}
	for in, want := range cases {
		a, ok := parseLegacyIPv4(in)
		if !ok || a.String() != want {
			t.Errorf("parseLegacyIPv4(%q) = %v, %v, want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"example.com", "1.2.3.4.5", "256.1", "4294967296", "1..2", "08"} {
		if a, ok := parseLegacyIPv4(in); ok {
			t.Errorf("parseLegacyIPv4(%q) = %v, want no address", in, a)
		}
	}
}

// TestRefusedURLs: every refused form, pointed at a fake host that the
// client may otherwise reach, is refused with its reason and fetches
// nothing.
func TestRefusedURLs(t *testing.T) {
	h := newHost(t, func(w http.ResponseWriter, r *http.Request) { w.Write(pngBytes(t)) })
	c := New(Options{TestAllow: []netip.AddrPort{h.ap}})
	ctx := context.Background()
	if _, err := c.GetImage(ctx, h.URL+"/ok.png"); err != nil {
		t.Fatalf("the allowed host: %v", err)
	}
	if h.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", h.hits.Load())
	}
	p := h.port()
	cases := map[string]string{
		"file:///etc/passwd":                        `scheme "file" is not allowed`,
		"gopher://127.0.0.1:" + p + "/_x":           `scheme "gopher" is not allowed`,
		"ftp://127.0.0.1:" + p + "/x":               `scheme "ftp" is not allowed`,
		"javascript:alert(1)":                       `scheme "javascript" is not allowed`,
		"//127.0.0.1:" + p + "/x":                   "no scheme",
		"http://2130706433:" + p + "/":              `"2130706433" is 127.0.0.1 written in a non-standard numeric form: 127.0.0.1 is a loopback address`,
		"http://0x7f.1:" + p + "/":                  `"0x7f.1" is 127.0.0.1 written in a non-standard numeric form`,
		"http://0177.0.0.1:" + p + "/":              `"0177.0.0.1" is 127.0.0.1`,
		"http://127.1:" + p + "/":                   `"127.1" is 127.0.0.1`,
		"http://017700000001:" + p + "/":            `is 127.0.0.1`,
		"http://0:" + p + "/":                       "the unspecified address",
		"http://[::ffff:127.0.0.1]:" + p + "/":      "::ffff:127.0.0.1 is a loopback address (127.0.0.1)",
		"http://[::ffff:7f00:1]:" + p + "/":         "is a loopback address",
		"http://[::1]:" + p + "/":                   "::1 is a loopback address",
		"http://127.0.0.2:" + p + "/":               "127.0.0.2 is a loopback address",
		"http://127.0.0.1:1/":                       "127.0.0.1 is a loopback address",
		"http://127.0.0.1.:" + p + "/":              `"127.0.0.1." is 127.0.0.1 written in a non-standard numeric form`,
		"http://[0:0:0:0:0:ffff:7f00:1]:" + p + "/": "is a loopback address (127.0.0.1)",
		"http://[::ffff:127.0.0.1%25lo]:" + p + "/": "is a loopback address",
		"http://[::7f00:1]:" + p + "/":              "is a loopback address (127.0.0.1)",
		"http://[64:ff9b::7f00:1]:" + p + "/":       "is a loopback address (127.0.0.1)",
		"http://0x7f000001:" + p + "/":              `"0x7f000001" is 127.0.0.1`,
		"http://0300.0250.0.1/":                     `is 192.168.0.1 written in a non-standard numeric form: 192.168.0.1 is a private address`,
		"http://134744072/":                         `"134744072" is 8.8.8.8 written in a non-standard numeric form`,
		"http://LOCALHOST.:" + p + "/":              "loopback name",
		"http://localhost:" + p + "/":               "loopback name",
		"http://169.254.169.254/latest/meta-data/":  "169.254.169.254 is the cloud metadata address",
		"http://[fe80::1%25lo]:" + p + "/":          "link-local",
		"http://10.0.0.1/":                          "10.0.0.1 is a private address",
		"http://100.64.0.1/":                        "shared",
		"http://[fc00::1]/":                         "private",
		"http://224.0.0.1/":                         "multicast",
		"http://255.255.255.255/":                   "broadcast",
		"http:///nohost":                            "no host",
		"http://user:pw@10.0.0.1/":                  "private",
	}
	for u, want := range cases {
		_, err := c.Get(ctx, u)
		refusedWith(t, u, err, want)
		if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%s: the password is in the error %q", u, err)
		}
	}
	if h.hits.Load() != 1 {
		t.Fatalf("hits = %d after the refused URLs, want 1 (nothing fetched)", h.hits.Load())
	}
}

// TestResolvedAddress: a name resolving to a refused address is refused
// at connect time.
func TestResolvedAddress(t *testing.T) {
	h := newHost(t, func(w http.ResponseWriter, r *http.Request) { w.Write(pngBytes(t)) })
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "private.test":
			return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
		case "mixed.test":
			return []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("127.0.0.2")}, nil
		case "mapped.test":
			return []netip.Addr{netip.MustParseAddr("::ffff:127.0.0.1")}, nil
		case "images.test":
			return []netip.Addr{h.ap.Addr()}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	c := New(Options{TestAllow: []netip.AddrPort{h.ap}, TestResolve: resolve})
	ctx := context.Background()
	if _, err := c.GetImage(ctx, "http://images.test:"+h.port()+"/a.png"); err != nil {
		t.Fatalf("an allowed name: %v", err)
	}
	refusedWith(t, "private.test", func() error { _, err := c.Get(ctx, "http://private.test/"); return err }(), "10.0.0.1 is a private address (the address of private.test)")
	refusedWith(t, "mixed.test", func() error { _, err := c.Get(ctx, "http://mixed.test:"+h.port()+"/"); return err }(), "127.0.0.2 is a loopback address (the address of mixed.test)")
	refusedWith(t, "mapped.test", func() error { _, err := c.Get(ctx, "http://mapped.test:"+h.port()+"/"); return err }(), "loopback")
	if h.hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", h.hits.Load())
	}
	_, err := c.Get(ctx, "http://nowhere.test/")
	var fe *Error
	if !errors.As(err, &fe) || fe.Temporary || fe.Refused {
		t.Fatalf("an unknown name: want a permanent failure, got %#v", err)
	}
}

// TestControl: the dialer's check sees the socket's address, whatever
// resolved it (DNS rebinding gains nothing).
func TestControl(t *testing.T) {
	c := New(Options{TestAllow: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:9")}})
	for _, a := range []string{"127.0.0.1:80", "10.0.0.1:80", "[::ffff:127.0.0.1]:80", "[::1]:80", "169.254.169.254:80"} {
		if err := c.control("tcp", a, nil); err == nil {
			t.Errorf("control(%s) = nil, want a refusal", a)
		}
	}
	for _, a := range []string{"127.0.0.1:9", "[::ffff:127.0.0.1]:9", "8.8.8.8:443"} {
		if err := c.control("tcp", a, nil); err != nil {
			t.Errorf("control(%s) = %v, want nil", a, err)
		}
	}
}

func TestRedirects(t *testing.T) {
	target := newHost(t, func(w http.ResponseWriter, r *http.Request) { w.Write(pngBytes(t)) })
	var h *host
	h = newHost(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-loopback":
			http.Redirect(w, r, target.URL+"/x.png", http.StatusFound)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/to-numeric":
			http.Redirect(w, r, "http://2130706433:"+target.port()+"/", http.StatusMovedPermanently)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
		case "/img.png":
			w.Write(pngBytes(t))
		default: // /chain/N redirects N more times, then to the image
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/chain/"))
			if n == 0 {
				http.Redirect(w, r, "/img.png", http.StatusFound)
				return
			}
			http.Redirect(w, r, "/chain/"+strconv.Itoa(n-1), http.StatusFound)
		}
	})
	c := New(Options{TestAllow: []netip.AddrPort{h.ap}})
	ctx := context.Background()
	for path, want := range map[string]string{
		"/to-loopback": "127.0.0.1 is a loopback address",
		"/to-file":     `scheme "file"`,
		"/to-numeric":  "non-standard numeric form",
		"/to-metadata": "metadata",
		"/chain/5":     "more than 5 redirects",
	} {
		_, err := c.Get(ctx, h.URL+path)
		refusedWith(t, path, err, want)
	}
	if target.hits.Load() != 0 {
		t.Fatalf("the redirect target was fetched %d times, want 0", target.hits.Load())
	}
	r, err := c.GetImage(ctx, h.URL+"/chain/4") // 5 redirects
	if err != nil {
		t.Fatalf("5 redirects: %v", err)
	}
	if !strings.HasSuffix(r.URL, "/img.png") || r.Type != "image/png" {
		t.Fatalf("5 redirects: got %s of type %s", r.URL, r.Type)
	}
}

func TestBody(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 2000)
	h := newHost(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Write(big)
		case "/big-chunked":
			for i := 0; i < 20; i++ {
				w.Write(big[:100])
				w.(http.Flusher).Flush()
			}
		case "/html-as-jpeg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write([]byte("<!DOCTYPE html><html><body>not an image</body></html>"))
		case "/empty":
			w.Header().Set("Content-Type", "image/png")
		case "/png-as-text":
			w.Header().Set("Content-Type", "text/plain")
			w.Write(pngBytes(t))
		case "/503":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case "/404":
			http.NotFound(w, r)
		}
	})
	c := New(Options{MaxBytes: 1000, TestAllow: []netip.AddrPort{h.ap}})
	ctx := context.Background()
	for _, p := range []string{"/big", "/big-chunked"} {
		_, err := c.Get(ctx, h.URL+p)
		if err == nil || !strings.Contains(err.Error(), "larger than the cap of 1000 bytes") {
			t.Errorf("%s: want the cap named, got %v", p, err)
		}
	}
	_, err := c.GetImage(ctx, h.URL+"/html-as-jpeg")
	if err == nil || !strings.Contains(err.Error(), `not an image: the bytes are text/html (served as "image/jpeg")`) {
		t.Errorf("HTML as JPEG: got %v", err)
	}
	_, err = c.GetImage(ctx, h.URL+"/empty")
	if err == nil || !strings.Contains(err.Error(), "the bytes are empty") {
		t.Errorf("empty: got %v", err)
	}
	if r, err := c.GetImage(ctx, h.URL+"/png-as-text"); err != nil || r.Type != "image/png" {
		t.Errorf("PNG served as text: got %v, %v", r, err)
	}
	var fe *Error
	_, err = c.Get(ctx, h.URL+"/503")
	if !errors.As(err, &fe) || fe.Status != 503 || !fe.Temporary {
		t.Errorf("503: got %#v", err)
	}
	_, err = c.Get(ctx, h.URL+"/404")
	if !errors.As(err, &fe) || fe.Status != 404 || fe.Temporary {
		t.Errorf("404: got %#v", err)
	}
}

// TestHeaderTimeout: a server that never answers is a temporary error
// (the handler is held until the test ends; no duration is measured).
func TestHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	h := newHost(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := New(Options{HeaderTimeout: 50 * time.Millisecond, TestAllow: []netip.AddrPort{h.ap}})
	_, err := c.Get(context.Background(), h.URL+"/slow")
	var fe *Error
	if !errors.As(err, &fe) || !fe.Temporary || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("want a temporary timeout, got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Get(ctx, h.URL+"/slow")
	if !errors.Is(err, context.Canceled) || fe.Temporary && errors.As(err, &fe) && fe.Temporary {
		t.Fatalf("a canceled context: got %v", err)
	}
}

// TestReadCapped: bodies of known and unknown length, at the cap, one
// byte over it, and across readChunk's pieces, read whole or refused.
func TestReadCapped(t *testing.T) {
	body := make([]byte, 3*readChunk+17)
	for i := range body {
		body[i] = byte(i * 7)
	}
	n := int64(len(body))
	for _, tc := range []struct {
		length, max int64
		ok          bool
	}{{n, n, true}, {-1, n, true}, {-1, n - 1, false}, {n, n - 1, false}, {-1, 10 * n, true}, {0, n, true}} {
		in := body
		if tc.length == 0 {
			in = nil
		}
		b, err := readCapped(bytes.NewReader(in), tc.length, tc.max)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if tc.ok != (b != nil) || (b != nil && !bytes.Equal(b, in)) {
			t.Errorf("%+v: read %d bytes (nil %v)", tc, len(b), b == nil)
		}
	}
	if _, err := readCapped(bytes.NewReader(body[:5]), 10, 100); err == nil || !strings.Contains(err.Error(), "fewer bytes than its Content-Length 10") {
		t.Errorf("a short body: %v", err)
	}
}
