#!/usr/bin/env bash
# Enforces the module layering of style.md: vocabulary packages of im-common
# import only the standard library (and each other); im-codec imports only the
# standard library and im-common; services never import each other.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
prefix=github.com/whaleim/whaleim

check() { # module-dir allowed-regex
  local dir=$1 allowed=$2 pkg deps bad
  for pkg in $(cd "$dir" && go list ./... 2>/dev/null | grep -v '/rabbit\|/zookeeper\|/mysqldb\|/sqlite\|test$'); do
    deps=$(cd "$dir" && go list -f '{{join .Imports "\n"}}' "$pkg")
    bad=$(echo "$deps" | grep '\.' | grep -Ev "$allowed" || true)
    if [ -n "$bad" ]; then echo "layering: $pkg imports $bad"; fail=1; fi
  done
}

check im-common "^$prefix/im-common/"
check im-codec "^$prefix/im-(common|codec)/"
for svc in im-tcp im-domain im-message-store; do
  [ -d "$svc" ] || continue
  others=$(echo im-tcp im-domain im-message-store | tr ' ' '\n' | grep -v "^$svc$" | paste -sd'|')
  if grep -rEn "\"$prefix/($others)" "$svc" --include='*.go' >/dev/null; then
    echo "layering: $svc imports another service"; grep -rEn "\"$prefix/($others)" "$svc" --include='*.go'; fail=1
  fi
done
# the SDK and its tools (imctl) are clients: they reach the platform over
# the protocol and REST, never through a service's packages.
if grep -rEn "\"$prefix/(im-tcp|im-domain|im-message-store)" im-sdk --include='*.go' >/dev/null; then
  echo "layering: im-sdk imports a service"; grep -rEn "\"$prefix/(im-tcp|im-domain|im-message-store)" im-sdk --include='*.go'; fail=1
fi
# deployments (e2e, imbench) drive the services from outside, over the
# protocol, REST and the broker: they may use im-common, im-codec and
# im-sdk, never a service's packages. The standalone binary is the one
# exception: it is the three services' main, wiring their entry packages
# (Go's internal/ rule keeps it out of everything else).
if grep -rEn "\"$prefix/(im-tcp|im-domain|im-message-store)" deployments --include='*.go' --exclude-dir=standalone >/dev/null; then
  echo "layering: a deployment imports a service"; grep -rEn "\"$prefix/(im-tcp|im-domain|im-message-store)" deployments --include='*.go' --exclude-dir=standalone; fail=1
fi
exit $fail
