// Package compose holds the check of deployments/docker-compose.yml: there
// is no Docker engine where CI runs, so a test loads the file with
// compose-go, the loader docker compose itself uses, and checks every
// service, port, healthcheck, environment variable and dependency against
// the platform's shape (see Check).
package compose
