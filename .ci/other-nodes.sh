#!/usr/bin/env bash
# Runs the test suite (type check + vitest) on each Node major version named in the arguments
# (default: 22 24), with official Node binaries from the registry's node-<platform>-<arch> packages.
# Removes its temporary folder on exit.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cortado-nodes.XXXXXX")"
trap 'rm -rf "$work"' EXIT
platform="$(node -p 'process.platform + "-" + process.arch')"
failed=()
for major in "${@:-22 24}"; do
  for m in $major; do
    prefix="$work/node$m"
    npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "node-$platform@$m" >/dev/null
    node_bin="$prefix/node_modules/node-$platform/bin/node"
    echo "== test suite on Node $("$node_bin" --version)"
    start=$SECONDS
    # Every version runs, so one failing still shows how the others do.
    if (cd "$repo" && PATH="$(dirname "$node_bin"):$PATH" "$node_bin" node_modules/typescript/bin/tsc --noEmit -p tsconfig.json \
      && PATH="$(dirname "$node_bin"):$PATH" "$node_bin" node_modules/vitest/vitest.mjs run); then
      echo "== Node $m: test suite passed in $((SECONDS - start)) s"
    else
      echo "== Node $m: test suite FAILED after $((SECONDS - start)) s"
      failed+=("$m")
    fi
  done
done
if (( ${#failed[@]} > 0 )); then
  echo "The test suite failed on Node ${failed[*]}" >&2
  exit 1
fi
