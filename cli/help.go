package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

var defaults = store.DefaultClientSettings()

// helpFacts fills the help's {placeholders} from the constants the
// commands use, so the help can't name another default than they apply.
var helpFacts = strings.NewReplacer(
	"{authURL}", defaults.AuthURL,
	"{tokenURL}", defaults.TokenURL,
	"{apiURL}", defaults.APIBaseURL,
	"{kantataHosts}", strings.Join(kantata.Hosts(), ", "),
	"{appsPage}", kantata.AppsPage,
	"{port}", fmt.Sprint(defaults.RedirectPort),
	"{oob}", oauth.OOBRedirectURI,
	"{appLink}", oauth.AppLinkRedirectURI,
	"{timeout}", flagDuration(oauth.DefaultTimeout),
	"{codeTimeout}", flagDuration(oauth.DefaultCodeTimeout),
	"{hintAfter}", flagDuration(connect.DefaultHintAfter),
)

// flagDuration spells d as a duration flag takes it: "5m", "20s".
func flagDuration(d time.Duration) string {
	switch {
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// withFacts is each help text with its placeholders filled.
func withFacts(texts map[string]string) map[string]string {
	for k, v := range texts {
		texts[k] = helpFacts.Replace(v)
	}
	return texts
}

var mainHelp = helpFacts.Replace(`kantata-connect sets up and checks OAuth 2.0 connections to Kantata OX.

Usage:
  kantata-connect                         open the window
  kantata-connect --software-rendering    open the window drawn in software (Mesa), without the
                                          graphics driver's OpenGL (remote desktops, virtual machines)
  kantata-connect [--config-dir DIR] COMMAND [ARGUMENTS] [OPTIONS]

Commands:
  list [--json]                           show the saved connections and clients
  client add NAME --client-id ID [...]    save an OAuth 2.0 client (its secret is read from standard input)
  client edit NAME [...]                  change a client (enter its secret again)
  connection add NAME --client CLIENT     save a connection that uses a client
  authorize NAME [--no-browser] [--timeout {timeout}]
                                          sign in with Kantata in a browser, here or on another computer
  authorize NAME --with-token             authorize with the token Kantata's application page shows
  test NAME [--json]                      ask Kantata which user the connection works as, and
                                          how many projects that user sees
  test --all [--json]                     test every authorized connection, a few at a time
  delete connection NAME                  delete a connection and its tokens
  delete client NAME [--cascade]          delete a client and its secret
  delete all --yes                        delete every connection and client, with their secrets
  diagnose NAME                           print a report for support: settings, status, timings, no secrets
  export FILE [--force]                   save the clients and connections, without secrets, to FILE
  import FILE [--on-clash use-existing|skip|rename] [--accept-endpoints]
                                          add the clients and connections of an export file
  help [COMMAND]                          show help (also -h or --help after any command)
  version                                 show the version

Global option (before or after the command):
  --config-dir DIR   the folder of the saved records; default $KANTATA_CONNECT_CONFIG_DIR, else
                     kantata-connect in your configuration folder (the window uses the same switch)

Secrets: a client secret is read from standard input (its first line) or, in a terminal, typed at a
hidden prompt - never from an argument. Secrets and tokens stay in the system keychain and are never
printed.

Exit codes:
  0    it works, or the change was made
  1    the check or sign-in failed: Kantata rejected the authorization or could not be reached,
       the sign-in was denied or timed out, the connection is not authorized yet
  2    usage or local problem: unknown command, option or name, invalid input, no keychain,
       read-only records file, the callback port in use
  130  canceled with Ctrl-C

Run 'kantata-connect help COMMAND' for a command's options and JSON fields.
`)

var topicHelp = withFacts(map[string]string{
	"list": `Usage: kantata-connect list [--json]

Shows the saved connections (name, client, last test, status) and the OAuth 2.0 clients (name,
client ID, the callback URL to register in Kantata, authorization URL).

  --json   print JSON instead:
           {"clients": [{"name", "client_id", "auth_url", "token_url", "api_base_url",
                         "client_auth" ("body" or "basic"), "pkce" (true/false),
                         "callback" ("loopback", "code" or "app-link"), "redirect_port" (number),
                         "callback_url" (the one to register, which follows "callback")}],
            "connections": [{"name", "client" (the client's name), "status", "status_text",
                             "user": {"id", "full_name", "email"} or null,
                             "last_authorized_at", "last_tested_at" (RFC 3339 UTC times, or null),
                             "last_error", "last_error_detail" (text, or null),
                             "authorized_with" ("personal_token", or null after a sign-in)}]}
           "status" is one of never_authorized, authorized, needs_reauthorization, failed;
           "status_text" says the same in words ("Authorized as Jane Doe").
           Lists are sorted by name and are [] when empty. No secret is ever included.
`,
	"client": `Usage:
  kantata-connect client add NAME --client-id ID [OPTIONS]
  kantata-connect client edit NAME [OPTIONS] [--name NEW_NAME]

Saves an OAuth 2.0 client: the client ID and secret of your application in Kantata. The secret is
read from standard input (the first line), or typed at a hidden prompt when standard input is a
terminal; it is never taken from an argument. Editing a client needs the secret again.

  printf '%s\n' "$SECRET" | kantata-connect client add "Kantata production" --client-id abc123

Options (the defaults are Kantata's; edit changes only the options given):
  --client-id ID          the client ID Kantata shows for your application (required for add)
  --auth-url URL          authorization URL (default {authURL})
  --token-url URL         access token URL (default {tokenURL})
  --api-url URL           API base URL for the identity check (default {apiURL})
  --redirect-port N       port of the callback URL http://127.0.0.1:N/callback (default {port})
  --client-auth body|basic
                          send the secret in the request body (default) or a basic auth header
  --no-pkce               do not send a PKCE challenge (edit: --pkce turns it back on)
  --callback loopback|code|app-link
                          how Kantata's answer comes back: to this app at http://127.0.0.1:N/callback
                          (loopback, the default); as a code Kantata shows, which authorize asks
                          you to paste (code; callback URL {oob}; needs PKCE);
                          or through the app's own link, which your browser hands to this program
                          (app-link; callback URL {appLink})
  --name NEW_NAME         edit only: rename the client

Register the callback URL it prints in Kantata. If Kantata answers "Redirect URI must be an
HTTPS/SSL URI", register {oob} and {appLink} instead
and use --callback code or --callback app-link. Better still, register all three lines it prints,
one per line, so any callback kind works. Changing the client ID, secret or URLs marks the connections that use the
client as needing authorization again.
`,
	"connection": `Usage: kantata-connect connection add NAME --client CLIENT_NAME

Saves a connection that signs in with the named OAuth 2.0 client. Names are unique, compared without
regard to case. Then sign in with: kantata-connect authorize NAME
`,
	"authorize": `Usage: kantata-connect authorize NAME [--no-browser] [--timeout DURATION] [--hint-after DURATION]
       kantata-connect authorize NAME --with-token

Signs the connection in with Kantata: prints the sign-in address, opens it in the browser ($BROWSER
when set), waits on the callback URL for Kantata to send the browser back, keeps the token in the
system keychain and prints the Kantata user, e.g. "Authorized as Jane Doe <jane@example.com>".
If no browser opens, copy the printed address into any browser on this computer.

When the browser can't reach this computer (it runs on another one: over SSH or a remote desktop;
or security software blocks 127.0.0.1), it ends on a "can't be reached" page whose address starts
with the callback URL. Paste that address on standard input and press Enter: it finishes the
sign-in as the browser would have. With --no-browser over SSH, that is the whole sign-in. A line
that is not such an address, or belongs to another sign-in, is refused and the wait goes on; with
nothing on standard input, authorize waits for the browser alone.

For a client whose code Kantata shows (client add --callback code), Kantata shows "Authorization
code:" and a code after you authorize: paste the code, or the whole address of that page, at the
prompt or on standard input. A wrong or expired code is refused with the reason and you may paste
another; when standard input ends without one, the sign-in is canceled (exit code 2).

For a client of kind app-link (client add --callback app-link), Kantata sends the browser to
com.kantataconnect.desktop:/callback. The browser may ask "Open Kantata Connect?" (on Linux, "Open
xdg-open?"): allow it, and the program the system starts hands the answer to this authorize. On
Linux the first such sign-in registers the link for this program (a desktop entry in
~/.local/share/applications, made the default with xdg-mime) and says so.

  --no-browser         only print the address; open it yourself
  --with-token         instead of signing in, paste the token Kantata's application page shows its
                       administrator (Show your OAuth Token). It is read like a secret: from
                       standard input or a hidden prompt, never from an argument. Kantata is asked
                       which user it belongs to before it is kept; a token Kantata refuses is not.
  --timeout DURATION   how long to wait for the browser, e.g. 90s or 10m (default {timeout}; {codeTimeout} when
                       Kantata shows a code)
  --hint-after DURATION
                       when still waiting after this long, print the callback URL to register
                       in Kantata (default {hintAfter})

If Kantata shows an error page instead of an Authorize button, the callback URL registered for
your application in Kantata ({appsPage}) does not match this app's
exactly: Kantata then never sends the browser back, and the sign-in times out.

Ctrl-C cancels the wait and frees the callback port. Exit code 0 when authorized, 1 when the
sign-in was denied, timed out or Kantata refused it, 2 for a local problem, 130 when canceled.
`,
	"test": `Usage: kantata-connect test NAME [--json]
       kantata-connect test --all [--json]

Asks Kantata which user the connection's token belongs to, then how many projects (Kantata
workspaces) that user sees, and records the answers with the connection. Prints the user and,
on a line of its own, the count ("Sees 42 projects.") or why it could not be counted; or why
the test failed in plain words followed by "Details:". A user who sees no projects gets a
warning: an integration using the connection would find nothing. A count that fails does not
fail the test. Exit code 0 when it works, 1 when the test failed (rejected or revoked
authorization, Kantata unreachable or failing, not authorized yet), 2 for a local problem
(unknown name, keychain).

  --all    test every connection that has been authorized (never-authorized ones are skipped),
           up to 4 at a time so a slow server does not hold up the rest. Prints one line per
           connection (name, works/failed/skipped, the user and the project count, or the
           reason), then a summary such as "3 of 4 connections work.". Exit code 0 when every
           tested connection works (also when none was tested), 1 when any failed, 2 for a
           local problem, 130 when canceled.

  --json   print JSON instead (also when the test fails; not for an unknown NAME):
           {"connection" (name), "ok" (true/false), "status", "status_text",
            "user": {"id", "full_name", "email"} or null,
            "projects_visible" (how many projects the user sees; null when they could not
            be counted or the test failed),
            "error": {"message", "detail", "kind"} or null,
            "tested_at" (RFC 3339 UTC time when Kantata was asked, or null)}
           "status" is as in list --json. "error.kind" is one of rejected, rate_limited,
           server_error, network, timeout, bad_response, too_large, redirected, invalid_input,
           canceled, not_authorized, keychain, read_only, other. No secret is ever included.
           With --all: {"results": [the object above plus "skipped" (true/false)], in name
           order, "summary": {"total", "passed", "failed", "skipped"}}, where total is every
           saved connection and a skipped one has ok false and error kind not_authorized.
`,
	"delete": `Usage:
  kantata-connect delete connection NAME
  kantata-connect delete client NAME [--cascade]
  kantata-connect delete all --yes

Deletes a connection with its tokens, or a client with its secret, from the records and the
keychain. A client still used by connections is not deleted (exit code 2, naming them) unless
--cascade is given, which deletes those connections too. delete all deletes every connection and
client with their tokens and secrets (the Windows uninstaller runs it when asked to remove your
data); it does nothing without --yes.
`,
	"diagnose": `Usage: kantata-connect diagnose NAME

Prints a plain-text report about the connection for a colleague or a support ticket: the app's
version and build; the OS (on Linux also the distribution and the desktop); which keychain answered
and how fast; the client's settings (client ID, authorization, access token and API URLs, callback
URL, client authentication, PKCE); the connection's status, Kantata user, how many projects that
user saw when last counted (and when), and last error with its technical detail; and how long the
last sign-in (browser wait, token exchange, identity check) and the last test took.

The report never holds a client secret, a sign-in code or a token, not even part of one. It asks
Kantata nothing and changes nothing, so it also works on a read-only records file.

  kantata-connect diagnose Production > report.txt

Exit code 0 when the report is printed (a failing keychain is part of the report), 2 for an unknown
NAME or another local problem.
`,
	"export": `Usage: kantata-connect export FILE [--force]

Saves every OAuth 2.0 client (name, client ID, URLs, client authentication, PKCE, callback port) and
every connection (name and client) to FILE as JSON, to set them up on another computer with
kantata-connect import. The file never holds a client secret or a token, nor a connection's status:
import asks for each secret again, and imported connections must be authorized again.

FILE "-" writes to standard output. An existing FILE is not replaced unless --force is given. The
file is written whole or not at all, readable only by you (mode 0600).

  --force   replace FILE if it exists

Exit code 0 when written, 2 when FILE exists (without --force) or can't be written.
`,
	"import": `Usage: kantata-connect import FILE [--on-clash use-existing|skip|rename] [--accept-endpoints]

Adds the clients and connections of a file made by kantata-connect export (or Export in the window).
Nothing saved is ever overwritten. The whole file is checked first: a file that is not an export,
comes from a newer version, or is damaged is refused with the reason, and nothing changes. Imported
connections are not authorized yet: run kantata-connect authorize NAME for each.

Client secrets (they never travel in the file):
  - in a terminal, each is asked for at a hidden prompt:
      Secret for client "NAME" (input hidden; empty to enter it later, before signing in):
  - otherwise standard input gives one line per client, in the order of the file's "clients" list
    (also for clients skipped for their name).
      printf '%s\n' "$SECRET_1" "$SECRET_2" | kantata-connect import setup.json
An empty or missing secret imports the client (and its connections) without one: authorize then
says to enter it first with kantata-connect client edit NAME. A skipped client's connections are
skipped too.

Names already in use (compared without regard to case):
  - in a terminal you are asked: A client named "NAME" already exists. Type a new name, or press
    Return to skip (for a client with the same settings, Return uses the saved one)
  --on-clash use-existing  a client whose settings (all but the name) are the saved one's is used
                      as it is: the file's connections use it and no secret is asked; anything
                      else whose name is in use is left out (the default when standard input is
                      not a terminal)
  --on-clash skip     leave out each client or connection whose name is in use
  --on-clash rename   import it as "NAME (2)", "NAME (3)", ... (the first free name)
A renamed client keeps its connections.

Clients that send secrets elsewhere: a client whose authorization, token or API URL is on a host
that is not Kantata's ({kantataHosts}), or that turns PKCE off, would send its
client secret, sign-in codes or tokens there. Such a client is named with its hosts and skipped,
with its connections, before any secret is asked for:
  --accept-endpoints  import such clients too (only for a file from someone you trust)

All questions are asked before anything is saved: Ctrl-C at a prompt imports nothing. A report lists
what was imported, renamed and skipped, and why.

Exit code 0 when the import ran (see the report for anything skipped), 2 for a refused file, bad
usage or a local problem (keychain, read-only records), 130 when canceled.
`,
	"help": `Usage: kantata-connect help [COMMAND]

Shows the overview, or a command's options. -h or --help after any command does the same.
`,
	"version": `Usage: kantata-connect version

Prints the version.
`,
})

// help prints the overview or a topic's help to standard output.
func (r *runner) help(topic string) int {
	topic = strings.TrimSpace(topic)
	switch topic {
	case "":
		fmt.Fprint(r.env.Stdout, mainHelp)
		return ExitOK
	case "clients":
		topic = "client"
	case "connections":
		topic = "connection"
	}
	text, ok := topicHelp[topic]
	if !ok {
		return r.usage("", "no help for %q: it is not a command", topic)
	}
	fmt.Fprint(r.env.Stdout, text)
	return ExitOK
}
