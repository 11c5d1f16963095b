//go:build linux

package filechooser

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// privateBus starts a D-Bus session daemon of the test's own and points
// sessionBus at it.
func privateBus(t *testing.T) string {
	t.Helper()
	testenv.RealPartsOnly(t, "dbus-daemon")
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatal("dbus-daemon is missing; install it with: apt-get install -y dbus-x11")
	}
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon named no address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	old := sessionBus
	sessionBus = func(opts ...dbus.ConnOption) (*dbus.Conn, error) { return dbus.Connect(addr, opts...) }
	t.Cleanup(func() { sessionBus = old })
	return addr
}

// fakePortal is the portal's FileChooser as a desktop serves it: it takes
// the call, returns the request's handle and answers on it, with the file
// the user "chose" (or a cancel).
type fakePortal struct {
	conn   *dbus.Conn
	mu     sync.Mutex                       // guards the fields below
	answer func(save bool) (uint32, string) // response code, chosen file
	method string
	parent string
	title  string
	opts   map[string]dbus.Variant
}

func (p *fakePortal) SaveFile(sender dbus.Sender, parent, title string, opts map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	return p.serve(sender, "SaveFile", parent, title, opts)
}

func (p *fakePortal) OpenFile(sender dbus.Sender, parent, title string, opts map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	return p.serve(sender, "OpenFile", parent, title, opts)
}

func (p *fakePortal) serve(sender dbus.Sender, method, parent, title string, opts map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	p.mu.Lock()
	p.method, p.parent, p.title, p.opts = method, parent, title, opts
	answer := p.answer
	p.mu.Unlock()
	token, _ := opts["handle_token"].Value().(string)
	path := dbus.ObjectPath(portalPath + "/request/" + strings.ReplaceAll(strings.TrimPrefix(string(sender), ":"), ".", "_") + "/" + token)
	code, file := answer(method == "SaveFile")
	go func() {
		time.Sleep(50 * time.Millisecond) // the user takes a moment
		results := map[string]dbus.Variant{}
		if file != "" {
			results["uris"] = dbus.MakeVariant([]string{"file://" + file})
		}
		p.conn.Emit(path, requestResponse, code, results)
	}()
	return path, nil
}

func startFakePortal(t *testing.T, addr string, answer func(save bool) (uint32, string)) *fakePortal {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p := &fakePortal{conn: conn, answer: answer}
	if err := conn.Export(p, portalPath, fileChooser); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(portalName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("take the portal's name: %v (%v)", err, reply)
	}
	return p
}

// The portal's FileChooser, over a real D-Bus: the stand-in plays the
// desktop's dialog (a real one needs a desktop session to click in).
func TestPortalFileChooser(t *testing.T) {
	addr := privateBus(t)
	portal := startFakePortal(t, addr, func(save bool) (uint32, string) {
		if save {
			return 0, "/home/jane/Documents/Kantata setup.json"
		}
		return 0, "/home/jane/Downloads/kantata-connect-setup.json"
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("save", func(t *testing.T) {
		got, err := Choose(ctx, Options{Title: "Export setup", Save: true, Name: "kantata-connect-setup.json",
			Folder: "/home/jane/Documents", FilterName: "Setup files", Extensions: []string{"json"}, Parent: 0x2a})
		if err != nil || got != "/home/jane/Documents/Kantata setup.json" {
			t.Fatalf("Choose = %q, %v; want the chosen file's path (the URI's %%20 decoded)", got, err)
		}
		portal.mu.Lock()
		defer portal.mu.Unlock()
		if portal.method != "SaveFile" || portal.parent != "x11:2a" || portal.title != "Export setup" {
			t.Errorf("portal called %s(%q, %q)", portal.method, portal.parent, portal.title)
		}
		if name, _ := portal.opts["current_name"].Value().(string); name != "kantata-connect-setup.json" {
			t.Errorf("current_name = %q", name)
		}
		if folder, _ := portal.opts["current_folder"].Value().([]byte); string(folder) != "/home/jane/Documents\x00" {
			t.Errorf("current_folder = %q; want the folder, NUL-terminated", folder)
		}
		// a(sa(us)) arrives as structs (slices), not as variants (av).
		want := [][]any{{"Setup files", [][]any{{uint32(0), "*.json"}}}}
		if got := portal.opts["filters"].Value(); !reflect.DeepEqual(got, want) {
			t.Errorf("filters arrived as %#v; want the portal's a(sa(us)): %#v", got, want)
		}
	})

	t.Run("open", func(t *testing.T) {
		got, err := Choose(ctx, Options{Title: "Import setup", FilterName: "Setup files", Extensions: []string{"json"}})
		if err != nil || got != "/home/jane/Downloads/kantata-connect-setup.json" {
			t.Fatalf("Choose = %q, %v", got, err)
		}
		portal.mu.Lock()
		defer portal.mu.Unlock()
		if portal.method != "OpenFile" {
			t.Errorf("portal called %s; want OpenFile", portal.method)
		}
	})

	t.Run("canceled", func(t *testing.T) {
		portal.mu.Lock()
		portal.answer = func(bool) (uint32, string) { return 1, "" }
		portal.mu.Unlock()
		if got, err := Choose(ctx, Options{Title: "Import setup"}); got != "" || err != nil {
			t.Errorf("a canceled dialog gave %q, %v; want nothing", got, err)
		}
	})
}

// With no portal on the bus, or no bus, the window is told to use the
// toolkit's own dialog.
func TestNoPortalMeansUnavailable(t *testing.T) {
	t.Run("no portal", func(t *testing.T) {
		privateBus(t)
		if _, err := Choose(context.Background(), Options{Title: "Export setup", Save: true}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Choose without a portal: %v; want ErrUnavailable", err)
		}
	})
	t.Run("no D-Bus", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/no-bus-here")
		if _, err := Choose(context.Background(), Options{Title: "Export setup", Save: true}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Choose without D-Bus: %v; want ErrUnavailable", err)
		}
	})
}

func TestXDGDocuments(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, file, want string }{
		{"$HOME form", "# comment\nXDG_DOCUMENTS_DIR=\"$HOME/Dokumente\"\n", "/home/jane/Dokumente"},
		{"absolute", "XDG_DOCUMENTS_DIR=\"/data/docs\"\n", "/data/docs"},
		{"set to home: not set", "XDG_DOCUMENTS_DIR=\"$HOME/\"\n", ""},
		{"missing", "XDG_DESKTOP_DIR=\"$HOME/Desktop\"\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := writeFile(dir+"/user-dirs.dirs", tc.file); err != nil {
				t.Fatal(err)
			}
			if got := xdgDocuments(dir, "/home/jane"); got != tc.want {
				t.Errorf("xdgDocuments = %q, want %q", got, tc.want)
			}
		})
	}
}
