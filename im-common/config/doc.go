// Package config loads typed configuration from IM_* environment variables.
//
// Services build their own Config struct with an Env reader; every problem
// (unparsable numbers, bad enums, missing required values) is collected and
// reported at once by Env.Err, so an operator fixes a deployment in one go.
// Env takes a getenv function instead of reading the process environment, so
// tests never touch global state. The shared sections (Rabbit, Redis, MySQL,
// ZooKeeper, Log) keep variable names identical across services.
package config
