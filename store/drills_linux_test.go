package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Fault drills: the records folder turns read-only, and a write fails half
// way. Each fault is real (a read-only mount or permission bits, a file size
// limit from the kernel) and is made in a child process, so nothing else in
// this test binary feels it. After each: the user is told what is wrong in
// plain words, nothing saved before is lost (records and keychain compared),
// and once the fault is gone the next change works.

const (
	drillRole    = "STORE_DRILL"
	drillDir     = "STORE_DRILL_DIR"
	drillService = "STORE_DRILL_SERVICE"
	drillMode    = "STORE_DRILL_MODE"
)

// drillSetup is what a drill saves before the fault: a client with its
// secret, an authorized connection with its token, and one more.
type drillSetup struct {
	dir     string
	kc      *SystemKeychain
	client  Client
	prod    Connection
	records []byte
}

const (
	drillSecret = "drill-client-secret-1"
	drillToken  = "drill-access-token-1"
)

func newDrill(t *testing.T, extraConnections int) drillSetup {
	t.Helper()
	d := drillSetup{dir: t.TempDir(), kc: realKeychain(t)}
	s, err := Open(d.dir, d.kc)
	if err != nil {
		t.Fatal(err)
	}
	d.client = addClient(t, s, "Acme", drillSecret)
	d.prod = addConnection(t, s, "Prod", d.client.ID)
	if err := s.SaveToken(d.prod.ID, Token{AccessToken: drillToken}); err != nil {
		t.Fatal(err)
	}
	addConnection(t, s, "Stage", d.client.ID)
	for i := range extraConnections {
		addConnection(t, s, "Extra "+strings.Repeat("x", i%7)+randomHex(t), d.client.ID)
	}
	d.records = readFile(t, s.Path())
	return d
}

// checkNothingLost compares the records file (byte for byte when sameBytes,
// else every record by ID) and the keychain with what was saved before the
// fault.
func (d drillSetup) checkNothingLost(t *testing.T, sameBytes bool) {
	t.Helper()
	now := readFile(t, filepath.Join(d.dir, recordsName))
	if sameBytes && !bytes.Equal(now, d.records) {
		t.Errorf("the records file changed during the fault:\n%s\nwas\n%s", now, d.records)
	}
	var was, is records
	if err := json.Unmarshal(d.records, &was); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(now, &is); err != nil {
		t.Fatalf("the records file no longer parses: %v", err)
	}
	for _, c := range was.Connections {
		if is.connectionIndex(c.ID) < 0 {
			t.Errorf("connection %q was lost", c.Name)
		}
	}
	for _, c := range was.Clients {
		if i := is.clientIndex(c.ID); i < 0 || is.Clients[i] != c {
			t.Errorf("client %q was lost or changed", c.Name)
		}
	}
	if sec, err := d.kc.Get(ClientSecretKey(d.client.ID)); err != nil || sec != drillSecret {
		t.Errorf("client secret after the fault: err %v, same as saved: %v", err, sec == drillSecret)
	}
	if tok, err := d.kc.Get(AccessTokenKey(d.prod.ID)); err != nil || tok != drillToken {
		t.Errorf("access token after the fault: err %v, same as saved: %v", err, tok == drillToken)
	}
	if m, _ := filepath.Glob(filepath.Join(d.dir, tempPattern)); len(m) != 0 {
		t.Errorf("temp files left behind: %v", m)
	}
}

// checkUsableAgain makes a change once the fault is gone and checks that
// every earlier record is still there beside it.
func (d drillSetup) checkUsableAgain(t *testing.T) {
	t.Helper()
	s, err := Open(d.dir, d.kc)
	if err != nil {
		t.Fatalf("open after the fault: %v", err)
	}
	before := len(s.Connections())
	c, err := s.SaveConnection("", "After the fault", d.client.ID)
	if err != nil {
		t.Fatalf("the first change after the fault failed: %v", err)
	}
	s2, err := Open(d.dir, d.kc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s2.Connection(c.ID); !ok || len(s2.Connections()) != before+1 || len(s2.Clients()) != 1 {
		t.Fatalf("after the fault: %d connections, %d clients; want %d and 1", len(s2.Connections()), len(s2.Clients()), before+1)
	}
	if _, ok := s2.Connection(d.prod.ID); !ok {
		t.Fatal("Prod is gone")
	}
}

// runDrillChild runs this test again in a child process with role set; the
// child does the part of the drill that must not touch this process.
func runDrillChild(t *testing.T, d drillSetup, role, mode string, attr *syscall.SysProcAttr) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), drillRole+"="+role, drillDir+"="+d.dir, drillService+"="+d.kc.Service, drillMode+"="+mode)
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("the drill's child process failed (%v):\n%s", err, out)
	}
	t.Logf("child process:\n%s", out)
}

