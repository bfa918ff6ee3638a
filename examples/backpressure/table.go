// This file prints the demo's tables, aligned or as markdown, and the
// numbers in them.

package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// note adds a line to the row's notes.
func (r *row) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// printNotes prints the rows' notes under their table.
func printNotes(out io.Writer, rows []row) {
	for _, r := range rows {
		for i, n := range r.notes {
			if i == 0 {
				fmt.Fprintf(out, "\n%s:\n", r.name)
			}
			fmt.Fprintf(out, "  %s\n", n)
		}
	}
}

// printRows prints the scenarios' table.
func printRows(out io.Writer, rows []row, markdown bool) {
	t := table{header: []string{"scenario", "logged", "written", "dropped", "failed", "throttled", "sampled", "below level",
		"caller p50", "caller p99", "on disk after", "heap Δ", "RSS Δ"}}
	for _, r := range rows {
		rss := "n/a"
		if r.rssOK {
			rss = fmtBytes(r.rss)
		}
		t.add(r.name, r.logged, r.written, r.dropped, r.failed, r.throttled, r.sampled, r.below,
			fmtDur(r.p50), fmtDur(r.p99), fmtDur(r.wall), fmtBytes(r.heap), rss)
	}
	t.print(out, markdown)
}

// table is a table of text cells, printed aligned or as markdown.
type table struct {
	header []string
	rows   [][]string
	// textLast aligns the last column to the left, like the first.
	textLast bool
}

// add adds a row; numbers are printed as they are.
func (t *table) add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	t.rows = append(t.rows, row)
}

// print prints the table: columns aligned, numbers to the right, or as
// markdown.
func (t *table) print(out io.Writer, markdown bool) {
	if markdown {
		line := func(cells []string) { fmt.Fprintf(out, "| %s |\n", strings.Join(cells, " | ")) }
		line(t.header)
		sep := make([]string, len(t.header))
		for i := range sep {
			sep[i] = "---:"
		}
		sep[0] = "---"
		if t.textLast {
			sep[len(sep)-1] = "---"
		}
		line(sep)
		for _, r := range t.rows {
			line(r)
		}
		return
	}
	width := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range append([][]string{t.header}, t.rows...) {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			switch {
			case i == 0:
				b.WriteString(c + pad)
			case i == len(r)-1 && t.textLast:
				b.WriteString("  " + c + pad)
			default:
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(out, strings.TrimRight(b.String(), " "))
	}
}

// fmtDur prints a duration in the unit that suits it, with about three
// significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return decimal(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return decimal(float64(d)/float64(time.Millisecond)) + "ms"
	default:
		return decimal(d.Seconds()) + "s"
	}
}

// decimal prints v, from 1 to 1000, with about three significant digits.
func decimal(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

// fmtBytes prints a change in bytes with its sign, in binary units.
func fmtBytes(n int64) string {
	sign := "+"
	if n < 0 {
		sign, n = "-", -n
	}
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%s%dB", sign, n)
	case n < 1<<20:
		return fmt.Sprintf("%s%.1fKiB", sign, float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%s%.1fMiB", sign, float64(n)/(1<<20))
	}
}

// plural prints a count of things, with an s for any count but 1.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}
