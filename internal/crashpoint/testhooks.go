//go:build mlforge_testhooks

package crashpoint

import (
	"os"
	"strconv"
	"strings"
	"sync"
)

var (
	mu    sync.Mutex
	armed = map[string]bool{}
	mark  string
)

// Arm arms the points named (comma-separated, as in the environment
// variable SLOWSERVER_CRASH_AT of server/testdata/slowserver): the first goroutine to reach one writes this
// process's id into the file markFile (so that a test knows whom to kill
// and when) and stops there. A point is reached once: it is disarmed as it
// is reached. It exists only under the build tag mlforge_testhooks.
func Arm(points, markFile string) {
	mu.Lock()
	defer mu.Unlock()
	for _, p := range strings.Split(points, ",") {
		if p = strings.TrimSpace(p); p != "" {
			armed[p] = true
		}
	}
	mark = markFile
	pause = reached
}

// reached reports whether point is armed; "point?" only asks, while
// "point" disarms it and writes the mark.
func reached(point string) bool {
	mu.Lock()
	defer mu.Unlock()
	if p, ok := strings.CutSuffix(point, "?"); ok {
		return armed[p]
	}
	if !armed[point] {
		return false
	}
	delete(armed, point)
	if mark != "" {
		tmp := mark + ".tmp"
		if os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+" "+point+"\n"), 0o600) == nil {
			os.Rename(tmp, mark)
		}
	}
	return true
}
