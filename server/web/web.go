// Package web is the training service's web page: plain HTML, CSS and
// JavaScript modules (with uPlot vendored under vendor/uplot), embedded in
// the binary and served at "/" with a strict Content-Security-Policy. The
// page only talks to the service's JSON API.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed index.html login.html style.css *.js vendor
var files embed.FS

// FS returns the embedded files.
func FS() fs.FS { return files }

// CSP is the Content-Security-Policy of every file served: only this
// origin's scripts, styles and connections, no inline scripts, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders are set on every file served, the login page included.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// publicFiles are what the login page needs, served without the token:
// nothing in them is about the service's runs or data.
var publicFiles = map[string]bool{"login.js": true, "session.js": true, "style.css": true}

// Public reports whether the file at urlPath is served without the token
// (the login page's script and style sheet).
func Public(urlPath string) bool {
	return publicFiles[strings.TrimPrefix(path.Clean("/"+urlPath), "/")]
}

// Login answers a browser that lacks the token with 401: the login page
// (which asks for the token and sends it to POST /api/session) for the
// page's address, a short text for any other file.
func Login() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		securityHeaders(h)
		h.Set("Cache-Control", "no-store")
		h.Set("WWW-Authenticate", `Bearer realm="mlforge"`)
		p := path.Clean("/" + r.URL.Path)
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && (p == "/" || p == "/index.html") {
			b, err := files.ReadFile("login.html")
			if err != nil {
				http.Error(w, "login.html is missing from the binary", http.StatusInternalServerError)
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			if r.Method == http.MethodGet {
				_, _ = w.Write(b)
			}
			return
		}
		http.Error(w, "this server needs its API token: open / to enter it", http.StatusUnauthorized)
	})
}

// Handler serves the page: GET or HEAD of "/" is index.html, other paths
// name embedded files; folders are not listed. The login page is served
// only by Login.
func Handler() http.Handler {
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		securityHeaders(h)
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		if p == "/" || p == "/index.html" {
			serveIndex(w, r)
			return
		}
		name := strings.TrimPrefix(p, "/")
		if fi, err := fs.Stat(files, name); err != nil || fi.IsDir() || strings.HasSuffix(name, ".go") || name == "login.html" {
			http.NotFound(w, r)
			return
		}
		fileServer.ServeHTTP(w, r)
	})
}

func serveIndex(w http.ResponseWriter, r *http.Request) {
	b, err := files.ReadFile("index.html")
	if err != nil {
		http.Error(w, "index.html is missing from the binary", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b)
}
