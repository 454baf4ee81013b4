package tensor

import (
	"os"
	"strconv"
)

func tuneFromEnv() {
	if v, err := strconv.Atoi(os.Getenv("TMC")); err == nil {
		active.mc = v
	}
	if v, err := strconv.Atoi(os.Getenv("TKC")); err == nil {
		active.kc = v
	}
	if v, err := strconv.Atoi(os.Getenv("TNC")); err == nil {
		active.nc = v
	}
	active.mc = roundUp(active.mc, active.mr)
	active.nc = roundUp(active.nc, active.nr)
}
