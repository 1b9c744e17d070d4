package device

// Policy is an app's multi-device login policy.
type Policy uint8

// Policies, as numbered in the app settings.
const (
	PolicyOneDevice     Policy = 1 // one device of any type
	PolicyOnePlusWeb    Policy = 2 // one native device plus one web
	PolicyMobileDesktop Policy = 3 // one mobile, one desktop and one web
	PolicyUnlimited     Policy = 4 // any number of devices
)

// Valid reports whether p is a known policy.
func (p Policy) Valid() bool { return p >= PolicyOneDevice && p <= PolicyUnlimited }

// Displaced reports whether an existing session of type old (with IMEI
// oldIMEI) must be kicked when a device of type nu (with IMEI newIMEI) logs in
// under p. A device reconnecting with its own type and IMEI replaces itself
// and is never reported as displaced.
func (p Policy) Displaced(old Type, oldIMEI string, nu Type, newIMEI string) bool {
	if old == nu && oldIMEI == newIMEI {
		return false
	}
	switch p {
	case PolicyOneDevice:
		return true
	case PolicyOnePlusWeb:
		return (old.Class() == ClassWeb) == (nu.Class() == ClassWeb)
	case PolicyMobileDesktop:
		return old.Class() == nu.Class()
	}
	return false
}
