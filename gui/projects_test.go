package gui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// Test connection puts the count on the status line, after the user, with a
// real request to the stand-in: one case per answer of its workspaces list.
// A count that fails never fails the test: the line says why instead.
func TestStatusLineShowsProjects(t *testing.T) {
	const who = "Authorized as Jane Doe <jane@example.com>"
	for _, tc := range []struct {
		name       string
		setup      func(k *fakekantata.Server)
		status     string // the panel's status line, exactly
		importance widget.Importance
		notice     string // in the "Connection works" dialog
	}{
		{"42 projects", func(k *fakekantata.Server) { k.SetProjectCount(42) },
			who + " · sees 42 projects", widget.SuccessImportance, "This user sees 42 projects in Kantata."},
		{"one project", func(k *fakekantata.Server) { k.SetProjectCount(1) },
			who + " · sees 1 project", widget.SuccessImportance, "This user sees 1 project in Kantata."},
		{"no projects", func(k *fakekantata.Server) { k.SetProjectCount(0) },
			who + " · sees no projects\n" + connect.NoProjectsWarning, widget.WarningImportance, connect.NoProjectsWarning},
		{"always 429", func(k *fakekantata.Server) {
			k.SetWorkspacesMode(fakekantata.WorkspacesRateLimited)
			k.SetWorkspacesRateLimitCount(1000)
		}, who + " · couldn't count projects: Kantata is rate limiting requests; wait a minute and test again.",
			widget.SuccessImportance, "Couldn't count projects: Kantata is rate limiting requests"},
		{"401", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesUnauthorized) },
			who + " · couldn't count projects: Kantata refused to list the projects, though it accepted this authorization to say who the user is.",
			widget.SuccessImportance, "Couldn't count projects: Kantata refused to list the projects"},
		{"500", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesServerError) },
			who + " · couldn't count projects: Kantata had a problem on its side. Try again in a few minutes.",
			widget.SuccessImportance, "Couldn't count projects: Kantata had a problem on its side."},
		{"garbage", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesGarbage) },
			who + " · couldn't count projects: Kantata's answer was not the list of projects this app expected. " +
				"Check the Kantata API address, or send the technical details to support.",
			widget.SuccessImportance, "Couldn't count projects: Kantata's answer was not the list of projects"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.u.svc.Backoff = time.Millisecond
			c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
			conn := h.authorizedConnection("Good", c)
			h.u.refresh()
			h.u.panel.edit(conn)
			tc.setup(h.kantata)

			test.Tap(h.u.panel.test)
			h.wait()

			p := h.u.panel
			if p.status.Text != tc.status || p.status.Importance != tc.importance {
				t.Errorf("status line = %q (importance %v)\nwant        %q (importance %v)", p.status.Text, p.status.Importance, tc.status, tc.importance)
			}
			top := topOverlay(h.u.win)
			if !containsText(top, "Connection works") || !showsSubstring(top, tc.notice) {
				t.Errorf("dialog after the test: %q; want it to work and say %q", texts(top), tc.notice)
			}
		})
	}
}

// Test all shows each row's count as its test finishes, the warning sign
// for a user who sees none, and says so in its summary.
func TestTestAllShowsProjectsPerRow(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	h.authorizedConnection("Good", c)
	h.authorizedConnection("Also good", c)
	h.u.refresh()

	for _, tc := range []struct {
		name    string
		setup   func(k *fakekantata.Server)
		row     string // the count at the end of each row's first line
		summary string
		warning bool
	}{
		{"42 projects", func(k *fakekantata.Server) { k.SetProjectCount(42) },
			"42 projects", "All 2 tested connections work (", false},
		{"no projects", func(k *fakekantata.Server) { k.SetProjectCount(0) },
			"no projects", "). 2 see no projects in Kantata.", true},
		{"could not count", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesServerError) },
			"couldn't count projects", "All 2 tested connections work (", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(h.kantata)
			test.Tap(h.u.list.testAll.button)
			h.wait()
			rows, statuses := 0, 0
			for _, s := range texts(h.u.list.content) {
				switch s {
				case tc.row:
					rows++
				case "Production app · Authorized as Jane Doe":
					statuses++
				}
			}
			if rows != 2 || statuses != 2 {
				t.Errorf("%d rows show %q and %d the status; want 2 each. The list shows %q", rows, tc.row, statuses, texts(h.u.list.content))
			}
			if got := h.u.list.testAll.summary.Text; !strings.Contains(got, tc.summary) {
				t.Errorf("summary = %q; want %q", got, tc.summary)
			}
			for _, conn := range h.store.Connections() {
				icon := statusIcon(conn).Name()
				if warning := strings.HasPrefix(icon, string(theme.ColorNameWarning)+"_"); warning != tc.warning {
					t.Errorf("%s: icon %s; want the warning sign %v", conn.Name, icon, tc.warning)
				}
			}
			if strings.Contains(h.u.list.testAll.summary.Text, "see no projects") != tc.warning {
				t.Errorf("summary %q, want the no-projects note only when none are seen", h.u.list.testAll.summary.Text)
			}
		})
	}
}
