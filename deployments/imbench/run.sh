#!/usr/bin/env bash
# One command for the whole benchmark: builds the binaries, starts the
# platform (im-domain, im-message-store, one im-tcp) against the local
# MariaDB, RabbitMQ and ZooKeeper with a fresh database, vhost and ZooKeeper
# root and a private Redis, raises the per-user send rate for this run only
# (IM_SEND_RATE=0), runs every imbench scenario and the raw broker, writes
# imbench.json, imbench.txt and the service logs to $IMBENCH_OUT, then
# stops everything it started and drops what it created.
#
# Usage: deployments/imbench/run.sh [imbench flags...]   (e.g. -pair-rates 500,1000 -step 5s)
# IMBENCH_OUT: results folder (default bench-results/<UTC time>); IMBENCH_SVC_BIN: folder of the
# three service binaries to measure (default ./bin, e.g. those of an older commit for a before/after);
# IMBENCH_TARGET=standalone measures bin/standalone (one process, embedded Redis, SQLite and
# queue) instead of the three services; IMBENCH_NO_BUILD=1 skips ./build.sh build; IMBENCH_PROFILE_AT=<seconds> (with IM_PPROF=true)
# writes 10 s CPU profiles of the three services, taken that long after imbench starts, to $IMBENCH_OUT/profiles.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=${IMBENCH_OUT:-$root/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out/logs"
log() { printf '==> bench: %s\n' "$*" >&2; }
. scripts/ready.sh

taken=" "
free_port() { # sets port: a loopback port nobody listens on and not handed out before
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if [[ $taken != *" $p "* ]] && ! port_open "$p"; then taken+="$p " port=$p; return; fi
  done
}

scripts/services.sh
[ "${IMBENCH_NO_BUILD:-}" ] || ./build.sh build

suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
db=im_bench_$suffix vhost=bench_$suffix zkroot=/bench_$suffix
app_id=$((100000 + RANDOM)) secret=bench-secret-$suffix
free_port; redis_port=$port
free_port; domain_addr=127.0.0.1:$port
free_port; store_addr=127.0.0.1:$port
free_port; gw_tcp=127.0.0.1:$port
free_port; gw_ws=127.0.0.1:$port
free_port; gw_http=127.0.0.1:$port
svc=${IMBENCH_SVC_BIN:-$root/bin}
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $db" || true
  rabbitmqctl delete_vhost "$vhost" >/dev/null 2>&1 || true
  /usr/share/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 deleteall "$zkroot" >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "database $db, vhost $vhost, ZooKeeper root $zkroot, results in $out"
mysql -uroot -h127.0.0.1 -e "CREATE DATABASE $db CHARACTER SET utf8mb4"
rabbitmqctl add_vhost "$vhost" >/dev/null
rabbitmqctl set_permissions -p "$vhost" guest '.*' '.*' '.*' >/dev/null
rabbit_url=amqp://guest:guest@127.0.0.1:5672/$vhost

start_distributed() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$out" >"$out/logs/redis.log" 2>&1 &
  pids+=($!) redis_pid=$!

  export IM_REDIS_ADDR=127.0.0.1:$redis_port IM_RABBIT_URL=$rabbit_url IM_ZK_ROOT=$zkroot
  export IM_MYSQL_DSN="root:@tcp(127.0.0.1:3306)/$db?parseTime=true&charset=utf8mb4&loc=UTC"
  export IM_ZK_SERVERS=127.0.0.1:2181 IM_LOG_LEVEL=${IM_LOG_LEVEL:-info}

  IM_HTTP_ADDR=$domain_addr IM_APP_ID=$app_id IM_APP_SECRET=$secret "$svc/im-domain" >"$out/logs/im-domain.log" 2>&1 &
  pids+=($!) domain_pid=$!
  wait_ready "http://$domain_addr" im-domain "$out/logs/im-domain.log"
  IM_HTTP_ADDR=$store_addr "$svc/im-message-store" >"$out/logs/im-message-store.log" 2>&1 &
  pids+=($!) store_pid=$!
  wait_ready "http://$store_addr" im-message-store "$out/logs/im-message-store.log"
  IM_BROKER_ID=bench-gw-$suffix IM_TCP_ADDR=$gw_tcp IM_WS_ADDR=$gw_ws IM_HTTP_ADDR=$gw_http \
    IM_SEND_RATE=0 IM_MAX_CONNS_PER_IP=0 "$svc/im-tcp" >"$out/logs/im-tcp.log" 2>&1 &
  pids+=($!) gw_pid=$!
  wait_ready "http://$gw_http" im-tcp "$out/logs/im-tcp.log"
  procs="im-tcp=$gw_pid,im-domain=$domain_pid,im-message-store=$store_pid,redis-server=$redis_pid,beam.smp,mariadbd"
}

