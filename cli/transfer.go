package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/setupfile"
	"github.com/kantata-connect/kantata-connect/store"
	"golang.org/x/term"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// onePath checks that exactly one FILE was given.
func onePath(pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", errors.New("missing FILE")
	case 1:
		if strings.TrimSpace(pos[0]) == "" {
			return "", errors.New("FILE is empty")
		}
		return pos[0], nil
	}
	return "", fmt.Errorf("expected one FILE, got %d arguments (put a path with spaces in quotes)", len(pos))
}

func (r *runner) cmdExport(args []string) int {
	flags := r.newFlags("export")
	force := flags.Bool("force", false, "replace FILE if it exists")
	pos, err := parseArgs(flags, args)
	if err != nil {
		return r.usage("export", "%v", err)
	}
	path, err := onePath(pos)
	if err != nil {
		return r.usage("export", "export: %v", err)
	}
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	e := setupfile.FromStore(st, time.Now())
	var buf bytes.Buffer
	if err := setupfile.WriteExport(&buf, e); err != nil {
		return r.report(err, "")
	}

	summary := fmt.Sprintf("Exported %s and %s", safetext.Count(len(e.Clients), "client"), safetext.Count(len(e.Connections), "connection"))
	note := "The file holds no secrets or tokens: importing it asks for each client's secret, and its connections must be authorized again."
	if path == "-" {
		if _, err := r.fileOut.Write(buf.Bytes()); err != nil {
			return r.report(fmt.Errorf("write the export to standard output: %w", err), "")
		}
		fmt.Fprintf(r.env.Stderr, "%s to standard output.\n%s\n", summary, note)
		return ExitOK
	}
	if err := writeNewFile(path, buf.Bytes(), *force); err != nil {
		if errors.Is(err, fs.ErrExist) {
			fmt.Fprintf(r.env.Stderr, "%s: “%s” already exists. Choose another file name, or add --force to replace it.\n", Prog, path)
			return ExitUsage
		}
		fmt.Fprintf(r.env.Stderr, "Couldn't write the export to “%s”. Check the folder exists and that you may write there.\nDetails: %v\n", path, err)
		return ExitUsage
	}
	fmt.Fprintf(r.env.Stdout, "%s to %s.\n%s\n", summary, path, note)
	if len(e.Clients) > 0 {
		fmt.Fprintf(r.env.Stdout, "On the other computer: %s import %s\n", Prog, shellArg(filepath.Base(path)))
	}
	return ExitOK
}

