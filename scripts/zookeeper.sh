#!/usr/bin/env bash
# scripts/zookeeper.sh start|stop|status [port]
#
# Runs a private, loopback-only, standalone ZooKeeper for development and CI.
# It installs nothing: CI installs Debian's `zookeeper` package. Debian's
# zkServer.sh ignores ZOOCFGDIR and always reads /etc/zookeeper/conf/zoo.cfg
# (reliability-security.md §A5.2), so this script writes its own zoo.cfg and
# launches the Java main class directly.
#
# State lives in ${IM_STATE_DIR:-<repo>/.run}/zookeeper/<port>/ (zoo.cfg, data/,
# zookeeper.pid, zookeeper.log), so instances on different ports never share
# data. Every command is idempotent:
#   start   exit 0 once the port answers `srvr` with a Mode (already running is fine)
#   stop    exit 0 once our instance is gone (not running is fine)
#   status  exit 0 iff the port answers `srvr` with a Mode
#
# Environment: IM_STATE_DIR (state root), IM_ZK_START_TIMEOUT (seconds, default 30),
# JAVA (java binary, default java), ZK_JAR (default /usr/share/java/zookeeper.jar).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmd=${1:-}
port=${2:-2181}
state=${IM_STATE_DIR:-$root/.run}/zookeeper/$port
cfg=$state/zoo.cfg
pidfile=$state/zookeeper.pid
logfile=$state/zookeeper.log
java=${JAVA:-java}
zk_jar=${ZK_JAR:-/usr/share/java/zookeeper.jar}
# Debian's zookeeper.jar names its dependencies in its manifest Class-Path, so
# only an slf4j binding is missing; without one the server logs nothing.
log_jar=/usr/share/java/slf4j-simple.jar
start_timeout=${IM_ZK_START_TIMEOUT:-30}

usage() {
	echo "usage: $0 start|stop|status [port]" >&2
	exit 2
}

# srvr prints the `srvr` four-letter-word reply of 127.0.0.1:$port, or nothing.
srvr() {
	if command -v nc >/dev/null 2>&1; then
		printf srvr | timeout 2 nc -q 1 127.0.0.1 "$port" 2>/dev/null || true
		return
	fi
	timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0 && printf srvr >&3 && cat <&3' "$port" 2>/dev/null || true
}

# serving succeeds when the server reports a Mode; right after binding it
# answers "not currently serving requests" instead.
serving() {
	srvr | grep -q '^Mode:'
}

# our_pid prints the pid from the pidfile if that process is still our server
# (the config path in its command line guards against a recycled pid).
our_pid() {
	[[ -f $pidfile ]] || return 1
	local pid
	pid=$(<"$pidfile")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "QuorumPeerMain $cfg" || return 1
	echo "$pid"
}

log_tail() {
	echo "--- last 40 lines of $logfile ---" >&2
	tail -n 40 "$logfile" >&2 2>/dev/null || true
}

write_config() {
	mkdir -p "$state/data"
	cat >"$cfg" <<EOF
# Written by scripts/zookeeper.sh; rewritten on every start.
tickTime=500
dataDir=$state/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
minSessionTimeout=1000
maxSessionTimeout=20000
4lw.commands.whitelist=ruok,srvr
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
EOF
}

# launch starts the JVM detached: nohup, no stdin, output to the log, and
# without fd 9 so it does not hold the start/stop lock for its lifetime.
launch() {
	local cp=$state:$zk_jar
	[[ -f $log_jar ]] && cp=$cp:$log_jar
	nohup "$java" -Xmx128m -XX:+UseSerialGC \
		-Dorg.slf4j.simpleLogger.showDateTime=true \
		-Dorg.slf4j.simpleLogger.dateTimeFormat="yyyy-MM-dd'T'HH:mm:ss.SSS" \
		-cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$cfg" \
		</dev/null >>"$logfile" 2>&1 9>&- &
	echo $! >"$pidfile"
}

# wait_serving polls srvr until a Mode shows up, the process dies or time runs out.
wait_serving() {
	local pid=$1 deadline=$((SECONDS + start_timeout))
	while ((SECONDS < deadline)); do
		serving && return 0
		kill -0 "$pid" 2>/dev/null || {
			echo "zookeeper: process $pid exited during startup" >&2
			return 1
		}
		sleep 0.2
	done
	echo "zookeeper: no Mode from srvr on 127.0.0.1:$port after ${start_timeout}s" >&2
	return 1
}

do_start() {
	local pid
	if pid=$(our_pid); then
		# ours and alive: serving already, or still starting (a concurrent start)
		if wait_serving "$pid"; then
			echo "zookeeper already serving on 127.0.0.1:$port (pid $pid)"
			return 0
		fi
		log_tail
		echo "zookeeper: pid $pid is alive but not serving; run '$0 stop $port' first" >&2
		exit 1
	fi
	if serving; then
		echo "zookeeper: 127.0.0.1:$port is already served by another ZooKeeper; not starting ours" >&2
		return 0
	fi
	[[ -f $zk_jar ]] || {
		echo "zookeeper: $zk_jar missing (apt-get install zookeeper)" >&2
		exit 1
	}
	command -v "$java" >/dev/null || {
		echo "zookeeper: $java not found" >&2
		exit 1
	}
	rm -f "$pidfile"
	write_config
	local t0
	t0=$(date +%s%N)
	launch
	pid=$(<"$pidfile")
	if ! wait_serving "$pid"; then
		log_tail
		kill "$pid" 2>/dev/null || true
		rm -f "$pidfile"
		exit 1
	fi
	echo "zookeeper serving on 127.0.0.1:$port (pid $pid, up in $((($(date +%s%N) - t0) / 1000000)) ms, state $state)"
}

do_stop() {
	local pid
	if ! pid=$(our_pid); then
		rm -f "$pidfile"
		echo "zookeeper on port $port not running (no live pid in $pidfile)"
		return 0
	fi
	kill "$pid"
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "zookeeper: pid $pid ignored SIGTERM for 10s; sending SIGKILL" >&2
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
	echo "zookeeper on port $port stopped (pid $pid)"
}

do_status() {
	local out pid
	out=$(srvr)
	if grep -q '^Mode:' <<<"$out"; then
		pid=$(our_pid) || pid="not ours"
		echo "zookeeper serving on 127.0.0.1:$port ($(grep '^Mode:' <<<"$out"), pid $pid)"
		return 0
	fi
	echo "zookeeper not serving on 127.0.0.1:$port${out:+: $(head -n1 <<<"$out")}"
	return 1
}

# lock serialises start and stop per port, so two concurrent starts cannot
# launch two servers (the loser would overwrite the pidfile). Without flock
# the commands still work, unserialised.
lock() {
	mkdir -p "$state"
	command -v flock >/dev/null || return 0
	exec 9>"$state/lock"
	flock 9
}

[[ $port =~ ^[0-9]+$ ]] || usage
case $cmd in
start | stop) lock ;;
esac
case $cmd in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
*) usage ;;
esac