// childStore opens the drill's records as a second instance would.
func childStore(t *testing.T) (*Store, *SystemKeychain, Client, Connection) {
	t.Helper()
	kc := NewSystemKeychain(os.Getenv(drillService))
	s, err := Open(os.Getenv(drillDir), kc)
	if err != nil {
		t.Fatalf("open the records: %v", err)
	}
	cl, ok := s.ClientByName("Acme")
	prod, ok2 := s.ConnectionByName("Prod")
	if !ok || !ok2 || len(s.Connections()) < 2 {
		t.Fatalf("the saved records did not load: %d connections", len(s.Connections()))
	}
	return s, kc, cl, prod
}

// wantPlainMessage checks that err reaches the user in words that name what
// to check, not a wrong cause.
func wantPlainMessage(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded during the fault", what)
	}
	uf := mustUserFacing(t, err)
	for _, w := range want {
		if !strings.Contains(uf.UserMessage(), w) {
			t.Errorf("%s: message %q does not say %q (error %v)", what, uf.UserMessage(), w, err)
		}
	}
	if strings.Contains(uf.UserMessage(), "busy") {
		t.Errorf("%s: message %q blames another window (error %v)", what, uf.UserMessage(), err)
	}
	t.Logf("%s: %s", what, uf.UserMessage())
}

// The records folder turns read-only: the saved connections still show, each
// change is refused with a message that says why, and the keychain is left
// as it was. Run as root, permission bits stop nothing, so the child gets a
// read-only bind mount of the folder in a mount namespace of its own (root
// has CAP_SYS_ADMIN; the mount vanishes with the child). As a normal user
// the folder and its files simply lose their write bits.
func TestDrillReadOnlyFolder(t *testing.T) {
	realPartsOnly(t, "the real keychain shared with a child process")
	if os.Getenv(drillRole) == "read-only" {
		readOnlyChild(t)
		return
	}
	d := newDrill(t, 0)
	var attr *syscall.SysProcAttr
	mode := "chmod"
	if os.Geteuid() == 0 {
		mode = "mount"
		attr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	} else {
		setWritable(t, d.dir, false)
		t.Cleanup(func() { setWritable(t, d.dir, true) })
	}
	runDrillChild(t, d, "read-only", mode, attr)
	if mode == "chmod" {
		setWritable(t, d.dir, true)
	}
	d.checkNothingLost(t, true)
	d.checkUsableAgain(t)
}

