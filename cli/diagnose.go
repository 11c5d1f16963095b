package cli

import (
	"fmt"

	"github.com/kantata-connect/kantata-connect/diagnose"
)

// cmdDiagnose prints a connection's diagnostics report: plain text without a
// secret, for a ticket or a colleague. A keychain that fails is part of the
// report, not a failure of the command.
func (r *runner) cmdDiagnose(args []string) int {
	fs := r.newFlags("diagnose")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return r.usage("diagnose", "%v", err)
	}
	name, err := oneName(pos)
	if err != nil {
		return r.usage("diagnose", "diagnose: %v", err)
	}
	st, conn, code := r.openConnection(name)
	if code != ExitOK {
		return code
	}
	ctx, stop := r.interruptible()
	defer stop()
	report, err := diagnose.Report(ctx, st, conn.ID, diagnose.Options{Version: r.version()})
	if err != nil {
		return r.report(err, conn.Name)
	}
	fmt.Fprint(r.env.Stdout, report)
	return ExitOK
}
