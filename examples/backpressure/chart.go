// This file draws the strategies table as an SVG bar chart, by hand, with
// the standard library only.

package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Geometry of the chart, in pixels.
const (
	chartWidth = 760
	labelWidth = 110 // the strategies' names, left of the bars
	barsWidth  = 420 // the longest bar; its value is printed after it
	barHeight  = 14
	barStep    = 20 // from one bar to the next
	panelTitle = 26 // above a panel's first bar
	panelGap   = 18 // below a panel's last bar
	chartTop   = 50 // the chart's title and subtitle
)

// panel is one measure of the table: a bar per strategy.
type panel struct {
	title  string
	color  string
	values []float64
	labels []string // printed after the bars
}

// chartPanels turns the strategies' rows into the chart's panels.
func chartPanels(rows []row) []panel {
	calls := panel{title: "What the caller pays: time each goroutine spent inside log calls", color: "#4e79a7"}
	wall := panel{title: "Until everything is on disk: first record to Close's return", color: "#59a14f"}
	lost := panel{title: "What is lost: records dropped, failed, throttled or sampled, % of logged", color: "#e15759"}
	errs := panel{title: "ERROR records lost, % of those logged", color: "#b07aa1"}
	for _, r := range rows {
		calls.values = append(calls.values, float64(r.inCalls)/float64(time.Microsecond))
		calls.labels = append(calls.labels, fmt.Sprintf("%s (p99 of a call: %s)", fmtDur(r.inCalls), fmtDur(r.p99)))
		wall.values = append(wall.values, float64(r.wall)/float64(time.Millisecond))
		wall.labels = append(wall.labels, fmtDur(r.wall))
		pct := percent(r.lost(), r.logged)
		lost.values = append(lost.values, pct)
		lost.labels = append(lost.labels, fmt.Sprintf("%.1f%% (%d of %d)", pct, r.lost(), r.logged))
		pct = percent(r.errorsLost, r.errors)
		errs.values = append(errs.values, pct)
		errs.labels = append(errs.labels, fmt.Sprintf("%.1f%% (%d of %d)", pct, r.errorsLost, r.errors))
	}
	return []panel{calls, wall, lost, errs}
}

// percent is part as a percentage of whole, 0 for an empty whole.
func percent(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

// writeChart draws the chart of the strategies' rows to w.
func writeChart(w io.Writer, rows []row) error {
	panels := chartPanels(rows)
	panelHeight := panelTitle + len(rows)*barStep + panelGap
	height := chartTop + len(panels)*panelHeight

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, height)
	text(&b, 10, 20, "start", "bold", "hydra: the backpressure strategies under one load")
	text(&b, 10, 38, "start", "normal", fmt.Sprintf("%d goroutines, no pause, a sink taking %v per write behind a queue of %d records",
		strategyGoroutines, writeDelay, queueSize))

	y := chartTop
	for _, p := range panels {
		text(&b, 10, y+16, "start", "bold", p.title)
		top := y + panelTitle
		most := 0.0
		for _, v := range p.values {
			most = max(most, v)
		}
		for i, r := range rows {
			by := top + i*barStep
			text(&b, labelWidth-8, by+barHeight-3, "end", "normal", r.name)
			width := 0.0
			if most > 0 {
				width = p.values[i] / most * barsWidth
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%s" height="%d" fill="%s"/>`+"\n",
				labelWidth, by, strconv.FormatFloat(width, 'f', 1, 64), barHeight, p.color)
			text(&b, labelWidth+int(width)+6, by+barHeight-3, "start", "normal", p.labels[i])
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n",
			labelWidth, top-3, labelWidth, top+len(rows)*barStep-3)
		y += panelHeight
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// text writes a text element, its content escaped.
func text(b *bytes.Buffer, x, y int, anchor, weight, s string) {
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="%s" font-weight="%s">`, x, y, anchor, weight)
	xml.EscapeText(b, []byte(s))
	b.WriteString("</text>\n")
}
