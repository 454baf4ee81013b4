// Package safefetch is the HTTP client of every outbound fetch that a user
// names (image URLs of a search, URL columns of a CSV): it guards against
// server-side request forgery. Only http and https are fetched; the address
// a connection goes to is checked when it is made (net.Dialer.Control, so a
// name that resolves to a public address once and to a private one later
// gains nothing), and again for every redirect (at most MaxRedirects).
// Loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 with
// the cloud metadata address, fe80::/10), shared (100.64.0.0/10),
// multicast, unspecified, broadcast and reserved addresses are refused, in
// IPv4-mapped IPv6 form too, as are numeric host names written in the
// non-standard forms that C resolvers accept ("2130706433", "0x7f.1").
// The body is read up to a cap, under connect, header and overall
// timeouts, and its type is sniffed from its bytes, never taken from the
// Content-Type header.
package safefetch

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MaxRedirects is the most redirects one fetch follows.
const MaxRedirects = 5

// Defaults of Options.
const (
	DefaultMaxBytes       = 32 << 20
	DefaultConnectTimeout = 10 * time.Second
	DefaultHeaderTimeout  = 15 * time.Second
	DefaultTimeout        = 60 * time.Second
)

// Options configure a Client. Zero fields take the defaults.
type Options struct {
	// MaxBytes caps a response body; a longer one is an error.
	MaxBytes int64
	// ConnectTimeout bounds a connection's dial and TLS handshake,
	// HeaderTimeout the wait for the response headers, Timeout the whole
	// fetch with its redirects and body.
	ConnectTimeout, HeaderTimeout, Timeout time.Duration
	// UserAgent is sent with every request.
	UserAgent string

	// TestAllow lists addresses (with their ports) that are reached even
	// though the guard refuses them: for tests, whose fake servers listen
	// on loopback. The command line and the API never set it.
	TestAllow []netip.AddrPort
	// TestResolve, when set, replaces DNS: for tests of names that resolve
	// to refused addresses. The command line and the API never set it.
	TestResolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Client fetches URLs under the guard. It is safe for concurrent use.
type Client struct {
	opts Options
	hc   *http.Client
}

// New returns a client with the options o.
func New(o Options) *Client {
	o.MaxBytes = cmp.Or(o.MaxBytes, DefaultMaxBytes)
	o.ConnectTimeout = cmp.Or(o.ConnectTimeout, DefaultConnectTimeout)
	o.HeaderTimeout = cmp.Or(o.HeaderTimeout, DefaultHeaderTimeout)
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	o.UserAgent = cmp.Or(o.UserAgent, "mlforge")
	c := &Client{opts: o}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would connect for us, past the check
		DialContext:           c.dial,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		ResponseHeaderTimeout: o.HeaderTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	c.hc = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return &Error{URL: req.URL.Redacted(), Msg: fmt.Sprintf("refused: more than %d redirects", MaxRedirects), Refused: true}
			}
			return c.checkURL(req.URL)
		},
	}
	return c
}

// Error is a fetch that failed: refused by the guard, too large, of the
// wrong type, an HTTP error status, or a network failure.
type Error struct {
	URL string // the URL (without a password) that failed
	Msg string
	// Refused marks a fetch the guard refused (nothing was fetched from
	// the refused address).
	Refused bool
	// Status is the HTTP status of an error response, 0 if none.
	Status int
	// Temporary marks errors worth retrying: 5xx statuses, 429, timeouts
	// and connection failures.
	Temporary bool
	// Body is the start (up to 4 KiB) of an error response's body.
	Body []byte
	err  error
}

func (e *Error) Error() string {
	if e.URL == "" {
		return e.Msg
	}
	return e.Msg + " (" + e.URL + ")"
}

// Unwrap returns the underlying error (a context's, for one).
func (e *Error) Unwrap() error { return e.err }

// BadInput marks the error as the input's (the URL or what it serves).
func (e *Error) BadInput() bool { return !e.Temporary }

// refused is the error of an address the guard refuses.
type refused struct{ msg string }

func (r *refused) Error() string { return r.msg }

// CheckAddr returns an error that says why a connection to a is refused, or
// nil when a is a public unicast address.
func CheckAddr(a netip.Addr) error {
	if !a.IsValid() {
		return &refused{"refused: not a valid address"}
	}
	a = a.WithZone("")
	orig := a
	a = a.Unmap()
	// IPv6 forms that embed an IPv4 address are judged by it.
	if a.Is6() {
		b := a.As16()
		switch {
		case prefixCompat.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
			a = netip.AddrFrom4([4]byte(b[12:16]))
		case prefixNAT64.Contains(a):
			a = netip.AddrFrom4([4]byte(b[12:16]))
		case prefix6to4.Contains(a):
			a = netip.AddrFrom4([4]byte(b[2:6]))
		}
	}
	why := ""
	switch {
	case a.IsLoopback():
		why = "a loopback address"
	case a.IsUnspecified():
		why = "the unspecified address"
	case a.Is4() && a == netip.AddrFrom4([4]byte{169, 254, 169, 254}):
		why = "the cloud metadata address (link-local)"
	case a.IsLinkLocalUnicast():
		why = "a link-local address"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		why = "a multicast address"
	case a.IsPrivate():
		why = "a private address"
	case a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		why = "the broadcast address"
	default:
		for _, p := range reserved {
			if p.p.Contains(a) {
				why = p.why
				break
			}
		}
	}
	if why == "" {
		return nil
	}
	if orig != a {
		return &refused{fmt.Sprintf("refused: %s is %s (%s)", orig, why, a)}
	}
	return &refused{fmt.Sprintf("refused: %s is %s", a, why)}
}

