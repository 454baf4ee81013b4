//go:build race

package mltest

// raceEnabled reports a build with the race detector, under which sync.Pool
// drops items at random and allocation counts are not the program's own.
const raceEnabled = true
