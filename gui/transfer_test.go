package gui

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/filechooser"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/setupfile"
	"github.com/kantata-connect/kantata-connect/store"
)

type bufferCloser struct{ *bytes.Buffer }

func (bufferCloser) Close() error { return nil }

// answerImport plays the user through an import's questions: secret for
// secret questions, the suggested free name for name questions, and yes to
// clients on hosts that are not Kantata's (the stand-in is on loopback).
func (h *harness) answerImport(secret string) {
	h.t.Helper()
	h.answerImportWith(secret, func(q *importQuestion) *widget.Button { return q.accept })
}

// nextImportQuestion plays the UI thread until the import asks its next
// question, and returns it; nil when the import has finished.
func (h *harness) nextImportQuestion() *importQuestion {
	h.t.Helper()
	var q *importQuestion
	h.runUntil(func() bool {
		q = shownDialog[*importQuestion](h.u.win)
		return q != nil
	})
	return q
}

// answerImportWith is answerImport with the button to tap at an endpoints
// question chosen by endpoints, and returns the texts each showed.
func (h *harness) answerImportWith(secret string, endpoints func(*importQuestion) *widget.Button) (endpointQuestions []string) {
	h.t.Helper()
	for {
		q := h.nextImportQuestion()
		if q == nil {
			return endpointQuestions // no more questions: the import has finished
		}
		if q.accept != nil {
			endpointQuestions = append(endpointQuestions, strings.Join(texts(topOverlay(h.u.win)), "\n"))
			test.Tap(endpoints(q))
			continue
		}
		if q.field.Password {
			test.Type(q.field, secret)
		}
		test.Tap(q.ok)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExportThenImportOnAFreshComputer(t *testing.T) {
	src := newHarness(t, nil)
	c := src.addClient("Production app", "prod-"+testenv.RandomHex(t))
	conn := src.authorizedConnection("Kantata production", c)
	tok, _ := src.store.Token(conn.ID)

	var file bytes.Buffer
	src.u.exportTo(bufferCloser{&file}, "kantata-connect-setup.json")
	src.wait()
	for _, secret := range []string{testSecret, tok.AccessToken} {
		if strings.Contains(file.String(), secret) {
			t.Fatal("the export file contains a secret or token")
		}
	}
	if !showsSubstring(topOverlay(src.u.win), "no secrets") {
		t.Error("no confirmation after export")
	}

	dst := newHarness(t, nil)
	dst.u.importFrom(io.NopCloser(bytes.NewReader(file.Bytes())))
	dst.answerImport("\tre-entered-secret-123 \n") // as pasted, with white space around it
	dst.wait()
	got, ok := dst.store.ClientByName("Production app")
	if !ok || got.ClientID != c.ClientID || got.AuthURL != c.AuthURL || got.RedirectPort != c.RedirectPort {
		t.Fatalf("imported client %+v; want the exported settings", got)
	}
	if s, err := dst.store.ClientSecret(got.ID); err != nil || s != "re-entered-secret-123" {
		t.Errorf("imported client's secret: %v", err)
	}
	imported, ok := dst.store.ConnectionByName("Kantata production")
	if !ok || imported.Status != store.StatusNeverAuthorized {
		t.Errorf("imported connection %+v; want it, not authorized yet", imported)
	}
	if !showsSubstring(topOverlay(dst.u.win), "Imported 1 client") {
		t.Errorf("no import report; dialog: %q", texts(topOverlay(dst.u.win)))
	}
}

func TestImportClashRenamesNeverOverwrites(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	var file bytes.Buffer
	h.u.exportTo(bufferCloser{&file}, "kantata-connect-setup.json")
	h.wait()

	h.u.importFrom(io.NopCloser(bytes.NewReader(file.Bytes())))
	h.answerImport("another-secret-456")
	h.wait()
	if s, _ := h.store.ClientSecret(c.ID); s != testSecret {
		t.Error("the saved client's secret was overwritten")
	}
	renamed, ok := h.store.ClientByName("Production app (2)")
	if !ok || renamed.ClientID != "prod-id" {
		t.Fatalf("clashing client not imported under the suggested name; clients: %+v", h.store.Clients())
	}
}

func TestImportForeignFileChangesNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.addClient("Production app", "prod-id")
	before := mustRead(t, h.store.Path())

	h.u.importFrom(io.NopCloser(strings.NewReader(`{"hello":"world"}`)))
	h.wait()
	top := topOverlay(h.u.win)
	if top == nil || !containsText(top, "Couldn't import the setup") {
		t.Fatalf("no error for a foreign file; dialog: %q", texts(top))
	}
	if after := mustRead(t, h.store.Path()); !bytes.Equal(before, after) {
		t.Error("a foreign file changed the records")
	}
}

// A setup file that sends the token request and the API elsewhere is shown
// with its hosts before any secret is asked; skipping it (the default)
// leaves the collector, a second stand-in on 127.0.0.2, without a single
// request, and nothing is saved.
func TestImportHostileSetupAsksBeforeAnySecret(t *testing.T) {
	for _, tc := range []struct {
		name   string
		accept bool
	}{{"skipped", false}, {"accepted by name", true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			collector := fakekantata.NewAt(t, "127.0.0.2")
			c := store.DefaultClientSettings()
			c.Name, c.ClientID, c.PKCE = "Kantata production", "prod-id", false
			c.TokenURL, c.APIBaseURL = collector.TokenURL(), collector.APIBaseURL()
			var file bytes.Buffer
			if err := setupfile.WriteExport(&file, setupfile.Export{Format: setupfile.ExportFormat, Version: setupfile.ExportVersion,
				Clients: []store.ClientSettings{c}, Connections: []setupfile.ExportConnection{{Name: "Production", Client: c.Name}}}); err != nil {
				t.Fatal(err)
			}

			h.u.importFrom(io.NopCloser(&file))
			secretAsked := false
			questions := h.answerImportWith("typed-secret-789", func(q *importQuestion) *widget.Button {
				if q.field != nil {
					secretAsked = true
				}
				if tc.accept {
					return q.accept
				}
				return q.skip
			})
			h.wait()
			if len(questions) != 1 || !strings.Contains(questions[0], strings.TrimPrefix(collector.URL, "http://")+" (access token URL, API base URL)") ||
				!strings.Contains(questions[0], "and turns PKCE off") {
				t.Fatalf("endpoint questions %q; want one naming the collector's host and PKCE", questions)
			}
			if secretAsked {
				t.Error("a secret was asked before the endpoints were settled")
			}
			_, saved := h.store.ClientByName("Kantata production")
			if saved != tc.accept {
				t.Errorf("client saved: %v, want %v", saved, tc.accept)
			}
			if n := collector.Requests(); n != 0 {
				t.Errorf("the collector received %d requests during the import", n)
			}
			if !tc.accept && !showsSubstring(topOverlay(h.u.win), "its settings were not accepted") {
				t.Errorf("the report does not say why it was skipped: %q", texts(topOverlay(h.u.win)))
			}
		})
	}
}

