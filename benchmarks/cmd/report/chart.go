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
)

// callerChart draws what one log call costs the caller, per logger.
func (r *results) callerChart(file string) error {
	names := r.names("Caller", "floor", "slog-json", "slog-text", "zap", "zerolog", "channel", "hydra-json", "hydra-text")
	var ns plotter.Values
	for _, n := range names {
		v, _ := r.median("Caller/"+n, "ns/op")
		ns = append(ns, v)
	}
	p := plot.New()
	p.Title.Text = "What a log call costs the caller (ns per record, lower is better)"
	p.Y.Label.Text = "ns/op"
	bars, err := plotter.NewBarChart(ns, vg.Points(28))
	if err != nil {
		return err
	}
	bars.Color = grey
	bars.LineStyle.Width = 0
	p.Add(bars)
	// hydra's bars in color, drawn over the grey ones.
	hydra := make(plotter.Values, len(ns))
	for i, n := range names {
		if len(n) > 5 && n[:5] == "hydra" {
			hydra[i] = ns[i]
		}
	}
	hb, err := plotter.NewBarChart(hydra, vg.Points(28))
	if err != nil {
		return err
	}
	hb.Color = blue
	hb.LineStyle.Width = 0
	p.Add(hb)
	labels, err := barLabels(ns, "%.0f")
	if err != nil {
		return err
	}
	p.Add(labels)
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, maxOf(ns)*1.12 // room for the labels
	return p.Save(9*vg.Inch, 4*vg.Inch, file)
}

func maxOf(vs plotter.Values) float64 {
	m := 0.0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// throughputChart draws sustained records per second to a file, with one
// and four producers, per logger.
func (r *results) throughputChart(file string) error {
	names := []string{"slog-json", "hydra-json", "zap-buffered", "zerolog", "zerolog-diode"}
	var one, four plotter.Values
	for _, n := range names {
		v1, _ := r.median("File/"+n+"/producers=1", "records/s")
		v4, _ := r.median("File/"+n+"/producers=4", "records/s")
		one = append(one, v1/1e6)
		four = append(four, v4/1e6)
	}
	p := plot.New()
	p.Title.Text = "Sustained throughput to a file (million records per second, higher is better)"
	p.Y.Label.Text = "M records/s"
	w := vg.Points(22)
	b1, err := plotter.NewBarChart(one, w)
	if err != nil {
		return err
	}
	b1.Color, b1.LineStyle.Width, b1.Offset = blue, 0, -w/2
	b4, err := plotter.NewBarChart(four, w)
	if err != nil {
		return err
	}
	b4.Color, b4.LineStyle.Width, b4.Offset = teal, 0, w/2
	p.Add(b1, b4)
	p.Legend.Add("1 producer", b1)
	p.Legend.Add("4 producers", b4)
	p.Legend.Top = true
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, max(maxOf(one), maxOf(four))*1.15 // room for the legend
	return p.Save(9*vg.Inch, 4*vg.Inch, file)
}

// barLabels writes each value above its bar.
func barLabels(vs plotter.Values, format string) (*plotter.Labels, error) {
	xys := make(plotter.XYs, len(vs))
	text := make([]string, len(vs))
	for i, v := range vs {
		xys[i] = plotter.XY{X: float64(i), Y: v}
		text[i] = fmt.Sprintf(format, v)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: text})
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = -0.5 // centred on the bar
		l.TextStyle[i].YAlign = 0.2
	}
	return l, nil
}
