//go:build linux

package winetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkWineWindowOpenGL measures what the software-drawn window costs
// against the same window on Wine's own OpenGL (the host's Mesa, llvmpipe on
// Xvfb), under Wine at 900×600, for the README:
//
//	ms-to-painted   start to a painted, still window (includes the hand-over
//	                to the software copy, and ~0.3 s of capture steps)
//	idle-cpu-%      CPU the window's process uses over 10 s doing nothing
//	ms-per-key      median from a key typed into the name field to a changed
//	                picture (includes one screen capture, ~0.1 s, for both)
//	cpu-ms-per-key  CPU the window's process spends per key typed
//	rss-MB          its resident memory after typing
//
// Run it on an otherwise idle machine:
//
//	make windows && scripts/test-env.sh env KANTATA_CONNECT_WINDOWS_DIST=$PWD/dist/windows \
//	    go test -run '^$' -bench WineWindowOpenGL -benchtime 1x ./internal/winetest
func BenchmarkWineWindowOpenGL(b *testing.B) {
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"system", nil, nil},
		{"software", []string{"WINEDLLOVERRIDES=" + dllOverrides + ";opengl32=n,b"}, []string{"--software-rendering"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				measureWindow(b, tc.env, tc.args)
			}
		})
	}
}

func measureWindow(b *testing.B, env, args []string) {
	p := wine(b)
	d := os.Getenv(envDist)
	if d == "" {
		b.Fatalf("set %s to the folder make windows wrote", envDist)
	}
	start := time.Now()
	cmd := p.command(b.Context(), filepath.Join(d, guiExe), args...)
	cmd.Env = replaceEnv(cmd.Env, env...)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go cmd.Wait()
	defer func() {
		p.run(b.Context(), "taskkill", "/F", "/IM", guiExe)
		time.Sleep(2 * time.Second)
	}()

	// Start to painted: the first capture with the form's colours.
	var win string
	dir := b.TempDir()
	for win == "" || !painted(win, filepath.Join(dir, "start.png")) {
		if time.Since(start) > 90*time.Second {
			b.Fatal("no painted window within 90 seconds")
		}
		if win == "" {
			win = findWindow()
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-painted")
	time.Sleep(3 * time.Second) // let it settle

	pid := windowPid(b)
	cpu0 := cpuTime(pid)
	time.Sleep(10 * time.Second)
	b.ReportMetric(float64(cpuTime(pid)-cpu0)/float64(10*time.Second)*100, "idle-cpu-%")

	// Typing into the name field (the first field of the form, at the
	// top right of the window).
	exec.Command("xdotool", "mousemove", "--window", win, "700", "98", "click", "1").Run()
	time.Sleep(time.Second)
	const keys = 20
	var lat []time.Duration
	prev := filepath.Join(dir, "k-prev.png")
	exec.Command("import", "-window", win, prev).Run()
	cpu1 := cpuTime(pid)
	for i := 0; i < keys; i++ {
		k0 := time.Now()
		exec.Command("xdotool", "type", string(rune('a'+i%26))).Run()
		for j := 0; ; j++ {
			cur := filepath.Join(dir, "k-"+strconv.Itoa(i)+"-"+strconv.Itoa(j)+".png")
			exec.Command("import", "-window", win, cur).Run()
			if differ(prev, cur) > 0 {
				prev = cur
				break
			}
			if time.Since(k0) > 5*time.Second {
				b.Fatalf("key %d changed nothing on screen within 5 seconds", i)
			}
		}
		lat = append(lat, time.Since(k0))
		time.Sleep(300 * time.Millisecond)
	}
	cpuTyping := cpuTime(pid) - cpu1
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "ms-per-key")
	b.ReportMetric(float64(cpuTyping.Milliseconds())/keys, "cpu-ms-per-key")
	b.ReportMetric(float64(rss(pid))/1024, "rss-MB")
}

// painted reports whether the window's capture has the form's colours.
func painted(win, file string) bool {
	if exec.Command("import", "-window", win, file).Run() != nil {
		return false
	}
	out, err := exec.Command("convert", file, "-format", "%k", "info:").Output()
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return err == nil && n > 100
}

// windowPid is the Linux process of the newest running Kantata Connect.exe.
func windowPid(b *testing.B) int {
	b.Helper()
	entries, _ := os.ReadDir("/proc")
	best, bestStart := 0, -1
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if !strings.Contains(string(cmdline), guiExe) {
			continue
		}
		if s := statField(pid, 22); s > bestStart { // starttime
			best, bestStart = pid, s
		}
	}
	if best == 0 {
		b.Fatal("no process of " + guiExe)
	}
	return best
}

// statField is field n (1-based, as proc(5) numbers them) of /proc/PID/stat.
func statField(pid, n int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	v, _ := strconv.Atoi(fields[n-3])
	return v
}

// cpuTime is a process's user and system CPU time so far.
func cpuTime(pid int) time.Duration {
	ticks := statField(pid, 14) + statField(pid, 15) // utime, stime (100 Hz)
	return time.Duration(ticks) * 10 * time.Millisecond
}

// rss is a process's resident memory in KiB.
func rss(pid int) int {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.Atoi(strings.Fields(line)[1])
			return v
		}
	}
	return 0
}