// Clients whose names are in use with the same settings are used as they
// are ("Use the existing client", the default), so their connections come
// along with no secret to type; ticking "the same for the other clients"
// answers the next clash too.
func TestImportUsesExistingClientsAndTheSameForAll(t *testing.T) {
	h := newHarness(t, nil)
	one := h.addClient("Production app", "prod-id")
	two := h.addClient("Sandbox app", "sandbox-id")
	var file bytes.Buffer
	e := setupfile.FromStore(h.store, time.Now())
	e.Connections = []setupfile.ExportConnection{{Name: "Reporting", Client: "Production app"}, {Name: "Sandbox test", Client: "Sandbox app"}}
	if err := setupfile.WriteExport(&file, e); err != nil {
		t.Fatal(err)
	}

	h.u.importFrom(io.NopCloser(&file))
	clashes, secrets := 0, 0
	for {
		q := h.nextImportQuestion()
		switch {
		case q == nil:
		case q.accept != nil: // the stand-in is on loopback
			test.Tap(q.accept)
			continue
		case q.field.Password:
			secrets++
			test.Tap(q.ok)
			continue
		default:
			clashes++
			if q.useExisting == nil {
				t.Fatalf("no “Use the existing client” for a client with the same settings: %q", texts(topOverlay(h.u.win)))
			}
			top := topOverlay(h.u.win)
			for _, o := range test.LaidOutObjects(top) {
				if c, ok := o.(*widget.Check); ok {
					c.SetChecked(true) // the same for the other clients
				}
			}
			test.Tap(q.useExisting)
			continue
		}
		break
	}
	h.wait()
	if clashes != 1 || secrets != 0 {
		t.Errorf("asked about %d clashes and %d secrets; want one clash (the same for all) and no secret", clashes, secrets)
	}
	for conn, client := range map[string]store.Client{"Reporting": one, "Sandbox test": two} {
		if c, ok := h.store.ConnectionByName(conn); !ok || c.ClientRef != client.ID {
			t.Errorf("connection %q: %+v (found %v); want it on the saved client %q", conn, c, ok, client.Name)
		}
	}
	if n := len(h.store.Clients()); n != 2 {
		t.Errorf("%d clients after the import, want the 2 saved ones", n)
	}
	if !showsSubstring(topOverlay(h.u.win), "Used the saved client") {
		t.Errorf("the report does not say the saved clients were used: %q", texts(topOverlay(h.u.win)))
	}
}

