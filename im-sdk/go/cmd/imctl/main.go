// Command imctl is the operator's and integrator's tool for a WhaleIM
// platform: it makes userSigns and calls the REST API of im-domain with a
// fresh admin sign, so nobody writes a sign generator by hand.
//
//	imctl sign [--expire 24h] alice
//	imctl user import alice bob
//	imctl group create --name Team --owner alice bob carol
//	imctl message send --from alice --to bob 'hello'
//	imctl call /v1/user/data/getSingleUserInfo '{"userId":"alice"}'
//	imctl app get | app set recallWindowSeconds=300 | app rotate-secret --overlap 24h
//	imctl chat [--tcp] alice     an interactive terminal client (the whaleim SDK)
//
// Settings come from flags or IM_* variables: --url (IM_REST_URL), --app
// (IM_APP_ID), --secret (IM_APP_SECRET), --admin (IM_APP_ADMIN, the first
// of the list).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes: 0 done, 1 the call failed (refused or unreachable), 2 usage.
const (
	exitFailed = 1
	exitUsage  = 2
)

// run executes one command line and returns the exit code; everything the
// process touches comes in as arguments, so tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	if args[0] == "version" {
		fmt.Fprintln(stdout, "imctl", version)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "imctl: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	e := &env{ctx: ctx, getenv: getenv, in: stdin, out: stdout, name: args[0]}
	if err := cmd(e, args[1:]); err != nil {
		fmt.Fprintln(stderr, "imctl:", err)
		if isUsage(err) {
			return exitUsage
		}
		return exitFailed
	}
	return 0
}

const usage = `usage: imctl COMMAND [flags] [args]

Commands:
  sign [--expire 24h] IDENTIFIER          print a userSign for IDENTIFIER
  call PATH [JSON]                        POST JSON (default {}) to PATH as the admin
  user import ID...                       import users (nickName = id unless --nick)
  group create --name N [--type 1|2] [--owner ID] [--id GID] [MEMBER...]
  message send --from ID (--to ID | --group GID) TEXT
  app get                                 the app's settings
  app set KEY=VALUE...                    change settings: webhookUrl, webhookEvents (a,b), webhookTimeoutMs,
                                          webhookFailOpen, multiDevicePolicy, routeStrategy, recallWindowSeconds,
                                          friendOnlySend, blacklistCheckOnSend, maxGroupSize
  app rotate-secret [--overlap 24h] [--new-secret S]   the old secret verifies during the overlap
  chat [--tcp] USER                       chat as USER in this terminal (/help inside lists the commands)
  version

Flags of every command (or IM_* variables):
  --url URL       REST address of im-domain (IM_REST_URL, default http://127.0.0.1:18000)
  --app ID        app id (IM_APP_ID, default 10000)
  --secret S      app secret (IM_APP_SECRET)
  --admin ID      admin identifier (IM_APP_ADMIN, first of the list, default admin)
  --timeout D     per call (default 10s)
`
