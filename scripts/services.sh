#!/usr/bin/env bash
# Makes sure MariaDB, Redis, RabbitMQ and ZooKeeper run on their default
# loopback ports, installing Debian packages and starting daemons as needed.
# Idempotent: a service that already answers is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> services: %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port name seconds
  local i
  for ((i = 0; i < $3 * 4; i++)); do
    if port_open "$1"; then return 0; fi
    sleep 0.25
  done
  log "$2 did not open port $1 within $3 s"; return 1
}

apt_install() { # package...
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
}

redis() {
  port_open 6379 && { log "redis up"; return; }
  apt_install redis-server
  log "starting redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 redis 20
}

mariadb() {
  if ! port_open 3306; then
    apt_install mariadb-server
    log "starting mariadb"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_port 3306 mariadb 60
  fi
  local i
  for ((i = 0; i < 60; i++)); do
    mysql -uroot -h127.0.0.1 -e 'CREATE DATABASE IF NOT EXISTS test' 2>/dev/null && { log "mariadb up"; return; }
    sleep 0.5
  done
  log "mariadb does not accept root@127.0.0.1"; return 1
}

rabbitmq() {
  port_open 5672 && { log "rabbitmq up"; return; }
  apt_install rabbitmq-server
  log "starting rabbitmq (about 15 s)"
  rabbitmq-server -detached
  wait_port 5672 rabbitmq 90
}

zookeeper() {
  apt_install zookeeper
  scripts/zookeeper.sh start
}

redis
mariadb
rabbitmq
zookeeper
log "all services ready"
