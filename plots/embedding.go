package plots

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// embeddingJSON is an unsupervised run's recorded scatter (train.Embedding).
type embeddingJSON struct {
	Kind     string       `json:"kind"`
	XLabel   string       `json:"x_label"`
	YLabel   string       `json:"y_label"`
	ColourBy string       `json:"colour_by"`
	NRows    int          `json:"n_rows"`
	Stride   int          `json:"stride"`
	X        []float64    `json:"x"`
	Y        []float64    `json:"y"`
	Group    []int        `json:"group"`
	Groups   []string     `json:"groups"`
	Centers  [][2]float64 `json:"centers"`
}

// maxEmbeddingGroups bounds the legend: more groups are drawn in colour
// without one.
const maxEmbeddingGroups = 20

// noiseColour is DBSCAN's noise.
var noiseColour = color.RGBA{150, 150, 150, 255}

// drawEmbedding draws the points, one scatter per group (label or
// cluster), and a k-means' centres as black crosses.
func drawEmbedding(e *embeddingJSON) (*plot.Plot, error) {
	n := min(len(e.X), len(e.Y))
	title := "2-D embedding"
	switch e.Kind {
	case "components":
		title = "first two components"
	case "embedding":
		title = "2-D embedding of the training rows"
	case "features":
		title = "clusters on the first two features"
	case "pca":
		title = "clusters on the first two principal components"
	}
	if e.ColourBy == "label" {
		title += ", coloured by label"
	}
	if e.Stride > 0 {
		title += fmt.Sprintf(" (%d of %d rows)", n, e.NRows)
	}
	p := newPlot(title, e.XLabel, e.YLabel)
	coloured := len(e.Group) == n && len(e.Groups) > 0
	groups := 1
	if coloured {
		groups = len(e.Groups)
	}
	xys := make([]plotter.XYs, groups)
	for i := range n {
		g := 0
		if coloured {
			g = e.Group[i]
			if g < 0 || g >= groups {
				continue
			}
		}
		xys[g] = append(xys[g], plotter.XY{X: e.X[i], Y: e.Y[i]})
	}
	radius := vg.Points(2.5)
	if n > 1000 {
		radius = vg.Points(1.5)
	}
	for g, xy := range xys {
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		c := Palette[g%len(Palette)]
		if coloured && e.Groups[g] == "noise" {
			c = noiseColour
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: radius, Shape: draw.CircleGlyph{}}
		p.Add(sc)
		if coloured && groups <= maxEmbeddingGroups {
			p.Legend.Add(e.Groups[g], sc)
		}
	}
	if len(e.Centers) > 0 {
		var xy plotter.XYs
		for _, c := range e.Centers {
			xy = append(xy, plotter.XY{X: c[0], Y: c[1]})
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(6), Shape: draw.CrossGlyph{}}
		p.Add(sc)
		p.Legend.Add("centres", sc)
	}
	return p, nil
}
