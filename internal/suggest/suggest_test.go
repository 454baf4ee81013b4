package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"n_neighbors", "weights", "p", "algorithm", "leaf_size"}
	for _, c := range []struct{ in, want string }{
		{"n_neighbours", "n_neighbors"},
		{"wieghts", "weights"},
		{"N_NEIGHBORS", "n_neighbors"},
		{"completely_else", ""},
		{"algoritm", "algorithm"},
	} {
		if got := Closest(c.in, names); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if d := distance("ab", "ba"); d != 1 {
		t.Errorf("transposition distance = %d, want 1", d)
	}
}
