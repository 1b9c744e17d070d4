# Sourced by scripts that start the platform's processes (scripts/run-distributed.sh,
# deployments/imbench/run.sh).

# port_open PORT: something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_ready URL NAME LOG: polls URL/readyz for up to 60 s; on failure prints
# the end of LOG and returns 1.
wait_ready() {
  local i
  for ((i = 0; i < 240; i++)); do
    curl -fsS -o /dev/null "$1/readyz" 2>/dev/null && return 0
    sleep 0.25
  done
  printf '==> %s is not ready at %s; the end of %s:\n' "$2" "$1" "$3" >&2
  tail -n 30 "$3" >&2
  return 1
}

# stop_pids: stops the processes in the caller's pids array and waits for
# them (the EXIT trap of the run scripts).
stop_pids() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
