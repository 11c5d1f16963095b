package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// debug prints every capture (KC_BENCH_DEBUG=1).
var debug = os.Getenv("KC_BENCH_DEBUG") != ""

// errDiedBeforeWindow: the program exited before its window appeared.
var errDiedBeforeWindow = errors.New("the program exited before its window appeared")

// findWindow returns the id of the visible top-level window titled title,
// polling until timeout or until exited is closed.
func findWindow(title string, timeout time.Duration, exited <-chan struct{}) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return "", errDiedBeforeWindow
		default:
		}
		out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
		if f := strings.Fields(string(out)); len(f) > 0 {
			return f[0], nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "", fmt.Errorf("no window titled %q appeared within %s", title, timeout)
}

// windowGone waits until no visible window has the title.
func windowGone(title string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
		if len(bytes.TrimSpace(out)) == 0 {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// frame is one capture of a window's pixels.
type frame struct {
	start, end time.Time // when the capture was asked for and when it came back
	hash       [32]byte
	colours    int // distinct colours, counted up to richColours
}

// richColours: a window with at least this many colours shows its text and
// widgets; a blank or half-mapped one has a handful.
const richColours = 32

// capture grabs the window's pixels with ImageMagick's import, as binary PPM
// (no compression, so the capture costs little beyond the X request).
func capture(ctx context.Context, window string) (frame, error) {
	f := frame{start: time.Now()}
	out, err := exec.CommandContext(ctx, "import", "-silent", "-window", window, "-depth", "8", "ppm:-").Output()
	f.end = time.Now()
	if err != nil {
		return f, fmt.Errorf("import -window %s: %w", window, err)
	}
	pixels, err := ppmPixels(out)
	if err != nil {
		return f, err
	}
	f.hash = sha256.Sum256(pixels)
	seen := map[[3]byte]bool{}
	for i := 0; i+2 < len(pixels) && len(seen) < richColours; i += 3 {
		seen[[3]byte{pixels[i], pixels[i+1], pixels[i+2]}] = true
	}
	f.colours = len(seen)
	return f, nil
}

// ppmPixels returns the raster of a binary 8-bit PPM (P6).
func ppmPixels(b []byte) ([]byte, error) {
	// Header: "P6" width height maxval, separated by whitespace, then one
	// whitespace byte before the raster. import writes no comments.
	fields := 0
	i := 0
	for fields < 4 && i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		start := i
		for i < len(b) && !isSpace(b[i]) {
			i++
		}
		if i > start {
			if fields == 0 && string(b[start:i]) != "P6" {
				return nil, errors.New("capture is not a binary PPM")
			}
			if fields == 3 {
				if v, err := strconv.Atoi(string(b[start:i])); err != nil || v > 255 {
					return nil, errors.New("capture is not an 8-bit PPM")
				}
			}
			fields++
		}
	}
	if fields < 4 || i >= len(b) {
		return nil, errors.New("short PPM capture")
	}
	return b[i+1:], nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// untilStable captures the window until stableFor consecutive captures show
// the same rich frame, and returns them all. The first capture of that last
// run is when the window reached its final look.
func untilStable(ctx context.Context, window string, stableFor int, timeout time.Duration) ([]frame, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var frames []frame
	var lastErr error
	for ctx.Err() == nil {
		f, err := capture(ctx, window)
		if err != nil {
			// Not mapped yet, or mapped but not viewable: try again.
			lastErr = err
			if debug {
				fmt.Fprintf(os.Stderr, "capture %s: %v\n", window, err)
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		frames = append(frames, f)
		if debug {
			fmt.Fprintf(os.Stderr, "capture %s: %x colours %d in %s\n", window, f.hash[:4], f.colours, f.end.Sub(f.start).Round(time.Millisecond))
		}
		if n := len(frames); n >= stableFor && f.colours >= richColours {
			same := true
			for _, g := range frames[n-stableFor:] {
				same = same && g.hash == f.hash
			}
			if same {
				return frames, nil
			}
		}
	}
	return frames, fmt.Errorf("window %s never showed %d identical rich captures in %s (last capture error: %v)",
		window, stableFor, timeout, lastErr)
}

// settledAt is when the final look first showed: the end of the first
// capture of the run of captures equal to the last one. The capture's end
// is an upper bound (the pixels were read at some point before it).
func settledAt(frames []frame) time.Time {
	last := frames[len(frames)-1].hash
	i := len(frames) - 1
	for i > 0 && frames[i-1].hash == last {
		i--
	}
	return frames[i].end
}

// xdotool runs one xdotool command.
func xdotool(args ...string) error {
	if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}
