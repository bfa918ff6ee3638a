package main

// The network section of the report: throughput to rsyslogd and to an
// HTTP collector, and the caller's cost while the collector is down
// (results/network.txt), as tables and results/network.svg.

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// networkSummary writes the network tables to b; nothing if network.txt
// holds no results.
func (r *results) networkSummary(b *strings.Builder) {
	if _, ok := r.median("Syslog/log-syslog", "records/s"); !ok {
		return
	}
	ratio := func(v, base float64) string {
		if base == 0 {
			return ""
		}
		return fmt.Sprintf("%.2fx", v/base)
	}
	fmt.Fprintf(b, "\n### Shipping logs to rsyslogd over TCP (records per second until every record is written to the socket, higher is better)\n\n")
	fmt.Fprintf(b, "| logger | 1 goroutine | vs log/syslog | ns/op | allocs/op | %d goroutines | vs log/syslog |\n|---|---|---|---|---|---|---|\n", r.procs)
	base1, _ := r.median("Syslog/log-syslog", "records/s")
	baseP, _ := r.median("SyslogParallel/log-syslog", "records/s")
	for _, n := range []string{"hydra-text", "hydra-json", "log-syslog"} {
		v1, _ := r.median("Syslog/"+n, "records/s")
		ns, _ := r.median("Syslog/"+n, "ns/op")
		allocs, _ := r.median("Syslog/"+n, "allocs/op")
		par, vp := "", ""
		if v, ok := r.median("SyslogParallel/"+n, "records/s"); ok {
			par, vp = fmt.Sprintf("%.0f", v), ratio(v, baseP)
		}
		fmt.Fprintf(b, "| %s | %.0f | %s | %.0f | %.0f | %s | %s |\n", n, v1, ratio(v1, base1), ns, allocs, par, vp)
	}
	b.WriteString("\nA real rsyslogd on the same machine (it parses every message and writes it to /dev/null). hydra-*: a syslog destination (`tcp://`, RFC 5424, octet counting), " +
		"async, default queue, Block; timed until Flush returns. log-syslog: the standard library's log/syslog (`syslog.Dial(\"tcp\", ...)`) " +
		"behind slog.TextHandler, synchronous, one write per record. github.com/samber/slog-syslog is not measured: the module proxy this " +
		"machine reaches does not serve it.\n")

	b.WriteString("\n### Shipping logs to an HTTP collector (records per second until every record is answered, higher is better)\n\n")
	b.WriteString("| logger | records/s | vs post-per-record | requests per record | allocs/op |\n|---|---|---|---|---|\n")
	baseH, _ := r.median("HTTP/post-per-record", "records/s")
	for _, n := range []string{"hydra", "post-per-record"} {
		v, _ := r.median("HTTP/"+n, "records/s")
		reqs, _ := r.median("HTTP/"+n, "requests/op")
		allocs, _ := r.median("HTTP/"+n, "allocs/op")
		fmt.Fprintf(b, "| %s | %.0f | %s | %.4f | %.0f |\n", n, v, ratio(v, baseH), reqs, allocs)
	}
	b.WriteString("\nAn httptest server in the same process that counts lines and answers 200. hydra: an http destination (batches of JSON lines, one POST each). " +
		"post-per-record: slog.JSONHandler on a writer that POSTs each record and reads the answer before returning, over a kept-alive connection: " +
		"what a hand-rolled HTTP writer does.\n")

	b.WriteString("\n### What a log call costs while the collector is down (queue of 1024 records, already full; ns per record)\n\n")
	b.WriteString("| collector / policy | ns/op | vs floor | drops/op | allocs/op |\n|---|---|---|---|---|\n")
	floor, _ := r.median("NetworkDown/floor", "ns/op")
	for _, n := range r.names("NetworkDown", "floor", "stalled-writer", "refused/drop-newest", "deaf/drop-newest", "refused", "deaf") {
		ns, _ := r.median("NetworkDown/"+n, "ns/op")
		allocs, _ := r.median("NetworkDown/"+n, "allocs/op")
		drops := ""
		if d, ok := r.median("NetworkDown/"+n, "drops/op"); ok {
			drops = fmt.Sprintf("%.3f", d)
		}
		fmt.Fprintf(b, "| %s | %.0f | %s | %s | %.0f |\n", n, ns, ratio(ns, floor), drops, allocs)
	}
	b.WriteString("\nfloor: slog's front end alone. stalled-writer: hydra's drop path on a writer destination whose Write never returns, for comparison. " +
		"refused: a syslog destination over TCP to a port where nothing listens (the consumer dials again with backoff). " +
		"deaf: to a listener that accepts and never reads (the consumer's write blocks once the socket buffers are full).\n")
}

// networkChart draws records per second to rsyslogd and to the HTTP
// collector, per logger; nothing if network.txt holds no results.
func (r *results) networkChart(file string) error {
	if _, ok := r.median("Syslog/log-syslog", "records/s"); !ok {
		return nil
	}
	rows := []struct{ label, name string }{
		{"syslog\nhydra-text", "Syslog/hydra-text"},
		{"syslog\nhydra-json", "Syslog/hydra-json"},
		{"syslog\nlog/syslog", "Syslog/log-syslog"},
		{fmt.Sprintf("syslog x%d\nhydra-text", r.procs), "SyslogParallel/hydra-text"},
		{fmt.Sprintf("syslog x%d\nlog/syslog", r.procs), "SyslogParallel/log-syslog"},
		{"http\nhydra", "HTTP/hydra"},
		{"http\npost-per-record", "HTTP/post-per-record"},
	}
	var all, hydra plotter.Values
	var labels []string
	for _, row := range rows {
		v, _ := r.median(row.name, "records/s")
		all = append(all, v/1e3)
		h := 0.0
		if strings.Contains(row.name, "hydra") {
			h = v / 1e3
		}
		hydra = append(hydra, h)
		labels = append(labels, row.label)
	}
	p := plot.New()
	p.Title.Text = "Shipping logs over the network (thousand records per second, higher is better)"
	p.Y.Label.Text = "k records/s"
	w := vg.Points(28)
	bars, err := plotter.NewBarChart(all, w)
	if err != nil {
		return err
	}
	bars.Color, bars.LineStyle.Width = grey, 0
	hb, err := plotter.NewBarChart(hydra, w)
	if err != nil {
		return err
	}
	hb.Color, hb.LineStyle.Width = blue, 0
	p.Add(bars, hb)
	l, err := barLabels(all, "%.0f")
	if err != nil {
		return err
	}
	p.Add(l)
	p.NominalX(labels...)
	p.Y.Min, p.Y.Max = 0, maxOf(all)*1.12
	return p.Save(9*vg.Inch, 4*vg.Inch, file)
}
