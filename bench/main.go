// Command bench measures Kantata Connect against a browser-based baseline and
// prints one Markdown table: Debian's Chromium in --app mode showing
// bench/form.html, an equivalent static page (the engine Electron tools are
// built on). Every figure is the median of -runs launches (or Go benchmark
// runs) made in this one run, the two sides interleaved so that a change in
// the machine's load hits both alike.
//
// It needs an X display (Xvfb), xdotool, ImageMagick's import, Chromium and
// the app's binary: `make bench` provides them all and runs it inside
// scripts/test-env.sh.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// title is the window title of both sides (form.html's <title>).
const title = "Kantata Connect"

type options struct {
	binary, chromium, chromiumDir, form string
	runs, connections, scrollSteps      int
	idle                                time.Duration
	goBench                             bool
	out                                 string
}

func main() {
	var o options
	flag.StringVar(&o.binary, "binary", "./kantata-connect", "the app's binary")
	flag.StringVar(&o.chromium, "chromium", "/usr/bin/chromium", "Chromium launcher")
	flag.StringVar(&o.chromiumDir, "chromium-dir", "/usr/lib/chromium", "Chromium's installed files (for its size)")
	flag.StringVar(&o.form, "form", "bench/form.html", "the baseline page")
	flag.IntVar(&o.runs, "runs", 5, "launches per side and list size (medians are reported)")
	flag.IntVar(&o.connections, "connections", 1000, "saved connections for the large-list launches")
	flag.IntVar(&o.scrollSteps, "scroll-steps", 60, "mouse-wheel steps in the scroll test")
	flag.DurationVar(&o.idle, "idle", 10*time.Second, "idle time before memory is read, and the CPU window")
	flag.BoolVar(&o.goBench, "go-bench", true, "also run the Go benchmarks")
	flag.StringVar(&o.out, "o", "", "also write the table to this file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// launch is what one start of one side measured.
type launch struct {
	paint       time.Duration // start to the first capture of the final, painted look
	pssKB       uint64        // after idle
	procs       int
	idleCPU     float64       // % of one core over the idle window
	scrollStep  time.Duration // CPU per wheel step (large list only)
	scrollSettl time.Duration // last wheel step to a still picture
}

type side struct {
	name string
	// command starts one launch in the fresh folder dir.
	command func(dir string, conns int) *exec.Cmd
}

func run(o options) error {
	if err := checkTools(o); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kc-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	m, loadStart := machine(), loadavg()
	log.Printf("%s; load at start %s", m.summary(), loadStart)

	// The records of the large list, once, copied into each launch's
	// fresh folder; the same rows as the baseline page.
	log.Printf("writing %d connections with package store", o.connections)
	bigRecords := filepath.Join(work, "records-big")
	conns, client, err := writeRecords(bigRecords, o.connections)
	if err != nil {
		return fmt.Errorf("write the records: %w", err)
	}
	tmpl, err := os.ReadFile(o.form)
	if err != nil {
		return err
	}
	forms := map[int]string{0: filepath.Join(work, "form-0.html"), o.connections: filepath.Join(work, "form-big.html")}
	if err := writeForm(tmpl, forms[0], nil, client); err != nil {
		return err
	}
	if err := writeForm(tmpl, forms[o.connections], conns, client); err != nil {
		return err
	}
	binary, err := filepath.Abs(o.binary)
	if err != nil {
		return err
	}

	ours := side{name: "Kantata Connect", command: func(dir string, n int) *exec.Cmd {
		cfg := filepath.Join(dir, "config")
		if n > 0 {
			must(copyFile(filepath.Join(bigRecords, "records.json"), filepath.Join(cfg, "records.json")))
		}
		return exec.Command(binary, "--config-dir", cfg)
	}}
	baseline := side{name: "Chromium --app", command: func(dir string, n int) *exec.Cmd {
		// The flags make a fresh profile start quietly on a machine without
		// internet; --test-type hides the --no-sandbox warning bar (needed
		// as root), which the window would otherwise show above the form.
		return exec.Command(o.chromium, "--no-sandbox", "--test-type", "--disable-gpu", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=900,600",
			"--app=file://"+forms[n])
	}}
	sides := []side{ours, baseline}
	sizes := []int{0, o.connections}

	// One launch of each, not counted, so both start with their files in
	// the page cache: "cold" below means a new process and a fresh profile,
	// not a cold disk.
	for _, s := range sides {
		log.Printf("warm-up launch of %s", s.name)
		if _, err := measureRetrying(s, 0, o, false); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	results := map[string]map[int][]launch{}
	for _, s := range sides {
		results[s.name] = map[int][]launch{}
	}
	for r := range o.runs {
		for _, n := range sizes {
			for _, s := range sides {
				log.Printf("run %d/%d: %s, %d connections", r+1, o.runs, s.name, n)
				l, err := measureRetrying(s, n, o, true)
				if err != nil {
					return fmt.Errorf("%s with %d connections: %w", s.name, n, err)
				}
				log.Printf("  painted %s, PSS %.1f MiB in %d processes, idle CPU %.2f%%, scroll %s/step settled %s",
					l.paint.Round(time.Millisecond), float64(l.pssKB)/1024, l.procs, l.idleCPU, l.scrollStep, l.scrollSettl)
				results[s.name][n] = append(results[s.name][n], l)
			}
		}
	}

	var gb map[string][]float64
	if o.goBench {
		gb = map[string][]float64{}
		for _, b := range []struct{ pkg, name string }{
			{"./oauth", "BenchmarkCallbackToToken"},
			{"./store", "BenchmarkLoadSave1000"},
			{"./gui", "BenchmarkConnectionList1000"},
		} {
			log.Printf("go test -bench %s %s", b.name, b.pkg)
			res, err := goBench(b.pkg, b.name, o.runs)
			if err != nil {
				return err
			}
			for k, v := range res {
				gb[k] = v
			}
		}
	}

	table := render(o, m, loadStart, results, gb, sides, sizes)
	fmt.Print(table)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(table), 0o644)
	}
	return nil
}

// measureRetrying is measure, started again (up to twice) when the program
// died before showing its window: on a busy machine the X server now and
// then refuses a connection ("Failed to open display"), which says nothing
// about either side. Each retry is logged.
func measureRetrying(s side, conns int, o options, full bool) (launch, error) {
	for attempt := 1; ; attempt++ {
		l, err := measure(s, conns, o, full)
		if !errors.Is(err, errDiedBeforeWindow) || attempt == 3 {
			return l, err
		}
		log.Printf("  %s died before its window showed; starting it again: %v", s.name, err)
	}
}

// measure starts one side, waits for its painted window, lets it idle, reads
// its memory and CPU, scrolls the large list, and stops it.
func measure(s side, conns int, o options, full bool) (l launch, err error) {
	dir, err := os.MkdirTemp("", "kc-bench-run-")
	if err != nil {
		return l, err
	}
	defer os.RemoveAll(dir)
	tag := randomTag()
	// The pointer rests outside both windows, so no hover effect shows.
	if err := xdotool("mousemove", "1279", "1023"); err != nil {
		return l, err
	}
	cmd := s.command(dir, conns)
	logFile, err := os.Create(filepath.Join(dir, "output.log"))
	if err != nil {
		return l, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), runTagVar+"="+tag)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return l, err
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		if serr := stopAll(pid, tag, 5*time.Second); serr != nil && err == nil {
			err = serr
		}
		<-exited
		if !windowGone(title, 10*time.Second) && err == nil {
			err = errors.New("the window stayed after its processes ended")
		}
		if err != nil {
			out, _ := os.ReadFile(logFile.Name())
			err = fmt.Errorf("%w\noutput of the launch:\n%s", err, tail(out, 8000))
		}
	}()

	win, err := findWindow(title, 60*time.Second, exited)
	if err != nil {
		return l, err
	}
	frames, err := untilStable(context.Background(), win, 5, 60*time.Second)
	if err != nil {
		return l, err
	}
	painted := settledAt(frames)
	l.paint = painted.Sub(start)
	if !full {
		return l, nil
	}

	time.Sleep(time.Until(painted.Add(o.idle)))
	if l.pssKB, l.procs, err = pssKB(pid, tag); err != nil {
		return l, err
	}
	c0, t0 := cpuTicks(pid, tag), time.Now()
	time.Sleep(o.idle)
	c1, t1 := cpuTicks(pid, tag), time.Now()
	l.idleCPU = float64(c1-c0) / clockTicks / t1.Sub(t0).Seconds() * 100

	if conns > 0 {
		if l.scrollStep, l.scrollSettl, err = scroll(win, pid, tag, o.scrollSteps); err != nil {
			return l, err
		}
	}
	return l, nil
}

