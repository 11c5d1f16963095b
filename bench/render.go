package main

import (
	"fmt"
	"math"
	"os"
	"strings"
	"time"
)

// frameBudget is one frame at 60 Hz: work per scroll step beyond it shows as
// stutter.
const frameBudget = 1000.0 / 60

// render builds the Markdown table: medians, ours next to the baseline, the
// ratio, the goal and whether it is met.
func render(o options, m machineInfo, loadStart string, res map[string]map[int][]launch,
	gb map[string][]float64, sides []side, sizes []int) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	ours, base := sides[0].name, sides[1].name
	w("| Measure (median of %d) | Kantata Connect | Chromium `--app` (baseline) | Ours / baseline | Goal | Met |\n", o.runs)
	w("|---|---:|---:|---:|---|---|\n")

	pick := func(name string, n int, f func(launch) float64) float64 {
		var v []float64
		for _, l := range res[name][n] {
			v = append(v, f(l))
		}
		return median(v)
	}
	met := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	big := o.connections
	label := func(n int) string {
		if n == 0 {
			return "0 connections"
		}
		return fmt.Sprintf("%s connections", thousands(n))
	}

	for _, n := range sizes {
		a := pick(ours, n, func(l launch) float64 { return ms(l.paint) })
		c := pick(base, n, func(l launch) float64 { return ms(l.paint) })
		w("| Start to painted window, %s | %.0f ms | %.0f ms | %.2f | no slower than baseline | %s |\n",
			label(n), a, c, a/c, met(a <= c))
	}
	for _, n := range sizes {
		a := pick(ours, n, func(l launch) float64 { return float64(l.pssKB) / 1024 })
		c := pick(base, n, func(l launch) float64 { return float64(l.pssKB) / 1024 })
		pa := pick(ours, n, func(l launch) float64 { return float64(l.procs) })
		pc := pick(base, n, func(l launch) float64 { return float64(l.procs) })
		w("| Memory (PSS, whole process tree) after %s idle, %s | %.1f MiB (%.0f process) | %.1f MiB (%.0f processes) | %.2f | ≤ 0.25 of baseline | %s |\n",
			secs(o.idle), label(n), a, pa, c, pc, a/c, met(a/c <= 0.25))
	}
	for _, n := range sizes {
		a := pick(ours, n, func(l launch) float64 { return l.idleCPU })
		c := pick(base, n, func(l launch) float64 { return l.idleCPU })
		// Compared as shown: /proc counts CPU in 10 ms ticks.
		w("| CPU while idle for %s, %s | %.2f %% of a core | %.2f %% of a core | %s | < 1 %% of a core | %s |\n",
			secs(o.idle), label(n), a, c, ratio(a, c), met(math.Round(a*100) < 100))
	}
	{
		a := pick(ours, big, func(l launch) float64 { return ms(l.scrollStep) })
		c := pick(base, big, func(l launch) float64 { return ms(l.scrollStep) })
		w("| Scroll the %s-row list, %d wheel steps at ~60/s: CPU per step | %.2f ms | %.2f ms | %s | < %.1f ms (one 60 Hz frame) | %s |\n",
			thousands(big), o.scrollSteps, a, c, ratio(a, c), frameBudget, met(a < frameBudget))
		a = pick(ours, big, func(l launch) float64 { return ms(l.scrollSettl) })
		c = pick(base, big, func(l launch) float64 { return ms(l.scrollSettl) })
		w("| Same scroll: last step to a still picture (a backlog of frames would show here) | %.0f ms | %.0f ms | %s | < 100 ms | %s |\n",
			a, c, ratio(a, c), met(a < 100))
	}
	if gb != nil {
		goRow := func(key, what, goal string, limitMs float64) {
			v, ok := gb[key]
			if !ok {
				w("| %s | (no result for %s) | | | %s | **no** |\n", what, key, goal)
				return
			}
			a := median(v) / 1e6
			verdict := ""
			if limitMs > 0 {
				verdict = met(a < limitMs)
			}
			w("| %s | %s | — | | %s | %s |\n", what, fmtMs(a), goal, verdict)
		}
		goRow("BenchmarkConnectionList1000/open_and_build", "Open the records and build the window, 1,000 connections (`BenchmarkConnectionList1000`)", "", 0)
		goRow("BenchmarkConnectionList1000/refresh", "Refresh the 1,000-row list (`BenchmarkConnectionList1000`)", fmt.Sprintf("< %.1f ms", frameBudget), frameBudget)
		goRow("BenchmarkConnectionList1000/scroll_step", "Scroll the 1,000-row list by one row (`BenchmarkConnectionList1000`)", fmt.Sprintf("< %.1f ms", frameBudget), frameBudget)
		goRow("BenchmarkCallbackToToken", "Sign-in flow's own overhead, callback to token (`BenchmarkCallbackToToken`)", "< 20 ms", 20)
		goRow("BenchmarkLoadSave1000", "Records load + save, 1,000 connections (`BenchmarkLoadSave1000`)", "< 50 ms", 50)
	}
	if fi, err := os.Stat(o.binary); err == nil {
		exe := o.chromiumDir + "/chromium"
		if ci, err := os.Stat(exe); err == nil {
			a, c := float64(fi.Size())/(1<<20), float64(ci.Size())/(1<<20)
			w("| Program size (the app's binary; Chromium's executable) | %.1f MiB | %.1f MiB | %.2f | | |\n", a, c, a/c)
		}
		if total, err := dirSize(o.chromiumDir); err == nil {
			a, c := float64(fi.Size())/(1<<20), float64(total)/(1<<20)
			w("| Installed size (the binary is the whole app; %s) | %.1f MiB | %.1f MiB | %.2f | | |\n", o.chromiumDir, a, c, a/c)
		}
	}
	w("\nMachine: %s. Measured %s; load average (1, 5, 15 min) %s at the start, %s at the end.\n",
		m.summary(), m.date, loadStart, loadavg())
	return b.String()
}

func secs(d time.Duration) string { return fmt.Sprintf("%g s", d.Seconds()) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtMs(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func ratio(a, c float64) string {
	if c == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/c)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
