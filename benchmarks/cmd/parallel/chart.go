package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

var (
	grey = color.RGBA{R: 150, G: 150, B: 150, A: 255}
	blue = color.RGBA{R: 40, G: 100, B: 200, A: 255}
	teal = color.RGBA{R: 30, G: 160, B: 140, A: 255}
	red  = color.RGBA{R: 200, G: 60, B: 60, A: 255}
)

// chart draws, per shape, the ratios of phuslu, hydra-async and
// hydra-sync to slog.JSONHandler at GOMAXPROCS cpu (see ratio), as grouped
// bars, with a line at 1.
func (r results) chart(file, family string, cpu int) error {
	bars := []struct {
		handler string
		color   color.Color
	}{{"phuslu", grey}, {"hydra-async", blue}, {"hydra-sync", teal}}
	var names []string
	for _, s := range shapes {
		if _, ok := r.median(key{family, s, "slog-json", cpu}, "ns/op"); ok {
			names = append(names, s)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("no %s results at -cpu %d to chart", family, cpu)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("b.RunParallel at -cpu %d: ns/op over slog.JSONHandler's (lower is better)", cpu)
	p.Y.Label.Text = "ratio to slog.JSONHandler"
	w := vg.Points(14)
	top := 1.0
	for i, b := range bars {
		vs := make(plotter.Values, len(names))
		for j, s := range names {
			if v, ok := r.ratioValue(family, s, cpu, b.handler, "slog-json"); ok {
				vs[j] = v
				top = max(top, vs[j])
			}
		}
		bc, err := plotter.NewBarChart(vs, w)
		if err != nil {
			return err
		}
		bc.Color, bc.LineStyle.Width, bc.Offset = b.color, 0, vg.Length(i-1)*w
		p.Add(bc)
		p.Legend.Add(b.handler, bc)
	}
	one, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 1}, {X: float64(len(names)) - 0.5, Y: 1}})
	if err != nil {
		return err
	}
	one.Color, one.Dashes = red, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(one)
	p.Legend.Add("slog.JSONHandler = 1", one)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(8)
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, top*1.45 // room for the legend
	return p.Save(10*vg.Inch, 4*vg.Inch, file)
}
