// Package command names every command code of the client wire protocol
// (PROTOCOL.md) and groups them into areas.
//
// Codes are the values WhaleShark clients already send, so they never change.
// The Area of a code is decided by a range switch, never by parsing decimal
// digits of the code as text (the WhaleShark routing bug).
package command
