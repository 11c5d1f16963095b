package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// runTag marks every process of one launch: it goes into the environment of
// the program started, every child inherits it, and so it also finds the
// processes Chromium detaches from its tree (the crashpad handlers are
// re-parented to init).
const runTagVar = "KC_BENCH_RUN"

type proc struct {
	pid, ppid   int
	utime, stim uint64
}

// procs reads /proc/*/stat.
func procs() map[int]proc {
	out := map[int]proc{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// The command name is in parentheses and may hold spaces: the
		// fields that follow start after the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseUint(f[11], 10, 64)
		st, _ := strconv.ParseUint(f[12], 10, 64)
		out[pid] = proc{pid: pid, ppid: ppid, utime: ut, stim: st}
	}
	return out
}

// tree is the processes of one launch: root's descendants and every process
// carrying tag in its environment.
func tree(root int, tag string) []proc {
	all := procs()
	in := map[int]bool{}
	if _, ok := all[root]; ok {
		in[root] = true
	}
	needle := []byte(runTagVar + "=" + tag + "\x00")
	for pid := range all {
		if env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid)); err == nil && bytes.Contains(env, needle) {
			in[pid] = true
		}
	}
	// Descendants, to a fixed point (a process may list a parent read later).
	for changed := true; changed; {
		changed = false
		for pid, p := range all {
			if !in[pid] && in[p.ppid] {
				in[pid] = true
				changed = true
			}
		}
	}
	var out []proc
	for pid := range in {
		out = append(out, all[pid])
	}
	return out
}

// cpuTicks sums user and system CPU time over the launch's processes.
func cpuTicks(root int, tag string) uint64 {
	var n uint64
	for _, p := range tree(root, tag) {
		n += p.utime + p.stim
	}
	return n
}

// pssKB sums the proportional set size over the launch's processes, so
// memory shared between them (or with other programs) is counted once.
func pssKB(root int, tag string) (kb uint64, nprocs int, err error) {
	for _, p := range tree(root, tag) {
		f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", p.pid))
		if err != nil {
			continue // exited meanwhile
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
				v, perr := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				if perr != nil {
					f.Close()
					return 0, 0, fmt.Errorf("parse %q of pid %d: %w", line, p.pid, perr)
				}
				kb += v
				nprocs++
				break
			}
		}
		f.Close()
	}
	if nprocs == 0 {
		return 0, 0, fmt.Errorf("no process of the launch is left to measure")
	}
	return kb, nprocs, nil
}

// stopAll ends a launch: SIGTERM first (a clean exit), SIGKILL for whatever
// is left after grace, and waits until none of its processes remain.
func stopAll(root int, tag string, grace time.Duration) error {
	for _, p := range tree(root, tag) {
		signal(p.pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if len(live(root, tag)) == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, p := range live(root, tag) {
		signal(p.pid, syscall.SIGKILL)
	}
	for range 250 {
		if len(live(root, tag)) == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("processes of the launch still running after SIGKILL: %v", live(root, tag))
}

// live is the launch's processes that are not zombies waiting to be reaped.
func live(root int, tag string) []proc {
	var out []proc
	for _, p := range tree(root, tag) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
			continue
		}
		out = append(out, p)
	}
	return out
}

func signal(pid int, sig os.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Signal(sig)
	}
}
