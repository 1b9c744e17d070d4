// Package errcode is the one table of error codes a client or an app back-end
// can see, on the wire (ACK frames) and in REST responses ({code, msg, data}).
//
// The table is append-only: a code, once released, keeps its number and its
// meaning forever, and removed features leave their codes unused. Ranges:
//
//	200        success (WhaleShark clients test code == 200)
//	1000-1999  request: malformed input, limits, unknown commands
//	2000-2999  authentication and authorisation
//	3000-3999  users
//	4000-4999  friendships
//	5000-5999  groups
//	6000-6999  messages
//	7000-7999  connections and gateways
//	8000-8999  conversations
//	9000-9999  server side: retryable faults of the platform (and 9003,
//	           the app callback's veto, which is final)
//
// The edges translate: the REST layer maps a code to an HTTP status, the
// gateway puts it in an ACK frame. Domain code returns *Error values or wraps
// them; callers test with errors.Is(err, errcode.NotFriends) or errors.As.
package errcode