func readOnlyChild(t *testing.T) {
	dir := os.Getenv(drillDir)
	if os.Getenv(drillMode) == "mount" {
		if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
			t.Fatalf("root needs a private read-only bind mount for this drill (CAP_SYS_ADMIN; in a container run it --privileged, or run make test as a normal user): %v", err)
		}
		if err := syscall.Mount("", dir, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Fatalf("remount the records folder read-only: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "probe"), nil, 0o600); err == nil {
		t.Fatal("the records folder is still writable: the drill would prove nothing")
	}

	s, kc, cl, prod := childStore(t)
	want := []string{"write", dir}
	_, err := s.SaveClient(cl.ID, cl.ClientSettings, "drill-client-secret-2")
	wantPlainMessage(t, "editing the client", err, want...)
	if sec, err := kc.Get(ClientSecretKey(cl.ID)); err != nil || sec != drillSecret {
		t.Errorf("the refused edit left the client secret changed (err %v)", err)
	}
	_, err = s.SaveConnection("", "New", cl.ID)
	wantPlainMessage(t, "adding a connection", err, want...)
	_, err = s.RecordOutcome(prod.ID, func(c *Connection) { c.Status = StatusFailed })
	wantPlainMessage(t, "recording a test result", err, want...)
	// Reading goes on: the secret and the token are there to sign in and test.
	if _, err := s.ClientSecret(cl.ID); err != nil {
		t.Errorf("reading the client secret: %v", err)
	}
	if _, err := s.Token(prod.ID); err != nil {
		t.Errorf("reading the token: %v", err)
	}
	if err := s.Reload(); err != nil {
		t.Errorf("reloading read-only records: %v", err)
	}
}

// setWritable adds or removes the write bits of the folder and its files.
func setWritable(t *testing.T, dir string, on bool) {
	t.Helper()
	dirMode, fileMode := os.FileMode(0o500), os.FileMode(0o400)
	if on {
		dirMode, fileMode = 0o700, 0o600
	}
	entries, _ := os.ReadDir(dir)
	if on {
		os.Chmod(dir, dirMode)
	}
	for _, e := range entries {
		os.Chmod(filepath.Join(dir, e.Name()), fileMode)
	}
	if !on {
		os.Chmod(dir, dirMode)
	}
}

// A write fails half way: the kernel's file size limit (RLIMIT_FSIZE) stops
// the new records file part-written with EFBIG, as a full disk would with
// ENOSPC. The old file stays whole, the half-written one is removed, and a
// client edit puts the old secret back in the keychain.
func TestDrillWriteFailsHalfWay(t *testing.T) {
	realPartsOnly(t, "the real keychain shared with a child process")
	if os.Getenv(drillRole) == "half-way" {
		halfWayChild(t)
		return
	}
	d := newDrill(t, 40) // a file of a few kilobytes, to stop in the middle of
	runDrillChild(t, d, "half-way", "", nil)
	d.checkNothingLost(t, false) // the child compared the bytes before its last change
	d.checkUsableAgain(t)
}

func halfWayChild(t *testing.T) {
	s, kc, cl, prod := childStore(t)
	saved := readFile(t, s.Path())
	size := len(saved)

	// Past the limit the kernel sends SIGXFSZ, which would kill the
	// process; ignored, the write returns EFBIG instead.
	signal.Ignore(syscall.SIGXFSZ)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	limited := old
	limited.Cur = uint64(size / 2)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limited); err != nil {
		t.Fatal(err)
	}

	want := []string{"disk", s.dir}
	_, err := s.SaveClient(cl.ID, cl.ClientSettings, "drill-client-secret-2")
	wantPlainMessage(t, "editing the client", err, want...)
	if !errors.Is(err, syscall.EFBIG) {
		t.Errorf("the edit failed, but not in the write: %v", err)
	}
	if sec, err := kc.Get(ClientSecretKey(cl.ID)); err != nil || sec != drillSecret {
		t.Errorf("the failed edit left the client secret changed (err %v)", err)
	}
	_, err = s.RecordOutcome(prod.ID, func(c *Connection) { c.LastError = "x" })
	wantPlainMessage(t, "recording a test result", err, want...)
	if len(s.Connections()) < 2 {
		t.Error("the failed writes emptied the list")
	}

	if m, _ := filepath.Glob(filepath.Join(s.dir, tempPattern)); len(m) != 0 {
		t.Errorf("half-written temp files left behind: %v", m)
	}

	// The fault is gone: the same process, its state untouched by the
	// failures, saves again.
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if now := readFile(t, s.Path()); !bytes.Equal(now, saved) {
		t.Fatal("the records file changed during the fault")
	}
	if _, err := s.RecordOutcome(prod.ID, func(c *Connection) { c.LastError = "" }); err != nil {
		t.Errorf("saving after the limit was lifted: %v", err)
	}
	// The file written after the fault is whole: it loads as it is, with
	// everything it held before. (Its length is no measure: the JSON times
	// drop trailing zeros, so a save can be a few bytes shorter.)
	again, err := Open(s.dir, kc)
	if err != nil {
		t.Fatalf("reopen after the fault: %v", err)
	}
	if again.Notice() != "" || len(again.Connections()) != len(s.Connections()) || len(again.Clients()) != len(s.Clients()) {
		t.Errorf("the file written after the fault does not load whole: notice %q, %d of %d connections, %d of %d clients",
			again.Notice(), len(again.Connections()), len(s.Connections()), len(again.Clients()), len(s.Clients()))
	}
}
