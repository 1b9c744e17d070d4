// Package redisdb implements the gateway's Redis ports: device sessions
// (gateway.Sessions, written here, read by the domain) and app settings
// (gateway.Apps, written by the domain). Keys and value shapes are the
// shared contract in im-common/session.
//
// It is a public package so that binaries embedding the gateway (the
// standalone all-in-one node) wire it exactly as im-tcp does:
//
//	rdb := redis.NewClient(&redis.Options{Addr: addr})
//	deps := gateway.Deps{Sessions: redisdb.NewSessions(rdb, cfg.SessionTTL), Apps: redisdb.NewApps(rdb), ...}
//
// Any redis.UniversalClient works, including one whose Options.Dialer
// reaches an in-process server.
//
// Claim, Touch and Remove are Lua scripts, so a read-compare-write on one
// user's session hash is atomic: a login sees every earlier login of the
// same user, and a disconnecting connection never deletes the session a
// newer connection of the same device wrote (sessions are compared by
// brokerId and loginTime). The same step keeps the broker's session index
// (session.BrokerKey), which Purge walks when a gateway restarts after a
// crash. Each script touches two keys (the user's hash and one broker's
// index), both declared, so the store needs a single Redis (or keys that
// hash to one slot).
//
// # What the server must support
//
// A Redis stand-in must answer HGETALL (Apps), SSCAN (Purge), EXISTS
// (Indexed) and the script
// calls: go-redis sends EVALSHA first and, on a NOSCRIPT error, EVAL with
// the script text (Purge sends EVAL in a pipeline). The scripts use
// HGETALL, HGET, HSET, HDEL, PEXPIRE, SADD, SREM and cjson.decode (to read
// brokerId and loginTime from the stored session JSON). The
// integration test of this package states the expected behaviour and can
// be pointed at a stand-in with IM_TEST_REDIS_ADDR.
package redisdb
