#!/usr/bin/env bash
# Measures gateway memory per idle logged-in WebSocket connection: the
# server runs in the test process, 10,000 clients (IM_MEMCONN_N) in a child
# process. Prints KB/conn. About 10 s on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
go test -tags memconn -count=1 -v -run '^TestMemoryPerConnection$' ./gateway/ 2>&1 | grep -E 'KB|FAIL|ok'
