// Package device names client device types and the identity of one device
// session, the unit that sessions, kicks and fan-out address.
package device

import "strconv"

// Type is the clientType header field.
type Type uint32

// Device types as WhaleShark clients send them.
const (
	WebAPI  Type = 0 // a server-side caller of the REST API, never a socket
	Web     Type = 1
	IOS     Type = 2
	Android Type = 3
	Windows Type = 4
	Mac     Type = 5
)

var typeNames = [...]string{"webapi", "web", "ios", "android", "windows", "mac"}

// String returns the lowercase name of t.
func (t Type) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// Valid reports whether t is one of the known types.
func (t Type) Valid() bool { return int(t) < len(typeNames) }

// Class groups device types for the multi-device policy.
type Class uint8

// Classes a multi-device policy distinguishes.
const (
	ClassOther Class = iota
	ClassWeb
	ClassMobile
	ClassDesktop
)

// Class returns the policy class of t.
func (t Type) Class() Class {
	switch t {
	case Web:
		return ClassWeb
	case IOS, Android:
		return ClassMobile
	case Windows, Mac:
		return ClassDesktop
	}
	return ClassOther
}

// ID identifies one device session of a user in an app.
type ID struct {
	AppID  uint32 `json:"appId"`
	UserID string `json:"userId"`
	Type   Type   `json:"clientType"`
	IMEI   string `json:"imei"`
}

// Field is the device's key inside the user's Redis session hash:
// "{clientType}:{imei}".
func (d ID) Field() string {
	return strconv.FormatUint(uint64(d.Type), 10) + ":" + d.IMEI
}
