package rabbit

// Ports is one connection seen through every queue port of package mq:
// the Conn consumes, serves and declares (and reports Ready), the
// Publisher publishes with confirms, the Caller makes request/reply calls.
// It is what a service's main hands to the service's Run.
type Ports struct {
	*Conn
	*Publisher
	*Caller
}

// Ports returns c with a publisher over publisherChannels confirm channels
// (0: DefaultPublisherChannels) and a caller. Close the publisher (Ports'
// Close) when done with it; the connection itself ends with Run.
func (c *Conn) Ports(publisherChannels int) Ports {
	return Ports{Conn: c, Publisher: c.Publisher(publisherChannels), Caller: c.Caller()}
}
