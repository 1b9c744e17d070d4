#!/usr/bin/env bash
# ./build.sh run-distributed: the three service binaries on this machine, until
# Ctrl-C (./build.sh run starts the one-process standalone binary instead). This
# runs the three service binaries against the local MariaDB, Redis, RabbitMQ
# and ZooKeeper (installed and started by scripts/services.sh when missing),
# on the default ports, keeping data in the `im` database across runs. It
# imports two demo users and prints the URLs, the admin identifier, userSigns
# and a command that sends a message. Logs and the app secret live in .run/.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.run
mkdir -p "$state/logs"
log() { printf '==> run: %s\n' "$*" >&2; }
. scripts/ready.sh

for p in 18000 18080 18100 19001 19002 19003; do
  if port_open "$p"; then
    log "port $p is in use (another ./build.sh run, or a service of yours): stop it first"
    exit 1
  fi
done

scripts/services.sh
./build.sh build

secret=${IM_APP_SECRET:-}
if [ -z "$secret" ]; then
  [ -s "$state/app-secret" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$state/app-secret"
  secret=$(cat "$state/app-secret")
fi
export IM_APP_SECRET=$secret IM_APP_ID=${IM_APP_ID:-10000}

pids=()
trap stop_pids EXIT
trap 'exit 0' INT TERM

start() { # name [VAR=value...]: a service in its own session, no inherited descriptors
  local name=$1; shift
  env "$@" setsid "bin/$name" </dev/null >"$state/logs/$name.log" 2>&1 &
  pids+=($!)
}

start im-domain
wait_ready http://127.0.0.1:18000 im-domain "$state/logs/im-domain.log" || exit 1
start im-message-store
wait_ready http://127.0.0.1:18100 im-message-store "$state/logs/im-message-store.log" || exit 1
start im-tcp IM_BROKER_ID=gw-1 IM_WS_ORIGINS=127.0.0.1:18080,localhost:18080
wait_ready http://127.0.0.1:19003 im-tcp "$state/logs/im-tcp.log" || exit 1
start webchat IM_WEB_ADDR=127.0.0.1:18080

bin/imctl user import alice bob >/dev/null
cat <<INFO

WhaleIM is running (Ctrl-C stops it; logs in $state/logs, data in the MariaDB database 'im').
  web chat      http://127.0.0.1:18080           (log in with a user id and its userSign below)
  REST API      http://127.0.0.1:18000/v1/...   OpenAPI http://127.0.0.1:18000/openapi.json
  WebSocket     ws://127.0.0.1:19002/ws          TCP 127.0.0.1:19001
  metrics       http://127.0.0.1:18000/metrics   http://127.0.0.1:18100/metrics   http://127.0.0.1:19003/metrics
  app           id $IM_APP_ID, admin identifier 'admin', secret in $state/app-secret
  userSign of alice (24h)  $(bin/imctl sign --expire 24h alice)
  userSign of bob (24h)    $(bin/imctl sign --expire 24h bob)

Send a message from alice to bob (bob's devices get it live, or by sync later):
  IM_APP_SECRET=\$(cat $state/app-secret) bin/imctl message send --from alice --to bob 'hello bob'
INFO
wait -n "${pids[@]}" || true
log "a service stopped; see $state/logs"
exit 1
