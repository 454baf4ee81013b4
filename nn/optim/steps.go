package optim

import "fmt"

// saveSteps writes the per-parameter step counts of the Adam family into s
// as "I.step" scalars (a parameter not yet stepped is left out).
func saveSteps(s *State, steps []int) {
	for i, st := range steps {
		if st > 0 {
			s.Scalars[fmt.Sprintf("%d.step", i)] = float64(st)
		}
	}
}

// loadSteps reads the step counts saveSteps wrote (0 where absent).
func loadSteps(s *State, steps []int) {
	for i := range steps {
		steps[i] = int(s.Scalars[fmt.Sprintf("%d.step", i)])
	}
}
