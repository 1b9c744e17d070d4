package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-codec/payload"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/ident"
	"github.com/whaleim/whaleim/im-common/session"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// login authenticates the connection. A refused login is answered with a
// 9001 carrying the error code and closes the connection.
func (c *conn) login(ctx context.Context, p packet.Client) bool {
	if c.authed() {
		c.refuse(p, errcode.BadRequest.With("already logged in"), false)
		return true
	}
	app, userID, err := c.authenticate(ctx, p)
	if err != nil {
		c.refuseLogin(p, userID, err)
		return false
	}
	now := c.g.loginTime()
	c.id = device.ID{AppID: p.AppID, UserID: userID, Type: p.Device, IMEI: p.IMEI}
	c.sess = session.Session{Broker: c.g.cfg.BrokerID, ClientType: p.Device, IMEI: p.IMEI,
		LoginTime: now.UnixMilli(), Seen: now.UnixMilli()}
	before, err := c.g.sessions.Claim(ctx, c.id, c.sess, c.g.cfg.SessionTTL)
	if err != nil {
		c.g.log.Warn("session write failed", "app", p.AppID, "user", userID, "err", err)
		c.reply(p, command.LoginAck, "", status(errcode.Unavailable), true)
		return false
	}
	if old := c.g.hub.bind(c); old != nil {
		old.shutdown() // the same device reconnected: replace, do not kick
	}
	c.touched.Store(now.UnixNano())
	c.state.Store(stateAuthed)
	c.reply(p, command.LoginAck, "", status(errcode.Success), false)
	c.g.applyPolicy(ctx, c.id, app.Policy, before)
	return true
}

// refuseLogin answers a refused login with its code and closes; a failed
// sign check counts against the client's (IP, appId).
func (c *conn) refuseLogin(p packet.Client, userID string, err error) {
	e := errcode.Of(err)
	if usersign.IsAuthError(err) {
		c.g.guard.fails.Fail(authKey{c.ip, p.AppID}, time.Now())
	}
	c.g.guard.log.note("login", c.ip, p.AppID, userID, e)
	c.reply(p, command.LoginAck, "", status(e), true)
}

// authenticate checks the login body and the userSign against the app's
// secret, then asks the domain about the user, and returns the app and the
// user (the user also with an error, for the log). A client whose sign
// checks failed too often from its IP for this app is refused unheard.
func (c *conn) authenticate(ctx context.Context, p packet.Client) (App, string, error) {
	if c.g.guard.fails.Blocked(authKey{c.ip, p.AppID}, time.Now()) {
		return App{}, "", errcode.RateLimited.With("too many failed logins; retry later")
	}
	var b payload.Login
	if err := json.Unmarshal(p.Body, &b); err != nil {
		return App{}, "", errcode.MalformedJSON
	}
	switch {
	case ident.ValidID(b.UserID) != nil: // "x2 " or "X2" is not x2 (ident)
		return App{}, "", ident.Check("userId", b.UserID)
	case !p.Device.Valid() || p.Device == device.WebAPI:
		return App{}, "", errcode.MissingField.With("clientType")
	case p.IMEI == "":
		return App{}, "", errcode.MissingField.With("imei")
	}
	app, err := c.g.apps.App(ctx, p.AppID)
	known := err == nil
	switch {
	case errors.Is(err, errcode.AppNotFound):
		app = App{Secret: c.g.guard.decoy} // refused exactly like a bad sign: no probing for app ids
	case err != nil:
		c.g.log.Warn("app lookup failed", "app", p.AppID, "err", err)
		return App{}, b.UserID, errcode.Unavailable
	}
	if err := c.checkSign(b, app, known, p.AppID); err != nil {
		return App{}, b.UserID, err
	}
	if err := c.g.users.CanLogin(ctx, p.AppID, b.UserID); err != nil {
		return App{}, b.UserID, err
	}
	return app, b.UserID, nil
}

// checkSign verifies the login's userSign against the app's secrets. With
// Config.InsecureLoginWithoutSign a login of a known app that carries no
// sign at all passes unchecked.
func (c *conn) checkSign(b payload.Login, app App, known bool, appID uint32) error {
	if c.g.cfg.InsecureLoginWithoutSign && b.UserSign == "" && known {
		return nil
	}
	now := time.Now()
	_, err := usersign.VerifyAny(b.UserSign, app.Secrets(now), appID, b.UserID, now, c.g.cfg.Auth.SignOptions()...)
	return err
}

// loginTime returns now, made unique per gateway: a session is identified
// by (broker, loginTime), so two logins of one device here must differ.
func (g *Gateway) loginTime() time.Time {
	for {
		last := g.lastLogin.Load()
		now := max(time.Now().UnixMilli(), last+1)
		if g.lastLogin.CompareAndSwap(last, now) {
			return time.UnixMilli(now)
		}
	}
}

// warnInsecure says loudly, at start, that logins without a userSign are
// accepted (Config.InsecureLoginWithoutSign).
func warnInsecure(cfg Config, log *slog.Logger) {
	if cfg.InsecureLoginWithoutSign {
		log.Warn("INSECURE: IM_INSECURE_LOGIN_WITHOUT_SIGN is on: logins without a userSign are accepted, " +
			"anyone can log in as any user of a known app; for development and WhaleShark migration only, never in production")
	}
}
