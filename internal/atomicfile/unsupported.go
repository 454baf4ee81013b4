package atomicfile

import (
	"errors"
	"runtime"
	"syscall"
)

// isUnsupported reports whether err says the file system cannot sync a
// directory (EINVAL from some file systems, any error on Windows).
func isUnsupported(err error) bool {
	return runtime.GOOS == "windows" || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}
