package command

// Area is the feature family a command belongs to. The MQ contract and the
// domain dispatcher route on it.
type Area uint8

// Areas, in the order of their code ranges.
const (
	AreaUnknown Area = iota
	AreaMessage
	AreaGroup
	AreaFriend
	AreaUser
	AreaConversation
	AreaSystem
)

var areaNames = [...]string{"unknown", "message", "group", "friend", "user", "conversation", "system"}

// String returns the lowercase area name.
func (a Area) String() string {
	if int(a) < len(areaNames) {
		return areaNames[a]
	}
	return areaNames[0]
}

// Area returns the family of c by code range. Unknown codes inside a range
// still get that range's area; callers check Known to refuse them.
func (c Code) Area() Area {
	switch {
	case c >= 1000 && c < 2000:
		return AreaMessage
	case c >= 2000 && c < 3000:
		return AreaGroup
	case c >= 3000 && c < 4000:
		return AreaFriend
	case c >= 4000 && c < 5000:
		return AreaUser
	case c >= 5000 && c < 6000:
		return AreaConversation
	case c >= 9000 && c < 10000:
		return AreaSystem
	}
	return AreaUnknown
}

// Uplink reports whether clients may send c. Only these are published to the
// uplink exchange; the rest are server-to-client only.
func (c Code) Uplink() bool {
	switch c {
	case Login, Logout, Ping,
		MessageP2P, MessageReceiveAck, MessageRead, MessageRecall, MessageEdit, MessageTyping,
		GroupMessage, GroupRead:
		return true
	}
	return false
}

// Routed reports whether an uplink command is forwarded to the domain over MQ
// (as opposed to being handled inside the gateway).
func (c Code) Routed() bool {
	return c.Uplink() && c.Area() != AreaSystem
}
