// Package httpapi is the signed app REST API of the domain (WhaleShark's
// /v1/... paths, {code, msg, data} envelope) plus /healthz, /readyz,
// /metrics and the OpenAPI document.
//
// Every /v1 route is registered through Server.api, which authenticates the
// caller (auth.go), records metrics, logs the outcome without the query
// string, and writes the envelope (respond.go). Features own a file each
// (user.go, login.go, friend.go, ...) with a xxxRoutes method; server.go
// lists them in routes(), and openapi/<feature>.json documents them. A test
// checks that registered routes and documented paths are the same set.
package httpapi