# start_standalone runs bin/standalone (gateway, domain and store in one
# process on its embedded Redis, SQLite and in-process queue) with a fresh
# data folder; the local RabbitMQ serves only the raw-broker figure.
start_standalone() {
  IM_DATA_DIR=$out/data IM_HTTP_ADDR=$domain_addr IM_APP_ID=$app_id IM_APP_SECRET=$secret \
    IM_TCP_ADDR=$gw_tcp IM_WS_ADDR=$gw_ws IM_GATEWAY_HTTP_ADDR=$gw_http IM_STORE_HTTP_ADDR=$store_addr \
    IM_WEB_ADDR=off IM_SEND_RATE=0 IM_MAX_CONNS_PER_IP=0 IM_LOG_LEVEL=${IM_LOG_LEVEL:-info} \
    "$svc/standalone" </dev/null >"$out/logs/standalone.log" 2>&1 &
  pids+=($!) standalone_pid=$!
  wait_ready "http://$domain_addr" standalone "$out/logs/standalone.log"
  wait_ready "http://$gw_http" standalone "$out/logs/standalone.log"
  procs="standalone=$standalone_pid,beam.smp"
}

case ${IMBENCH_TARGET:-distributed} in
  distributed) start_distributed ;;
  standalone) start_standalone ;;
  *) echo "IMBENCH_TARGET must be distributed or standalone" >&2; exit 2 ;;
esac

{
  echo "imbench from commit $(git rev-parse --short HEAD); services from $svc ${IMBENCH_SVC_LABEL:-}"
  echo "nproc $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(free -g | awk '/Mem:/{print $2}') GB RAM"
  echo "$(go version); RabbitMQ $(rabbitmqctl version 2>/dev/null); $(mysqld --version 2>/dev/null || mariadbd --version); $(redis-server --version | cut -d' ' -f1-3)"
} | tee "$out/versions.txt"

if [ "${IMBENCH_PROFILE_AT:-}" ]; then # needs IM_PPROF=true: 10 s CPU profiles of the services
  mkdir -p "$out/profiles"
  ( sleep "$IMBENCH_PROFILE_AT"
    for s in im-domain=$domain_addr im-message-store=$store_addr im-tcp=$gw_http; do
      curl -fsS -o "$out/profiles/${s%%=*}.cpu" "http://${s#*=}/debug/pprof/profile?seconds=10" &
    done
    wait ) </dev/null >/dev/null 2>&1 &
fi
log "running imbench $*"
set +e
./bin/imbench -rest "http://$domain_addr" -tcp "$gw_tcp" -ws "ws://$gw_ws/ws" -app-id "$app_id" -secret "$secret" \
  -rabbit "$rabbit_url" -json "$out/imbench.json" \
  -procs "$procs" \
  "$@" 2>&1 | tee "$out/imbench.txt"
rc=${PIPESTATUS[0]}
set -e
mkdir -p "$out/metrics" # the services' counters and histograms after the run, for batch sizes
for s in im-domain=$domain_addr im-message-store=$store_addr im-tcp=$gw_http; do
  curl -fsS -o "$out/metrics/${s%%=*}.prom" "http://${s#*=}/metrics" || true
done
log "imbench exit $rc; results in $out"
exit "$rc"
