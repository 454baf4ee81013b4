package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/mlforge/mlforge/internal/text"
	"github.com/mlforge/mlforge/server/web"
)

// Who may talk to the server. Without a token (a loopback address) only
// requests whose Host names the loopback interface are served, so that a
// web page on another site cannot reach the API by DNS rebinding (its
// requests carry the attacker's host name). With a token every route but
// the login page needs it: in an Authorization: Bearer header, in the
// page's cookie, or, on the event stream only (EventSource sends no
// headers), in ?token=. Requests that change something must come from the
// page's own origin (http.CrossOriginProtection plus an exact comparison of
// the whole Origin), whatever the token.

// MinPublicToken is the shortest token accepted on an address other than
// loopback.
const MinPublicToken = 32

// tokenCookie is the cookie that carries the token for the web page.
const tokenCookie = "mlforge_token"

// tokenPattern is what a token may hold: RFC 6750's b64token, so that it
// travels unchanged in a header, a cookie and a query string.
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

// checkToken says why tok cannot be the API token of a server listening
// on addr, or nil.
func checkToken(tok, addr string) error {
	if len(tok) > 4096 || !tokenPattern.MatchString(tok) {
		return fmt.Errorf("the API token must be 1 to 4096 letters, digits or -._~+/ (RFC 6750), optionally ending in =")
	}
	if !loopback(addr) && len(tok) < MinPublicToken {
		return fmt.Errorf("the API token has %d bytes; on an address other than loopback (%s) it needs at least %d (or leave it out to have one generated)", len(tok), addr, MinPublicToken)
	}
	return nil
}

// loopbackHost reports whether the Host header names the loopback
// interface: 127.0.0.1, localhost or [::1], with or without a port.
func loopbackHost(host string) bool {
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if !validPort(port) {
			return false
		}
		name = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		name = host[1 : len(host)-1]
	} else if strings.Contains(host, ":") {
		return false // an IPv6 address without brackets, or a bad port
	}
	return name == "127.0.0.1" || name == "::1" || strings.EqualFold(name, "localhost")
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// checkHost refuses, without a token, a Host other than loopback's with
// 421 Misdirected Request.
func (s *Server) checkHost(r *http.Request) error {
	if s.token != "" || loopbackHost(r.Host) {
		return nil
	}
	return errorf(http.StatusMisdirectedRequest, "misdirected",
		"Host %q is not served: without an API token this server answers only 127.0.0.1, localhost and [::1] (a guard against DNS rebinding); start it with --token to serve other names", text.Abbrev(r.Host))
}

// tokenSource says where a route accepts the token from besides the
// Authorization header and the cookie.
type tokenSource int

const (
	headerOrCookie tokenSource = iota
	orQuery                    // ?token=, for the event stream
)

// authorized checks the request's token: the Authorization header when
// there is one (the Bearer scheme, in any case, as RFC 7235 says; nothing
// else), otherwise the cookie, otherwise ?token= where src allows it.
func (s *Server) authorized(r *http.Request, src tokenSource) bool {
	if s.token == "" {
		return true
	}
	var got string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		got = strings.TrimLeft(tok, " ")
	} else if c, err := r.Cookie(tokenCookie); err == nil {
		got = c.Value
	} else if src == orQuery {
		got = r.URL.Query().Get("token")
	}
	return got != "" && s.tokenMatches(got)
}

// tokenMatches compares in constant time, lengths included (both sides are
// hashed first).
func (s *Server) tokenMatches(got string) bool {
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(s.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// newCrossOrigin builds the cross-origin protection, trusting origins
// (scheme://host[:port], as a browser sends them) besides the server's own.
func newCrossOrigin(origins []string) (*http.CrossOriginProtection, map[string]bool, error) {
	cop := http.NewCrossOriginProtection()
	trusted := map[string]bool{}
	for _, o := range origins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, nil, fmt.Errorf("trusted origin %q: %w", o, err)
		}
		trusted[o] = true
	}
	return cop, trusted, nil
}

// crossOrigin says why a request that may change something (any method but
// GET, HEAD and OPTIONS) is refused as coming from another origin, or nil.
// http.CrossOriginProtection refuses a Sec-Fetch-Site other than
// same-origin or none; when a browser sends no Sec-Fetch-Site, it compares
// only the host of Origin, so the whole origin (scheme, host, port, and no
// user name) is compared here too. Clients that send neither header (curl,
// the CLI) pass: they are not browsers, and the token guards them.
func (s *Server) crossOrigin(r *http.Request) error {
	refuse := func(why string) error {
		return errorf(http.StatusForbidden, "csrf", "cross-origin %s refused: %s", r.Method, why)
	}
	if err := s.cop.Check(r); err != nil {
		return refuse(fmt.Sprintf("the request's Sec-Fetch-Site or Origin says it comes from another origin (%v)", err))
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return nil
	}
	origin := r.Header.Get("Origin")
	if origin == "" || s.trusted[origin] || origin == ownOrigin(r) {
		return nil
	}
	return refuse(fmt.Sprintf("Origin %q is not this server's origin %q", text.Abbrev(origin), ownOrigin(r)))
}

// ownOrigin is the origin a browser sends for the server's own page.
func ownOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: strings.ToLower(r.Host)}).String()
}

// loopback reports whether addr only listens on a loopback interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// page serves the web page to a browser that has the token (or to anyone
// when none is needed) and the login page to others; the login page's
// own script and style sheet are public.
func (s *Server) page(next http.Handler) http.Handler {
	login := web.Login()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(r, headerOrCookie) || web.Public(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		login.ServeHTTP(w, r)
	})
}

// createSession is POST /api/session: a request that carries the token
// (in its Authorization header) gets it back as the page's cookie,
// HttpOnly and SameSite=Strict, so that scripts cannot read it and other
// sites cannot send it.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	if s.token != "" {
		http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.token, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteSession is DELETE /api/session: the cookie is removed.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
