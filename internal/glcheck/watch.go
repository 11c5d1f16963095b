package glcheck

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// toolkitFailures are the starts of the toolkit's log lines (Fyne's
// LogError: "Fyne error:  REASON") after which it can't show a window and,
// measured with Fyne 2.7.1, hangs instead of ending.
var toolkitFailures = []string{"window creation error", "failed to initialise GLFW"}

// Watch returns a writer for the standard logger (log.SetOutput) that passes
// lines on to out, except a toolkit failure to make its window: then it
// calls failed once, and nothing of that failure (reason, cause, source path)
// reaches out. failed is expected to tell the user and end the program.
func Watch(out io.Writer, failed func()) io.Writer {
	return &watcher{out: out, failed: failed}
}

type watcher struct {
	mu     sync.Mutex
	out    io.Writer
	failed func()
	buf    bytes.Buffer
	fired  bool
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadBytes('\n')
		if err != nil {
			// No newline yet: keep the piece for the next write.
			rest := append([]byte(nil), line...)
			w.buf.Reset()
			w.buf.Write(rest)
			return len(p), nil
		}
		if w.fired {
			continue // the failure's cause and source lines
		}
		if isToolkitFailure(string(line)) {
			w.fired = true
			w.failed() // tells the user and exits: the toolkit would hang
			continue
		}
		if _, err := w.out.Write(line); err != nil {
			return len(p), err
		}
	}
}

func isToolkitFailure(line string) bool {
	_, reason, ok := strings.Cut(line, "Fyne error:")
	if !ok {
		return false
	}
	reason = strings.TrimSpace(reason)
	for _, f := range toolkitFailures {
		if strings.HasPrefix(reason, f) {
			return true
		}
	}
	return false
}
