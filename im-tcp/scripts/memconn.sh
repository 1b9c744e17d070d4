#!/usr/bin/env bash
# Measures gateway memory per idle logged-in connection, WebSocket then TCP
# (IM_MEMCONN_KIND=ws or tcp for one): the server runs in the test process,
# 10,000 clients (IM_MEMCONN_N) in a child process. Prints KB/conn and fails
# above the regression bounds (10 KB ws, 8 KB tcp). About 10 s per kind on
# 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for kind in ${IM_MEMCONN_KIND:-ws tcp}; do
	IM_MEMCONN_KIND=$kind go test -tags memconn -count=1 -v -run '^TestMemoryPerConnection$' ./gateway/ 2>&1 | grep -E 'KB|FAIL|ok'
done
