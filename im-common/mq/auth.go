package mq

// QueueAuth is where a gateway asks, at every login, whether the user may
// log in (the user exists and is not forbidden). Every domain node serves
// it (competing consumers); the request carries an AuthRequest, the reply
// (through RabbitMQ direct reply-to) an AuthReply. The gateway has no
// database: the domain's user feature is the only judge, and a gateway
// that gets no answer refuses the login with a retryable code, never
// accepts it.
const QueueAuth = "im.auth"

// AuthTopology is what a domain node declares to serve QueueAuth. The
// queue is classic and not durable: a request outlives neither its
// caller's timeout (it carries that expiration) nor a broker restart, and
// the queue is bounded so a domain outage cannot pile requests up.
func AuthTopology() Topology {
	return Topology{Queues: []Queue{{Name: QueueAuth, Type: Classic, MaxLength: 10_000}}}
}

// AuthRequest asks whether UserID of AppID may log in.
type AuthRequest struct {
	Version int    `json:"v"`
	AppID   uint32 `json:"appId"`
	UserID  string `json:"userId"`
}

// AuthReply answers an AuthRequest: Code 200 allows the login; any other
// code is the errcode table entry to refuse it with (3000 user not found,
// 3002 user forbidden, 9001 try again...).
type AuthReply struct {
	Version int    `json:"v"`
	Code    int    `json:"code"`
	Msg     string `json:"msg,omitempty"`
}
