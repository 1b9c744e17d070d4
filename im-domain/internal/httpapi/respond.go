package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/whaleim/whaleim/im-common/errcode"
)

// envelope is WhaleShark's ResponseVO: code 200 is success, anything else
// an errcode value. Clients read the body code; the HTTP status mirrors it
// (see statusOf) so proxies, logs and generic HTTP clients see failures too.
type envelope struct {
	Code errcode.Code `json:"code"`
	Msg  string       `json:"msg"`
	Data any          `json:"data"`
}

// statusOf maps an errcode to an HTTP status:
//
//	200               Success
//	400 Bad Request   1000-1099 input errors (malformed JSON, missing field...)
//	413 Too Large     BatchTooLarge (body over the limit or too many items)
//	404 Not Found     NotFound and every *NotFound code (user, group, ...)
//	409 Conflict      Conflict, *Exists / Already* codes and other domain-rule
//	                  refusals in 3000-8999 not listed below
//	429               RateLimited, AuthThrottled
//	401 Unauthorized  2000-2004, 2007, 2008: no, bad, expired or foreign sign,
//	                  unknown app
//	403 Forbidden     IdentityMismatch, Forbidden, permission-style domain codes
//	500/503/504       Internal / Unavailable / Timeout
func statusOf(c errcode.Code) int {
	if s, ok := statusByCode[c]; ok {
		return s
	}
	switch {
	case c >= 1000 && c < 2000:
		return http.StatusBadRequest
	case c >= 2000 && c < 3000:
		return http.StatusUnauthorized
	case c >= 3000 && c < 9000:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

var statusByCode = map[errcode.Code]int{
	errcode.Success.Code:               http.StatusOK,
	errcode.BatchTooLarge.Code:         http.StatusRequestEntityTooLarge,
	errcode.NotFound.Code:              http.StatusNotFound,
	errcode.RateLimited.Code:           http.StatusTooManyRequests,
	errcode.AuthThrottled.Code:         http.StatusTooManyRequests,
	errcode.Conflict.Code:              http.StatusConflict,
	errcode.IdentityMismatch.Code:      http.StatusForbidden,
	errcode.Forbidden.Code:             http.StatusForbidden,
	errcode.UserNotFound.Code:          http.StatusNotFound,
	errcode.UserForbidden.Code:         http.StatusForbidden,
	errcode.UserMuted.Code:             http.StatusForbidden,
	errcode.FriendRequestNotFound.Code: http.StatusNotFound,
	errcode.FriendGroupNotFound.Code:   http.StatusNotFound,
	errcode.Blocked.Code:               http.StatusForbidden,
	errcode.GroupNotFound.Code:         http.StatusNotFound,
	errcode.GroupPermission.Code:       http.StatusForbidden,
	errcode.NotGroupMember.Code:        http.StatusForbidden,
	errcode.GroupMuted.Code:            http.StatusForbidden,
	errcode.MemberMuted.Code:           http.StatusForbidden,
	errcode.MessageNotFound.Code:       http.StatusNotFound,
	errcode.RecallNotAllowed.Code:      http.StatusForbidden,
	errcode.ConversationDenied.Code:    http.StatusForbidden,
	errcode.MessageTooLarge.Code:       http.StatusRequestEntityTooLarge,
	errcode.ConversationNotFound.Code:  http.StatusNotFound,
	errcode.Internal.Code:              http.StatusInternalServerError,
	errcode.Unavailable.Code:           http.StatusServiceUnavailable,
	errcode.Timeout.Code:               http.StatusGatewayTimeout,
	errcode.CallbackVeto.Code:          http.StatusForbidden,
}

// write sends the envelope for data or err and returns the code sent.
// Internal errors are answered with the generic message: their detail is
// for the log, never for the client.
func write(w http.ResponseWriter, data any, err error) errcode.Code {
	e := errcode.Of(err)
	body := envelope{Code: e.Code, Msg: e.Message, Data: data}
	if err != nil {
		body.Data = nil
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(statusOf(e.Code))
	_ = json.NewEncoder(w).Encode(body) // the client went away; nothing to do
	return e.Code
}