// writeNewFile writes data to path with mode 0600 through a temporary file
// in the same folder, so path is never seen half-written. Without replace
// an existing path is left alone (fs.ErrExist): the final step is a hard
// link, which fails rather than replace, so a file that appears meanwhile
// is safe too.
func writeNewFile(path string, data []byte, replace bool) (err error) {
	if info, err := os.Stat(path); err == nil {
		if info.IsDir() {
			return fmt.Errorf("%s is a folder", path)
		}
		if !replace {
			return fs.ErrExist
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmpPath := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpPath)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if replace {
		return os.Rename(tmpPath, path)
	}
	if err := os.Link(tmpPath, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		// No hard links here (some network or FAT drives): check, then
		// rename, leaving only a tiny window.
		if _, serr := os.Lstat(path); serr == nil {
			return fs.ErrExist
		}
		return os.Rename(tmpPath, path)
	}
	return os.Remove(tmpPath)
}

// Clash policies of import.
const (
	clashAsk         = "ask"
	clashSkip        = "skip"
	clashRename      = "rename"
	clashUseExisting = "use-existing"
)

func (r *runner) cmdImport(args []string) int {
	flags := r.newFlags("import")
	onClash := flags.String("on-clash", "", "what to do with a name already in use: use-existing, skip or rename")
	acceptEndpoints := flags.Bool("accept-endpoints", false, "import clients that send secrets to hosts that are not Kantata's, or turn PKCE off")
	pos, err := parseArgs(flags, args)
	if err != nil {
		return r.usage("import", "%v", err)
	}
	path, err := onePath(pos)
	if err != nil {
		return r.usage("import", "import: %v", err)
	}
	if path == "-" {
		return r.usage("import", "import reads the client secrets from standard input, so the file can't come from there too: give its path")
	}
	terminal := r.stdinIsTerminal()
	policy := strings.ToLower(strings.TrimSpace(*onClash))
	switch policy {
	case "":
		// A client whose settings match the saved one is used as it is;
		// anything else in use is left out.
		policy = clashUseExisting
		if terminal {
			policy = clashAsk
		}
	case clashSkip, clashRename, clashUseExisting:
	case clashAsk:
		if !terminal {
			return r.usage("import", "--on-clash ask needs a terminal to ask in; use --on-clash skip or --on-clash rename")
		}
	default:
		return r.usage("import", "--on-clash must be use-existing (a client with the same settings serves the file's connections; anything else in use is left out), skip (leave out what has a name already in use) or rename (import it as “NAME (2)”)")
	}

	e, ok := r.readExportFile(path)
	if !ok {
		return ExitUsage
	}
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	ctx, stop := r.interruptible()
	defer stop()
	d := &cliDecider{r: r, ctx: ctx, terminal: terminal, policy: policy, acceptEndpoints: *acceptEndpoints}
	if !terminal {
		// One line a client, in file order; a line per client at most.
		d.lines = bufio.NewReader(io.LimitReader(r.env.Stdin, int64(len(e.Clients)+1)*maxSecretInput))
	}
	if terminal && len(e.Clients) > 0 {
		fmt.Fprintf(r.env.Stderr, "Importing %s and %s from %s. Secrets don't travel: enter each client's secret again.\n",
			safetext.Count(len(e.Clients), "client"), safetext.Count(len(e.Connections), "connection"), path)
	}
	rep, err := setupfile.Import(ctx, st, e, d)
	if err != nil && connect.Canceled(err) {
		fmt.Fprintln(r.env.Stderr, "Canceled; nothing was imported.")
		return ExitInterrupted
	}
	if err != nil && len(rep.ClientsAdded)+len(rep.ConnectionsAdded) == 0 {
		return r.report(err, "")
	}
	fmt.Fprint(r.env.Stdout, rep.String())
	if err != nil {
		fmt.Fprintln(r.env.Stderr, "The import stopped before the end; what is listed above was imported.")
		return r.report(err, "")
	}
	if len(rep.ConnectionsAdded) > 0 {
		fmt.Fprintf(r.env.Stdout, "Next: %s authorize %s\n", Prog, shellArg(rep.ConnectionsAdded[0]))
	}
	return ExitOK
}

// readExportFile opens and checks the file to import.
func (r *runner) readExportFile(path string) (setupfile.Export, bool) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(r.env.Stderr, "Couldn't open “%s”: %s.\n", path, plainFileError(err))
		return setupfile.Export{}, false
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		fmt.Fprintf(r.env.Stderr, "“%s” is a folder. Give the path of the exported file.\n", path)
		return setupfile.Export{}, false
	}
	e, err := setupfile.ReadExport(f)
	if err != nil {
		r.report(fmt.Errorf("%s: %w", path, err), "")
		return setupfile.Export{}, false
	}
	return e, true
}

