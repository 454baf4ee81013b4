//go:build unix

package cli

import "syscall"

// restrictUmask makes everything the server creates (the store, uploads,
// models, checkpoints) private to its user: files 0600, folders 0700.
func restrictUmask() { syscall.Umask(0o077) }
