// Package zookeeper is the service registry of the platform on ZooKeeper
// (github.com/go-zookeeper/zk): gateways register an ephemeral node
// /im/gateways/{brokerId} with JSON data, and the domain watches the
// children of /im/gateways to hand out gateways at login.
//
// Lifecycle:
//
//	c, err := zookeeper.Connect(ctx, servers, 10*time.Second, log) // waits for a session
//	defer c.Close()                                                 // ends the session: ephemeral nodes go at once
//	reg, err := c.Register(ctx, "/im/gateways/"+id, data)          // ErrNodeExists: id taken by a live session
//	g.Go(func() error { return reg.Run(ctx) })                      // keeps the node through session expiry
//	...
//	reg.Deregister(shutdownCtx)                                     // graceful shutdown: routing moves away first
//
//	members, err := c.Watch(ctx, "/im/gateways")                   // newest []Member after every change
//
// Guarantees and why:
//
//   - A node exists only while its session lives. A crashed or paused
//     process loses its node once the server expires the session (after
//     the negotiated session timeout), so peers stop routing to it.
//   - go-zookeeper reconnects on its own and keeps the session across short
//     outages (watches are re-set on reconnect). When it comes back after
//     the server expired the session it reports StateExpired, fails every
//     watch with ErrSessionExpired and opens a new session, but it does not
//     re-create ephemeral nodes (go-zookeeper/zk issue #90). Registration.Run
//     watches its node and re-creates it, with the same data, under the new
//     session; Ready is false in between.
//   - Registering never steals: a node owned by another live session fails
//     with ErrNodeExists, at Register and in Run after an expiry. Only a node
//     owned by this client's current session (adopted) or by one of its own
//     earlier, expired sessions (replaced) is taken over, and, with the
//     TakeOver option, a node whose holder the caller proves dead (a process
//     restarted right after kill -9 finds its node still held by the dead
//     process's session until that session times out).
//   - Watch re-reads the children after every event, reconnect and expiry
//     and delivers only the newest list, so a consumer converges on the
//     current membership and never blocks the watcher.
//
// Concurrency: a Client and its Registrations are safe for concurrent use.
// Session events come through the library's event callback, which, unlike
// its event channel, never drops an event. Each ZooKeeper request is bounded
// by the library (connect timeout, read timeout of 2/3 of the session
// timeout); ctx is checked between requests and bounds every wait.
package zookeeper
