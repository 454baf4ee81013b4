// Package buildinfo reports the mlforge version compiled into the binary.
package buildinfo

import "runtime/debug"

// Version is the release version; overridden at link time with
// -ldflags "-X github.com/mlforge/mlforge/internal/buildinfo.Version=v1.2.3".
var Version = "0.1.0-dev"

// String returns the version followed by the VCS revision when the binary
// was built from a git checkout with VCS stamping.
func String() string {
	v := Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return v
}
