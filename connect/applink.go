package connect

import (
	"errors"
	"path/filepath"

	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/oauth"
)

// LinkRegistration is what registering the app's own link with the
// operating system did: Registered is true when it was registered just now
// (the first sign-in of its kind on this computer); Err says why it could
// not be. Both zero: it was registered before, or this system registers it
// when the app is installed.
type LinkRegistration struct {
	Registered bool
	Err        error
}

// AppLinkInUseError: another sign-in (in another window or terminal) already
// waits for the app's own link, so the link's answers go to that one. This
// sign-in still takes an address pasted (should the user have one).
type AppLinkInUseError struct{}

func (AppLinkInUseError) Error() string { return "connect: " + handover.ErrInUse.Error() }
func (AppLinkInUseError) Unwrap() error { return handover.ErrInUse }
func (AppLinkInUseError) UserMessage() string {
	return "Another sign-in in Kantata Connect (another window or terminal) is already waiting for Kantata's answer " +
		"through the app's own link, so this sign-in's answer would go there and be refused. Finish or cancel " +
		"that sign-in, then start this one again."
}
func (e AppLinkInUseError) TechnicalDetail() string { return e.Error() }

// waitAppLink registers the app's own link (through Service.RegisterLink)
// and listens for the address the instance the operating system starts hands
// over, giving each to the sign-in as a pasted one; the listener closes when
// the sign-in ends. ready is closed once a.flow is set (or left nil when the
// sign-in did not start).
func (s *Service) waitAppLink(a *Authorization, ready <-chan struct{}) {
	if s.RegisterLink != nil {
		registered, err := s.RegisterLink()
		a.linkReg = LinkRegistration{Registered: registered, Err: err}
	}
	l, err := handover.Listen(filepath.Dir(s.Store.Path()), func(address string) error {
		<-ready
		if a.flow == nil {
			return handover.ErrNobodyWaiting
		}
		return handedOver(a.flow.Complete(address))
	})
	if errors.Is(err, handover.ErrInUse) {
		err = AppLinkInUseError{}
	}
	a.linkErr, a.link = err, l
}

// handedOver turns what the sign-in said of a handed-over address into the
// answer the sender hears.
func handedOver(err error) error {
	if oauth.KindOf(err) == oauth.KindNotWaiting {
		return handover.ErrNobodyWaiting
	}
	return err
}

// closeLinkWhenDone closes the listener once the sign-in has ended.
func (a *Authorization) closeLinkWhenDone() {
	if a.link == nil {
		return
	}
	go func() {
		<-a.flow.Done()
		a.link.Close()
	}()
}

// WaitsForAppLink reports whether this sign-in's answer comes back through
// the app's own link (oauth.CallbackAppLink).
func (a *Authorization) WaitsForAppLink() bool { return a.callback == oauth.CallbackAppLink }

// AppLinkProblem says why the app's own link can't bring this sign-in's
// answer (another sign-in holds it; the channel could not open), or nil. A
// pasted address still works.
func (a *Authorization) AppLinkProblem() error { return a.linkErr }

// LinkRegistration says whether the app's own link was registered with the
// operating system for this sign-in.
func (a *Authorization) LinkRegistration() LinkRegistration { return a.linkReg }
