//go:build mlforge_testhooks

package server

import (
	"net/netip"

	"github.com/mlforge/mlforge/internal/safefetch"
)

// SetCollectTestHooks points this process's collections at fake servers:
// the SSRF guard lets allow through (fake hosts listen on loopback) and
// SerpApi is asked at serpURL. It exists only in a binary built with the
// build tag mlforge_testhooks, as testdata/slowserver is (buildSlowServer):
// mlforge itself is built without the tag and holds no such function, so
// neither a request, a flag nor the environment can reach the hooks there.
func SetCollectTestHooks(allow []netip.AddrPort, serpURL string) {
	collectFetchOptions = safefetch.Options{TestAllow: allow}
	collectSerpApiURL = serpURL
}