func plainFileError(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "there is no such file"
	case errors.Is(err, fs.ErrPermission):
		return "you may not read it"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// cliDecider answers import's questions: in a terminal by asking, else from
// standard input (secrets, one line a client in file order) and --on-clash.
type cliDecider struct {
	r               *runner
	ctx             context.Context
	terminal        bool
	policy          string
	acceptEndpoints bool
	lines           *bufio.Reader // not a terminal: the secret lines
	read            int           // lines read so far
	eof             bool
}

// Endpoints keeps a client whose secrets would go to hosts that are not
// Kantata's only with --accept-endpoints: a setup file is someone else's
// word, and a secret sent to a stranger's host can't be taken back.
func (d *cliDecider) Endpoints(req setupfile.EndpointsRequest) (bool, error) {
	w := d.r.env.Stderr
	if d.acceptEndpoints {
		fmt.Fprintf(w, "Note: the client “%s” %s. Accepted with --accept-endpoints.\n", req.Client.Name, req.Departures)
		return true, nil
	}
	fmt.Fprintf(w, "Skipping the client “%s”: it %s.\n", req.Client.Name, req.Departures)
	fmt.Fprintf(w, "  %s If you trust whoever gave you this file, import again with --accept-endpoints.\n", req.Departures.Risk())
	return false, nil
}

func (d *cliDecider) Secret(req setupfile.SecretRequest) (string, bool, error) {
	if !d.terminal {
		if req.Attempt > 1 {
			return "", true, nil // a line can't be asked for again; the report says why
		}
		var line string
		for d.read <= req.Index && !d.eof { // lines of clients skipped for their name are passed over
			l, err := d.lines.ReadString('\n')
			if errors.Is(err, io.EOF) {
				d.eof = true
				if l == "" {
					break
				}
			} else if err != nil {
				return "", false, fmt.Errorf("read the client secrets from standard input: %w", err)
			}
			d.read++
			if d.read == req.Index+1 {
				line = l
			}
		}
		return store.NormalizeSecret(line), false, nil // empty: entered later
	}
	if req.Problem != "" {
		fmt.Fprintln(d.r.env.Stderr, req.Problem)
	}
	fmt.Fprintf(d.r.env.Stderr, "Secret for client “%s” (input hidden; empty to enter it later, before signing in): ", req.Client.Name)
	s, err := d.r.readHidden(d.ctx)
	fmt.Fprintln(d.r.env.Stderr) // the hidden input's Enter is not echoed
	if err != nil {
		return "", false, err
	}
	return store.NormalizeSecret(s), false, nil // empty: entered later
}

func (d *cliDecider) Clash(c setupfile.NameClash) (setupfile.ClashAnswer, error) {
	switch d.policy {
	case clashUseExisting:
		return setupfile.ClashAnswer{UseExisting: c.SameSettings, Skip: !c.SameSettings}, nil
	case clashSkip:
		return setupfile.ClashAnswer{Skip: true}, nil
	case clashRename:
		return setupfile.ClashAnswer{Name: c.Suggestion}, nil
	}
	if c.SameSettings {
		fmt.Fprintf(d.r.env.Stderr, "%s It has the same settings as this one. Press Return to use it for the file's connections, or type a new name: ", c.Problem)
	} else {
		fmt.Fprintf(d.r.env.Stderr, "%s Type a new name, or press Return to skip: ", c.Problem)
	}
	line, err := d.r.readLine(d.ctx)
	if err != nil {
		return setupfile.ClashAnswer{}, err
	}
	name := strings.TrimSpace(line)
	if name == "" {
		return setupfile.ClashAnswer{UseExisting: c.SameSettings, Skip: !c.SameSettings}, nil
	}
	return setupfile.ClashAnswer{Name: name}, nil
}

// readHidden reads one line without echo (a terminal); Ctrl-C (ctx) gives
// up the wait and puts the terminal back.
func (r *runner) readHidden(ctx context.Context) (string, error) {
	read := r.env.ReadPassword
	restore := func() {}
	if read == nil {
		fd := int(os.Stdin.Fd())
		if st, err := term.GetState(fd); err == nil {
			restore = func() { _ = term.Restore(fd, st) }
		}
		read = func() (string, error) {
			b, err := term.ReadPassword(fd)
			return string(b), err
		}
	}
	s, err := readCtx(ctx, read)
	switch {
	case err != nil && ctx.Err() != nil:
		restore()
	case err != nil:
		err = fmt.Errorf("read from the terminal: %w", err)
	}
	return s, err
}

// readLine reads one visible line from standard input a byte at a time, so
// nothing is buffered ahead of a later hidden read of the same terminal.
func (r *runner) readLine(ctx context.Context) (string, error) {
	return readCtx(ctx, func() (string, error) {
		var b strings.Builder
		buf := make([]byte, 1)
		for b.Len() < maxSecretInput {
			n, err := r.env.Stdin.Read(buf)
			if n == 1 {
				if buf[0] == '\n' {
					break
				}
				b.WriteByte(buf[0])
			}
			if errors.Is(err, io.EOF) {
				break // end of input (Ctrl-D): as an empty answer
			}
			if err != nil {
				return "", err
			}
		}
		return b.String(), nil
	})
}

// readCtx runs read, giving up when ctx ends (the read stays blocked until
// the program exits; a terminal read can't be interrupted portably).
func readCtx(ctx context.Context, read func() (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := read()
		done <- result{s, err}
	}()
	select {
	case res := <-done:
		return res.s, res.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