// scroll turns the mouse wheel over the list steps times, about 60 steps a
// second as a fast flick does, and reports the CPU the launch used per step
// and how long the picture took to settle after the last one. A step that
// costs more CPU than a 60 Hz frame (16.7 ms) cannot keep up: the list
// would stutter.
func scroll(win string, pid int, tag string, steps int) (perStep, settle time.Duration, err error) {
	// Over the list, in the left third of both windows.
	if err := xdotool("mousemove", "--window", win, "150", "300"); err != nil {
		return 0, 0, err
	}
	before, err := untilStable(context.Background(), win, 3, 30*time.Second)
	if err != nil {
		return 0, 0, err
	}
	c0 := cpuTicks(pid, tag)
	if err := xdotool("click", "--repeat", fmt.Sprint(steps), "--delay", "16", "5"); err != nil {
		return 0, 0, err
	}
	lastStep := time.Now()
	after, err := untilStable(context.Background(), win, 5, 30*time.Second)
	if err != nil {
		return 0, 0, err
	}
	c1 := cpuTicks(pid, tag)
	if after[len(after)-1].hash == before[len(before)-1].hash {
		return 0, 0, errors.New("the list did not move when the mouse wheel turned over it")
	}
	perStep = time.Duration(float64(c1-c0) / clockTicks / float64(steps) * float64(time.Second))
	settle = max(0, settledAt(after).Sub(lastStep))
	return perStep, settle, nil
}

