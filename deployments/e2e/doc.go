// Package e2e holds the black-box acceptance tests of the whole platform
// (build tag e2e): TestMain builds the three service binaries, starts
// them as separate processes on loopback (two gateways, one domain, one
// store) against a private Redis, a fresh MySQL database, a dedicated
// RabbitMQ vhost and a unique ZooKeeper root, and the tests drive them
// with the Go SDK (imclient) over TCP and WebSocket, the REST API and
// direct MySQL queries.
//
//	go test -tags e2e -count=1 -v -timeout 15m ./...
package e2e
