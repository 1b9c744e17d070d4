// Package redisdb implements the gateway's Redis ports: device sessions
// (gateway.Sessions, written here, read by the domain) and app settings
// (gateway.Apps, written by the domain). Keys and value shapes are the
// shared contract in im-common/session.
//
// Claim, Touch and Remove are Lua scripts, so a read-compare-write on one
// user's session hash is atomic: a login sees every earlier login of the
// same user, and a disconnecting connection never deletes the session a
// newer connection of the same device wrote (sessions are compared by
// brokerId and loginTime).
package redisdb