var (
	prefixCompat = netip.MustParsePrefix("::/96")        // IPv4-compatible (deprecated)
	prefixNAT64  = netip.MustParsePrefix("64:ff9b::/96") // NAT64 well-known prefix
	prefix6to4   = netip.MustParsePrefix("2002::/16")    // 6to4
)

var reserved = []struct {
	p   netip.Prefix
	why string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
}

// checkURL returns an error unless u is an http or https URL whose host
// is a name or a standard IP address that is not refused.
func (c *Client) checkURL(u *url.URL) error {
	fail := func(msg string) error {
		return &Error{URL: u.Redacted(), Msg: msg, Refused: true}
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return fail("refused: the URL has no scheme (expected http or https)")
	default:
		return fail(fmt.Sprintf("refused: scheme %q is not allowed (only http and https)", u.Scheme))
	}
	host := u.Hostname()
	if host == "" {
		return fail("refused: the URL has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fail(fmt.Sprintf("refused: port %q is not valid", p))
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		port := 80
		if strings.EqualFold(u.Scheme, "https") {
			port = 443
		}
		if p, err := strconv.Atoi(u.Port()); err == nil {
			port = p
		}
		if err := c.check(netip.AddrPortFrom(a, uint16(port)), true); err != nil {
			return fail(err.Error())
		}
		return nil
	}
	if a, ok := parseLegacyIPv4(host); ok {
		if err := CheckAddr(a); err != nil {
			return fail(fmt.Sprintf("refused: host %q is %s written in a non-standard numeric form: %s", host, a, strings.TrimPrefix(err.Error(), "refused: ")))
		}
		return fail(fmt.Sprintf("refused: host %q is %s written in a non-standard numeric form", host, a))
	}
	if strings.ContainsAny(host, "%/\\ ") {
		return fail(fmt.Sprintf("refused: host %q is not a valid name", host))
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fail(fmt.Sprintf("refused: host %q is a loopback name", host))
	}
	return nil
}

// parseLegacyIPv4 parses host as inet_aton does: one to four parts
// separated by dots, each decimal, octal (leading 0) or hex (0x), the last
// one filling the remaining bytes. C resolvers (and so Go's cgo resolver)
// turn "2130706433", "0x7f.1" or "017700000001" into 127.0.0.1.
func parseLegacyIPv4(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	parts := strings.Split(host, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		s := p
		switch {
		case len(s) > 1 && (s[:2] == "0x" || s[:2] == "0X"):
			base, s = 16, s[2:]
			if s == "" {
				s = "0"
			}
		case len(s) > 1 && s[0] == '0':
			base, s = 8, s[1:]
		}
		v, err := strconv.ParseUint(s, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
		n |= vals[i] << (8 * (3 - i))
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// allowed reports whether ap is in the test allow list: exactly as
// written when exact, else in either IPv4 or IPv4-mapped form (a socket's
// address).
func (c *Client) allowed(ap netip.AddrPort, exact bool) bool {
	for _, a := range c.opts.TestAllow {
		if a.Port() != ap.Port() {
			continue
		}
		if a.Addr() == ap.Addr() || !exact && a.Addr().Unmap() == ap.Addr().Unmap() {
			return true
		}
	}
	return false
}

// check refuses a connection to ap unless it is public or test-allowed.
func (c *Client) check(ap netip.AddrPort, exact bool) error {
	if c.allowed(ap, exact) {
		return nil
	}
	return CheckAddr(ap.Addr())
}

// control is the dialer's Control: it checks the address a socket is
// about to connect to, whatever resolved it.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &refused{fmt.Sprintf("refused: cannot check the address %q", address)}
	}
	return c.check(ap, false)
}

// dial resolves addr's host, refuses it if any of its addresses is
// refused, and connects to the first that answers; the dialer's Control
// checks the very address each connection goes to.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad port %q", port)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if c.opts.TestResolve != nil {
		addrs, err = c.opts.TestResolve(ctx, host)
		if err != nil {
			return nil, err
		}
	} else {
		addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s has no address", host)
	}
	for _, a := range addrs {
		if err := c.check(netip.AddrPortFrom(a, uint16(pn)), true); err != nil {
			if a.String() != host {
				return nil, &refused{fmt.Sprintf("%s (the address of %s)", err.Error(), host)}
			}
			return nil, err
		}
	}
	d := &net.Dialer{
		Timeout: c.opts.ConnectTimeout,
		Control: c.control,
	}
	var last error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(pn)).String())
		if err == nil {
			return conn, nil
		}
		last = err
		var r *refused
		if errors.As(err, &r) {
			return nil, err
		}
	}
	return nil, last
}