// A client imported with its secret left empty comes with its connections;
// Save & authorize then asks for the secret first, and signs in once it is
// saved.
func TestImportWithoutSecretThenSaveAndAuthorizeAsksForIt(t *testing.T) {
	src := newHarness(t, nil)
	c := src.addClient("Production app", "prod-"+testenv.RandomHex(t))
	if _, err := src.store.SaveConnection("", "Kantata production", c.ID); err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	src.u.exportTo(bufferCloser{&file}, "kantata-connect-setup.json")
	src.wait()

	h := newHarness(t, func(string) error { return nil }) // a browser that never comes back
	h.u.importFrom(io.NopCloser(bytes.NewReader(file.Bytes())))
	h.answerImport("") // no secret at hand
	h.wait()
	client, ok := h.store.ClientByName("Production app")
	if !ok || !client.SecretNeeded {
		t.Fatalf("client %+v (found %v); want it imported, marked as needing its secret", client, ok)
	}
	conn, ok := h.store.ConnectionByName("Kantata production")
	if !ok {
		t.Fatal("the connection of the client without a secret was not imported")
	}
	h.u.refresh()
	h.u.panel.edit(conn)
	test.Tap(h.u.panel.saveAuthorize)
	h.wait()
	d := shownDialog[*clientDialog](h.u.win)
	if d == nil || d.existing == nil || d.existing.ID != client.ID || h.u.win.Canvas().Focused() != d.secret {
		t.Fatal("Save & authorize did not ask for the missing secret first")
	}
	if shownDialog[*signInDialog](h.u.win) != nil {
		t.Fatal("the sign-in started before the secret was entered")
	}
	test.Type(d.secret, testSecret)
	test.Tap(d.saveButton)
	h.runUntil(func() bool { return shownDialog[*signInDialog](h.u.win) != nil })
	if shownDialog[*signInDialog](h.u.win) == nil {
		t.Fatal("no sign-in after the secret was saved")
	}
	if saved, _ := h.store.Client(client.ID); saved.SecretNeeded {
		t.Error("the client is still marked as needing its secret")
	}
	if s, _ := h.store.ClientSecret(client.ID); s != testSecret {
		t.Error("the secret entered is not in the keychain")
	}
	test.Tap(shownDialog[*signInDialog](h.u.win).cancel)
	h.wait()
}

