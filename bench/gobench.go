package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// goBench runs one Go benchmark count times and returns the ns/op of each
// run, keyed by the benchmark's full name (sub-benchmarks included, the
// -GOMAXPROCS suffix dropped).
func goBench(pkg, name string, count int) (map[string][]float64, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^"+name+"$", "-count", strconv.Itoa(count), pkg)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %w\n%s", name, pkg, err, out.String())
	}
	res := map[string][]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(f); i++ {
			if f[i+1] == "ns/op" {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return nil, fmt.Errorf("parse %q: %w", sc.Text(), err)
				}
				key := f[0]
				if j := strings.LastIndexByte(key, '-'); j > 0 {
					if _, err := strconv.Atoi(key[j+1:]); err == nil {
						key = key[:j]
					}
				}
				res[key] = append(res[key], v)
			}
		}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("go test -bench %s %s printed no results:\n%s", name, pkg, out.String())
	}
	return res, nil
}
