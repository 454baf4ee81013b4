package train_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/train"
)

// TestGradClip: grad_clip clips the gradients before each step (the
// clipping itself is optim.ClipGradNorm, checked against
// torch.nn.utils.clip_grad_norm_ in nn/optim). With SGD each step then
// moves the parameters by at most lr·grad_clip, so with a tiny grad_clip
// the training loss stays where it started, and without it, it does not.
func TestGradClip(t *testing.T) {
	root := t.TempDir()
	writeConfImages(t, root)
	losses := func(keys string) []float64 {
		var out []float64
		rep := ml.ReporterFunc(func(e ml.Event) {
			if e.Kind == "epoch" && e.Loss != nil {
				out = append(out, *e.Loss)
			}
		})
		s := confSpec(t, confCase{kind: "spec", class: "grad_clip", keys: keys}, filepath.Join(t.TempDir(), "m"))
		p, err := train.Check(s, train.Options{Root: root, Reporter: rep})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		return out
	}
	opt := `"optimizer": {"type": "SGD", "lr": 0.5}, "epochs": 3`
	clipped := losses(`{"grad_clip": 1e-9, ` + opt + `}`)
	free := losses(`{` + opt + `}`)
	if len(clipped) != 3 || len(free) != 3 {
		t.Fatalf("epoch losses %v, %v", clipped, free)
	}
	if d := math.Abs(clipped[2]-clipped[0]) / clipped[0]; d > 1e-5 {
		t.Errorf("grad_clip 1e-9: the loss moved from %v to %v", clipped[0], clipped[2])
	}
	if d := math.Abs(free[2]-free[0]) / free[0]; d < 1e-3 {
		t.Errorf("without grad_clip the loss stayed at %v (%v)", free[0], free)
	}
	t.Logf("epoch losses with grad_clip 1e-9 %v, without %v", clipped, free)
}
