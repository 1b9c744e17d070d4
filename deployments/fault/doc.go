// Package fault is the ledger-checked fault harness of WhaleIM (issue 12,
// reliability-security.md A5): it starts private RabbitMQ, Redis, MariaDB
// and ZooKeeper instances on free loopback ports in a temporary folder,
// the platform's processes built from the repository (two gateways, two
// domain nodes, one store) behind in-process TCP proxies, drives steady
// 1:1 and group load through the Go SDK (whaleim), injects one fault,
// heals, waits for quiescence, forces a final sync on every device, reads
// MySQL directly and checks a ledger: lost, duplicated, reordered,
// unexpected messages and seq reuse must all be zero.
//
// It is a module of its own, not a package of deployments/e2e: the e2e
// suite runs on the shared services of the machine with one TestMain that
// starts its cluster for every test, while this harness owns every
// dependency (it kills and restarts them) and a run takes minutes, so it
// is built and run apart (build tag fault for its scenarios):
//
//	go test -tags fault -count=1 -v -timeout 60m ./deployments/fault
//
// ./build.sh fault runs the full matrix and prints the results table;
// ./build.sh test runs the CI subset (FAULT_CI in build.sh).
package fault