// Skip at a client's secret says what it skips, and an import that added
// nothing is not titled "Setup imported".
func TestImportSkipSaysWhatAndNothingImportedSaysSo(t *testing.T) {
	src := newHarness(t, nil)
	c := src.addClient("Production app", "prod-"+testenv.RandomHex(t))
	if _, err := src.store.SaveConnection("", "Kantata production", c.ID); err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	src.u.exportTo(bufferCloser{&file}, "kantata-connect-setup.json")
	src.wait()

	dst := newHarness(t, nil)
	dst.u.importFrom(io.NopCloser(bytes.NewReader(file.Bytes())))
	test.Tap(dst.nextImportQuestion().accept) // the stand-in is not Kantata's host
	if q := dst.nextImportQuestion(); q == nil || q.field == nil {
		t.Fatal("no secret question")
	}
	q := topOverlay(dst.u.win)
	if !containsText(q, "Skip this client and its connections") || containsText(q, "Skip") {
		t.Fatalf("the secret question's buttons: %q; want Skip to say what it skips", texts(q))
	}
	tapButton(t, q, "Skip this client and its connections")
	dst.wait()
	report := topOverlay(dst.u.win)
	if !containsText(report, "Nothing imported") || containsText(report, "Setup imported") {
		t.Errorf("the report of an import that added nothing shows %q", texts(report))
	}
	if !showsSubstring(report, "Nothing was imported") {
		t.Errorf("the report does not say nothing was imported: %q", texts(report))
	}
}

// Export and Import use the system's file dialog: the Save dialog suggests
// the file's name and only setup files, and the confirmation names the
// file written. Where the system has none, Fyne's dialog shows instead.
func TestExportAndImportUseTheSystemFileDialog(t *testing.T) {
	src := newHarness(t, nil)
	c := src.addClient("Production app", "prod-"+testenv.RandomHex(t))
	if _, err := src.store.SaveConnection("", "Kantata production", c.ID); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "Jane's setup.json")
	var asked []filechooser.Options
	src.u.fileDialog = func(_ context.Context, o filechooser.Options) (string, error) {
		asked = append(asked, o)
		return file, nil
	}
	src.u.chooseExportFile()
	src.wait()
	if len(asked) != 1 || !asked[0].Save || asked[0].Name != "kantata-connect-setup.json" ||
		len(asked[0].Extensions) != 1 || asked[0].Extensions[0] != "json" {
		t.Fatalf("the Save dialog was asked for %+v", asked)
	}
	if !showsSubstring(topOverlay(src.u.win), "to “"+file+"”") {
		t.Errorf("the confirmation does not name the file: %q", texts(topOverlay(src.u.win)))
	}
	written, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(written, []byte("prod-")) {
		t.Fatalf("the export file: %v\n%s", err, written)
	}

	t.Run("import from the file the dialog chose", func(t *testing.T) {
		dst := newHarness(t, nil)
		dst.u.fileDialog = func(_ context.Context, o filechooser.Options) (string, error) {
			if o.Save {
				t.Error("Import asked for a Save dialog")
			}
			return file, nil
		}
		dst.u.chooseImportFile()
		dst.answerImport(testSecret)
		dst.wait()
		if _, ok := dst.store.ConnectionByName("Kantata production"); !ok {
			t.Errorf("nothing imported; dialog: %q", texts(topOverlay(dst.u.win)))
		}
	})

	t.Run("canceled: nothing happens", func(t *testing.T) {
		src.u.win.Canvas().Overlays().Remove(topOverlay(src.u.win))
		src.u.fileDialog = func(context.Context, filechooser.Options) (string, error) { return "", nil }
		src.u.chooseImportFile()
		src.wait()
		if top := topOverlay(src.u.win); top != nil {
			t.Errorf("a canceled dialog left %q", texts(top))
		}
	})

	t.Run("no system dialog: Fyne's", func(t *testing.T) {
		src.u.fileDialog = func(context.Context, filechooser.Options) (string, error) {
			return "", filechooser.ErrUnavailable
		}
		src.u.chooseExportFile()
		src.wait()
		if top := topOverlay(src.u.win); top == nil || !containsText(top, "Save") || !containsText(top, "Cancel") {
			t.Errorf("no Fyne file dialog instead; the window shows %q", texts(topOverlay(src.u.win)))
		}
	})
}
