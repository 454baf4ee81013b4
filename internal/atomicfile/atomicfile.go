// Package atomicfile writes a file so that a crash leaves either the old
// file or the whole new one: the bytes go to a temporary file in the same
// directory, which is synced, closed and renamed over the target, and the
// directory is then synced so that the rename itself survives a power loss.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write creates dir if needed and writes dir/name with write, through a
// temporary file named by pattern (os.CreateTemp's). It returns the file's
// path. On an error the target is left as it was and the temporary file is
// removed.
func Write(dir, name, pattern string, write func(io.Writer) error) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	return path, SyncDir(dir)
}

// SyncDir flushes dir's entries (a rename into it) to stable storage. On
// systems where a directory cannot be opened for syncing (Windows) it does
// nothing.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isUnsupported(err) {
		return err
	}
	return nil
}