// Response is a fetched body.
type Response struct {
	URL    string // the final URL, after redirects
	Status int
	Header http.Header
	Body   []byte
	// Type is the media type sniffed from the body (http.DetectContentType).
	Type string
}

// Get fetches rawURL and reads its body, up to the cap. A status other
// than 2xx is an *Error with Status set.
func (c *Client) Get(ctx context.Context, rawURL string) (*Response, error) {
	return c.get(ctx, rawURL, c.opts.MaxBytes)
}

// GetWithCap is Get with another cap on the body.
func (c *Client) GetWithCap(ctx context.Context, rawURL string, maxBytes int64) (*Response, error) {
	return c.get(ctx, rawURL, maxBytes)
}

// ImageTypes are the media types GetImage accepts: what mlforge decodes.
var ImageTypes = []string{"image/png", "image/jpeg", "image/gif"}

// GetImage fetches an image: the body's bytes must sniff as PNG, JPEG or
// GIF, whatever the Content-Type header says.
func (c *Client) GetImage(ctx context.Context, rawURL string) (*Response, error) {
	r, err := c.Get(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	for _, t := range ImageTypes {
		if r.Type == t {
			return r, nil
		}
	}
	return nil, &Error{URL: redacted(rawURL), Msg: fmt.Sprintf("not an image: the bytes are %s (served as %q)", describe(r), r.Header.Get("Content-Type"))}
}

func describe(r *Response) string {
	if len(r.Body) == 0 {
		return "empty"
	}
	return r.Type
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Redacted()
}

func (c *Client) get(ctx context.Context, rawURL string, maxBytes int64) (*Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("refused: the URL is not valid: %v", errors.Unwrap(err)), Refused: true}
	}
	if err := c.checkURL(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{URL: u.Redacted(), Msg: "refused: " + err.Error(), Refused: true}
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.wrap(u, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL.Redacted()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, &Error{URL: final, Msg: fmt.Sprintf("HTTP status %s", resp.Status), Status: resp.StatusCode, Body: head,
			Temporary: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout}
	}
	tooLarge := &Error{URL: final, Msg: fmt.Sprintf("the response is larger than the cap of %d bytes", maxBytes)}
	if resp.ContentLength > maxBytes {
		return nil, tooLarge
	}
	body, err := readCapped(resp.Body, resp.ContentLength, maxBytes)
	if err != nil {
		return nil, c.wrap(resp.Request.URL, err)
	}
	if body == nil {
		return nil, tooLarge
	}
	return &Response{URL: final, Status: resp.StatusCode, Header: resp.Header, Body: body, Type: sniff(body)}, nil
}

// readChunk is the size of the pieces readCapped reads a body of unknown
// length in.
const readChunk = 256 << 10

// readCapped reads r to its end, or returns nil when it holds more than
// max bytes. A body of known length (length >= 0, at most max) is read
// into one buffer of that size; one of unknown length in pieces of
// readChunk, joined at the end: a fetch holds at most twice its body, and
// at most max+readChunk while a body too large is read, where reading
// into a growing slice would copy it again at every growth.
func readCapped(r io.Reader, length, max int64) ([]byte, error) {
	if length >= 0 && length <= max {
		b := make([]byte, length)
		if _, err := io.ReadFull(r, b); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = fmt.Errorf("the body ended after fewer bytes than its Content-Length %d: %w", length, err)
			}
			return nil, err
		}
		return b, nil
	}
	var pieces [][]byte
	var n int64
	for {
		p := make([]byte, readChunk)
		k, err := io.ReadFull(r, p)
		n += int64(k)
		if n > max {
			return nil, nil
		}
		if k > 0 {
			pieces = append(pieces, p[:k])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, n)
	for _, p := range pieces {
		out = append(out, p...)
	}
	return out, nil
}

// sniff returns the media type of b's bytes, without parameters.
func sniff(b []byte) string {
	t := http.DetectContentType(b)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

// wrap turns an error of the HTTP client into an *Error without the
// url.Error's URL (which the caller may need to redact).
func (c *Client) wrap(u *url.URL, err error) error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	var r *refused
	if errors.As(err, &r) {
		return &Error{URL: u.Redacted(), Msg: r.msg, Refused: true}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		return &Error{URL: u.Redacted(), Msg: "fetch failed: " + err.Error()}
	case errors.Is(err, context.Canceled):
		return &Error{URL: u.Redacted(), Msg: "canceled", err: context.Canceled}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return &Error{URL: u.Redacted(), Msg: fmt.Sprintf("timed out (connect %s, headers %s, all %s)", c.opts.ConnectTimeout, c.opts.HeaderTimeout, c.opts.Timeout), Temporary: true, err: context.DeadlineExceeded}
	case errors.As(err, &ne) && ne.Timeout():
		return &Error{URL: u.Redacted(), Msg: "timed out: " + err.Error(), Temporary: true}
	}
	return &Error{URL: u.Redacted(), Msg: "fetch failed: " + err.Error(), Temporary: true}
}
