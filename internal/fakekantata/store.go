package fakekantata

import (
	"context"
	"sync"
	"time"

	"github.com/ory/fosite"
)

// store is a small in-memory fosite storage. fosite's own storage package
// drags in a module this project does not otherwise need, and owning the
// store lets RevokeAll drop every token and the code lifespan change at run
// time.
type store struct {
	srv *Server

	mu           sync.Mutex
	codes        map[string]*codeEntry
	pkce         map[string]fosite.Requester
	access       map[string]fosite.Requester // signature -> request
	accessByReq  map[string]string           // request ID -> signature
	refresh      map[string]*refreshEntry
	refreshByReq map[string]string
}

type codeEntry struct {
	req    fosite.Requester
	active bool
}

type refreshEntry struct {
	req    fosite.Requester
	active bool
}

func newStore(srv *Server) *store {
	return &store{
		srv:          srv,
		codes:        map[string]*codeEntry{},
		pkce:         map[string]fosite.Requester{},
		access:       map[string]fosite.Requester{},
		accessByReq:  map[string]string{},
		refresh:      map[string]*refreshEntry{},
		refreshByReq: map[string]string{},
	}
}

// revokeAll forgets every access and refresh token, so introspection and the
// refresh grant reject them.
func (st *store) revokeAll() {
	st.mu.Lock()
	defer st.mu.Unlock()
	clear(st.access)
	clear(st.accessByReq)
	clear(st.refresh)
	clear(st.refreshByReq)
}

// hydrateCodeExpiry copies a stored code's expiry into the session fosite
// passed in, as fosite's SQL stores do. fosite checks the expiry against that
// session before it adopts the stored one; without this an expired code
// passes the first check and fails later as invalid_request, not
// invalid_grant. Only the expiry is copied: the passed session may be one the
// token handler has already stamped.
func hydrateCodeExpiry(dst fosite.Session, req fosite.Requester) {
	if dst == nil || req.GetSession() == nil || dst == req.GetSession() {
		return
	}
	dst.SetExpiresAt(fosite.AuthorizeCode, req.GetSession().GetExpiresAt(fosite.AuthorizeCode))
}

// fosite.ClientManager

func (st *store) GetClient(_ context.Context, id string) (fosite.Client, error) {
	st.srv.mu.Lock()
	defer st.srv.mu.Unlock()
	c, ok := st.srv.clients[id]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return c, nil
}

// JWT client assertions are not used: Kantata clients authenticate with a secret.
func (st *store) ClientAssertionJWTValid(context.Context, string) error { return nil }
func (st *store) SetClientAssertionJWT(context.Context, string, time.Time) error {
	return nil
}

// oauth2.AuthorizeCodeStorage

func (st *store) CreateAuthorizeCodeSession(_ context.Context, signature string, req fosite.Requester) error {
	st.srv.mu.Lock()
	life := st.srv.codeLifespan
	st.srv.mu.Unlock()
	// fosite set the expiry from its static config just before this call;
	// override it so SetCodeLifespan works on a running server.
	req.GetSession().SetExpiresAt(fosite.AuthorizeCode, time.Now().UTC().Add(life))
	st.mu.Lock()
	defer st.mu.Unlock()
	st.codes[signature] = &codeEntry{req: req, active: true}
	return nil
}

func (st *store) GetAuthorizeCodeSession(_ context.Context, signature string, sess fosite.Session) (fosite.Requester, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.codes[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	hydrateCodeExpiry(sess, e.req)
	if !e.active {
		// fosite needs the request back to revoke the tokens it issued.
		return e.req, fosite.ErrInvalidatedAuthorizeCode
	}
	return e.req, nil
}

func (st *store) InvalidateAuthorizeCodeSession(_ context.Context, signature string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.codes[signature]
	if !ok {
		return fosite.ErrNotFound
	}
	e.active = false
	return nil
}

// pkce.PKCERequestStorage

func (st *store) CreatePKCERequestSession(_ context.Context, signature string, req fosite.Requester) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pkce[signature] = req
	return nil
}

func (st *store) GetPKCERequestSession(_ context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	req, ok := st.pkce[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return req, nil
}

func (st *store) DeletePKCERequestSession(_ context.Context, signature string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.pkce, signature)
	return nil
}

// oauth2.AccessTokenStorage

func (st *store) CreateAccessTokenSession(_ context.Context, signature string, req fosite.Requester) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.access[signature] = req
	st.accessByReq[req.GetID()] = signature
	return nil
}

func (st *store) GetAccessTokenSession(_ context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	req, ok := st.access[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return req, nil
}

func (st *store) DeleteAccessTokenSession(_ context.Context, signature string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.access, signature)
	return nil
}

// oauth2.RefreshTokenStorage

func (st *store) CreateRefreshTokenSession(_ context.Context, signature, _ string, req fosite.Requester) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refresh[signature] = &refreshEntry{req: req, active: true}
	st.refreshByReq[req.GetID()] = signature
	return nil
}

func (st *store) GetRefreshTokenSession(_ context.Context, signature string, _ fosite.Session) (fosite.Requester, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.refresh[signature]
	if !ok {
		return nil, fosite.ErrNotFound
	}
	if !e.active {
		return e.req, fosite.ErrInactiveToken
	}
	return e.req, nil
}

func (st *store) DeleteRefreshTokenSession(_ context.Context, signature string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.refresh, signature)
	return nil
}

func (st *store) RotateRefreshToken(ctx context.Context, requestID string, _ string) error {
	if err := st.RevokeRefreshToken(ctx, requestID); err != nil {
		return err
	}
	return st.RevokeAccessToken(ctx, requestID)
}

// oauth2.TokenRevocationStorage

func (st *store) RevokeRefreshToken(_ context.Context, requestID string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sig, ok := st.refreshByReq[requestID]; ok {
		if e, ok := st.refresh[sig]; ok {
			e.active = false
		}
	}
	return nil
}

func (st *store) RevokeAccessToken(_ context.Context, requestID string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sig, ok := st.accessByReq[requestID]; ok {
		delete(st.access, sig)
		delete(st.accessByReq, requestID)
	}
	return nil
}
