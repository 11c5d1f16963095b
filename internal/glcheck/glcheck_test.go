package glcheck

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		old     string // "" when good enough
	}{
		{"2.1 Mesa 22.3.6", ""},
		{"4.5 (Compatibility Profile) Mesa 22.3.6", ""},
		{"3.3 (Compatibility Profile) Mesa 22.3.6", ""},
		{"4.6.0 NVIDIA 535.54.03", ""},
		{"10.0", ""},
		{"2.0", "2.0"},
		{"1.1.0", "1.1"},
		{"1.1 Mesa 22.3.6", "1.1"},
		{"", ""},
		{"OpenGL ES 3.2 Mesa", "OpenGL ES 3.2 Mesa"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			err := checkVersion(tc.version)
			var e *Error
			if tc.old == "" && tc.version != "" {
				if err != nil {
					t.Fatalf("checkVersion = %v, want nil", err)
				}
				return
			}
			if !errors.As(err, &e) || e.Kind != TooOld || e.Version != tc.old {
				t.Fatalf("checkVersion = %#v, want TooOld %q", err, tc.old)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		say      []string
		neverSay []string
	}{
		{"no OpenGL", &Error{Kind: NoOpenGL, Detail: "the X server has no GLX extension"},
			[]string{"doesn't offer OpenGL 2.1", "remote desktops and virtual machines", "kantata-connect list", "authorize", "test", "3D acceleration", "display driver"},
			[]string{"GLX"}},
		{"too old", &Error{Kind: TooOld, Version: "1.1", Detail: `GL_VERSION "1.1 Mesa"`},
			[]string{"doesn't offer OpenGL 2.1", "It offers OpenGL 1.1.", "3D acceleration"}, []string{"Mesa"}},
		{"no answer", &Error{Kind: NoAnswer}, []string{"did not answer within 15 seconds", "kantata-connect list"}, nil},
		{"no display", &Error{Kind: NoDisplay}, []string{"no graphical display", "kantata-connect list"}, []string{"3D acceleration"}},
		{"toolkit", errors.New("Fyne error: window creation error"), []string{"doesn't offer OpenGL 2.1", "3D acceleration"}, []string{"Fyne"}},
		{"no fallback", &Error{Kind: NoFallback}, []string{"--software-rendering", "install it again"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Message(tc.err)
			for _, s := range tc.say {
				if !strings.Contains(m, s) {
					t.Errorf("message lacks %q:\n%s", s, m)
				}
			}
			for _, s := range tc.neverSay {
				if strings.Contains(m, s) {
					t.Errorf("message holds %q:\n%s", s, m)
				}
			}
		})
	}
}

// The toolkit's log lines pass, except its failure to make the window:
// that calls failed once, and none of the failure's lines (cause, source
// path) pass, however the logger splits its writes.
func TestWatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		out    string
		fails  bool
	}{
		{"other lines pass", []string{"2026/01/01 Fyne error:  Failed to set dark mode\n", "  Cause: x\n"},
			"2026/01/01 Fyne error:  Failed to set dark mode\n  Cause: x\n", false},
		{"window creation error", []string{"before\n", "2026/01/01 Fyne error:  window creation error\n",
			"2026/01/01   Cause: GLX: GLX extension not found\n", "2026/01/01   At: /root/go/pkg/mod/fyne.io/x.go:760\n"}, "before\n", true},
		{"GLFW start, split writes", []string{"Fyne error:  failed to ", "initialise GLFW\n  Cause: WGL: x\n"}, "", true},
		{"a partial line waits", []string{"half"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			var calls atomic.Int32
			w := Watch(&out, func() { calls.Add(1) })
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if out.String() != tc.out {
				t.Errorf("passed on %q, want %q", out.String(), tc.out)
			}
			if got := calls.Load(); (got == 1) != tc.fails || got > 1 {
				t.Errorf("failed called %d times, want failure %v", got, tc.fails)
			}
		})
	}
}
