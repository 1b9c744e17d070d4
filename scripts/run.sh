#!/usr/bin/env bash
# ./build.sh run: WhaleIM on this machine in one command, until Ctrl-C. It
# builds and starts the standalone binary (gateway, domain and store in one
# process, on embedded Redis, SQLite and an in-process durable queue: only
# Go is needed) with its data in .run/data (kept across runs: users, groups,
# messages), serving the web chat demo on :18080; creates the demo users alice
# and bob and the group "demo"; and prints the URLs, the admin identifier,
# userSigns and a curl that sends a message. IM_* variables given are passed
# on (IM_REDIS_ADDR, IM_MYSQL_DSN, IM_RABBIT_URL switch a part to the real
# service). ./build.sh run-distributed runs the three binaries on local
# MariaDB, Redis, RabbitMQ and ZooKeeper instead.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.run
export IM_DATA_DIR=${IM_DATA_DIR:-$state/data}
mkdir -p "$state/logs" "$IM_DATA_DIR"
log() { printf '==> run: %s\n' "$*" >&2; }
. scripts/ready.sh

./build.sh build

rest=http://127.0.0.1:18000
export IM_APP_ID=${IM_APP_ID:-10000} IM_LOG_FORMAT=${IM_LOG_FORMAT:-text}
pids=()
trap stop_pids EXIT
trap 'exit 0' INT TERM
setsid bin/standalone </dev/null >"$state/logs/standalone.log" 2>&1 &
pid=$!
pids+=("$pid")
ready() { curl -fsS -o /dev/null "$rest/readyz" 2>/dev/null && curl -fsS -o /dev/null http://127.0.0.1:19003/readyz 2>/dev/null; }
for ((i = 0; ; i++)); do
  ready && break
  if ! kill -0 "$pid" 2>/dev/null || ((i >= 240)); then # bad configuration says so in one line
    grep -m1 '^standalone:' "$state/logs/standalone.log" >&2 || tail -n 30 "$state/logs/standalone.log" >&2
    exit 1
  fi
  sleep 0.25
done

# The secret is the one the binary keeps in the data folder (or IM_APP_SECRET).
export IM_APP_SECRET=${IM_APP_SECRET:-$(cat "$IM_DATA_DIR/app-secret")} IM_REST_URL=$rest
bin/imctl user import alice bob >/dev/null
bin/imctl group create --id demo --name Demo --owner alice bob >/dev/null 2>&1 || true # exists after the first run
admin=${IM_APP_ADMIN:-admin}; admin=${admin%%,*}
cat <<INFO

WhaleIM standalone is running (Ctrl-C stops it; log $state/logs/standalone.log, data in $IM_DATA_DIR).
  web chat      http://127.0.0.1:18080      (log in with a user id and its userSign below)
  REST API      $rest/v1/...      OpenAPI $rest/openapi.json
  WebSocket     ws://127.0.0.1:19002/ws      TCP 127.0.0.1:19001
  metrics       $rest/metrics   http://127.0.0.1:19003/metrics   http://127.0.0.1:18100/metrics
  health        $rest/readyz    http://127.0.0.1:19003/readyz    http://127.0.0.1:18100/readyz
  app           id $IM_APP_ID, admin identifier '$admin', secret in $IM_DATA_DIR/app-secret
  demo          users alice and bob, group 'demo' (alice owner, bob member)
  userSign of alice (24h)  $(bin/imctl sign --expire 24h alice)
  userSign of bob (24h)    $(bin/imctl sign --expire 24h bob)

Send a message from alice to bob (bob's devices get it live, or by sync later):
  curl -s -H 'Content-Type: application/json' \\
    "$rest/v1/message/send?appId=$IM_APP_ID&identifier=$admin&userSign=$(bin/imctl sign --expire 24h "$admin")" \\
    -d '{"fromId":"alice","toId":"bob","messageBody":"hello bob"}'
  or: IM_APP_SECRET=\$(cat $IM_DATA_DIR/app-secret) bin/imctl message send --from alice --to bob 'hello bob'
INFO
wait -n "${pids[@]}" || true
log "a process stopped; see $state/logs"
exit 1