func checkTools(o options) error {
	if runtime.GOOS != "linux" {
		return errors.New("the benchmark reads /proc and drives an X display: it runs on Linux only")
	}
	if os.Getenv("DISPLAY") == "" {
		return errors.New("no DISPLAY: run it with make bench (it runs under Xvfb via scripts/test-env.sh)")
	}
	for _, t := range []struct{ cmd, pkg string }{{"xdotool", "xdotool"}, {"import", "imagemagick"}, {"go", "golang"}} {
		if _, err := exec.LookPath(t.cmd); err != nil {
			return fmt.Errorf("%s is missing: install it with apt-get install -y %s (make bench does)", t.cmd, t.pkg)
		}
	}
	if _, err := os.Stat(o.chromium); err != nil {
		return fmt.Errorf("the baseline needs Chromium: apt-get install -y chromium (%v)", err)
	}
	if _, err := os.Stat(o.binary); err != nil {
		return fmt.Errorf("build the app first (make build): %v", err)
	}
	return nil
}

func randomTag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// dirSize is the bytes of the regular files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

type machineInfo struct {
	cpus              int
	model, mem, date  string
	kernel, chromiumV string
	goV               string
}

func machine() machineInfo {
	m := machineInfo{cpus: runtime.NumCPU(), date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), goV: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb float64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
				m.mem = fmt.Sprintf("%.1f GiB", kb/1024/1024)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("/usr/bin/chromium", "--version").Output(); err == nil {
		m.chromiumV = strings.TrimSpace(string(out))
	}
	return m
}

func (m machineInfo) summary() string {
	return fmt.Sprintf("%d CPUs (%s), %s RAM, Linux %s, %s, %s", m.cpus, m.model, m.mem, m.kernel, m.goV, m.chromiumV)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
