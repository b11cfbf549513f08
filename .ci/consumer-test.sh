#!/usr/bin/env bash
# Consumer test: packs cortado and uses the tarball as a user would, in fresh projects outside the
# repository that do not have tsx: a plain JavaScript ESM project (installed size at most 40 MB, no
# install scripts, import, compute inline and on threads() with a .js processor, `npx cortado
# --version`, `npx cortado demo`, the error for a .ts processor without tsx), a strict TypeScript
# project (tsc --module nodenext, then run it), and a cluster project (cluster() and `cortado worker`
# without BullMQ and ioredis give the coded error naming the install command; after
# `npm install bullmq ioredis`, cluster() computes through a real redis-server and `cortado worker`).
# Needs the npm registry and redis-server (skipped with a message without it, failing under CI).
# Removes its temporary folder and stops what it started on exit.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$repo/.ci/consumer"
work="$(mktemp -d "${TMPDIR:-/tmp}/cortado-consumer.XXXXXX")"
pids=()
cleanup() {
  # Last started first (the worker before its Redis), each given 20 s to stop on SIGTERM.
  local i pid
  for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do
    pid="${pids[$i]}"
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# The production install must stay small: at most this many KiB of node_modules (du -sk).
size_limit_kb=$((40 * 1024))
fail() { echo "consumer test FAILED: $*" >&2; exit 1; }
npm_quiet=(--no-audit --no-fund --loglevel=error)

cd "$repo"
version="$(node -p "require('./package.json').version")"
# The repository's .npmrc may set ignore-scripts; packing must run `prepack` (the build).
tarball="$work/$(npm pack --ignore-scripts=false --pack-destination "$work" "${npm_quiet[@]}" | tail -n 1)"
[[ -f "$tarball" ]] || fail "npm pack wrote no tarball"
echo "packed $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
listing="$(tar -tzf "$tarball")"
for expected in package/LICENSE package/dist/src/index.js package/dist/src/index.d.ts package/dist/src/index.js.map \
  package/dist/src/backends/threads/worker-entry.mjs package/dist/src/dashboard/page/index.html \
  package/dist/examples/dimuon.js package/bin/cortado.js; do
  grep -qx "$expected" <<<"$listing" || fail "the tarball lacks $expected"
done
if grep -Eq '^package/(src|test|bench|\.ci)/' <<<"$listing"; then fail "the tarball ships sources or tests: $(grep -E '^package/(src|test|bench|\.ci)/' <<<"$listing" | head -3)"; fi

install_flags=()
if node -e "process.exit(require('./package.json').dependencies?.jsroot ? 0 : 1)"; then
  echo "note: jsroot is still a dependency (its canvas dependency has an install script): installing the tarball with --ignore-scripts"
  install_flags+=(--ignore-scripts)
fi

# 1. Plain JavaScript ESM project.
plain="$work/plain"
mkdir -p "$plain"
cp "$fixtures/processor.js" "$fixtures/main.js" "$fixtures/main-ts.js" "$fixtures/square.ts" "$plain/"
cd "$plain"
echo '{ "name": "plain-consumer", "private": true, "type": "module" }' >package.json
# Warnings kept (not --loglevel=error): a default install must not bring packages with install scripts.
npm install --no-audit --no-fund --loglevel=warn "${install_flags[@]}" "$tarball" 2>"$work/install.log" || { cat "$work/install.log" >&2; fail "npm install of the tarball failed"; }
cat "$work/install.log" >&2
if grep -qi 'install-scripts\|install script' "$work/install.log"; then fail "the default install brings a package with an install script: $(grep -i 'install' "$work/install.log" | head -3)"; fi
for optional in tsx bullmq ioredis; do
  [[ ! -e "node_modules/$optional" ]] || fail "$optional was installed with cortado (it must be an optional peer only)"
done
# Installed size: one line per package (scoped ones by their full name), largest first.
biggest() {
  local dirs=()
  for entry in node_modules/*; do
    if [[ "$(basename "$entry")" == @* ]]; then dirs+=("$entry"/*); else dirs+=("$entry"); fi
  done
  du -sk "${dirs[@]}" | sort -rn | head -n "$1" | awk '{ printf "%s %.1f MB; ", substr($2, 14), $1 / 1024 }'
}
size_kb="$(du -sk node_modules | cut -f1)"
echo "installed size (du -sk node_modules of the plain consumer): $size_kb KiB ($(du -sh node_modules | cut -f1)); largest: $(biggest 8)"
(( size_kb <= size_limit_kb )) || fail "the installed size is $size_kb KiB, over the limit of $size_limit_kb KiB (40 MB); largest packages: $(biggest 10)"
node main.js
[[ "$(npx --no-install cortado --version)" == "$version" ]] || fail "npx cortado --version did not print $version"
echo "npx cortado --version: $version"
npx --no-install cortado demo --events 20000 --out demo --progress none --trace demo/trace.jsonl
[[ -s demo/result.json && -s demo/plots/DYJetsToLL.mass.png ]] || fail "npx cortado demo wrote no result or plot"
# Every command loads its modules from dist/ only when it runs: prepare and plot once each.
npx --no-install cortado prepare --fileset demo/data/fileset.json --out demo/prepared.json --progress none >/dev/null || fail "npx cortado prepare failed"
npx --no-install cortado plot demo/result.json --out demo/replot >/dev/null || fail "npx cortado plot failed"
[[ -s demo/prepared.json && -s demo/replot/DYJetsToLL.mass.png ]] || fail "npx cortado prepare or plot wrote nothing"
# The trace's task records carry the supervisor's statechart, laid out by the package's build: dagre
# is a development dependency only.
[[ ! -e node_modules/@dagrejs ]] || fail "dagre was installed with cortado (the build lays the statechart out)"
node --input-type=module -e "
  import { readTrace } from 'cortado';
  const task = (await readTrace('demo/trace.jsonl')).find((r) => r.k === 'task');
  const ids = task?.chart?.nodes?.map((n) => n.id) ?? [];
  if (!['pending', 'running', 'complete'].every((id) => ids.includes(id)) || !(task.chart.edges.length > 0)) {
    console.error('the trace has no laid-out supervisor statechart: ' + JSON.stringify(task?.chart));
    process.exit(1);
  }
  console.log('trace written by the installed package: statechart with ' + ids.length + ' states, ' + task.chart.edges.length + ' transitions');
" || fail "a trace written by the installed package lacks the supervisor's statechart"
set +e
ts_error="$(npx --no-install cortado run square.ts --fileset demo/data/fileset.json --out ts.json --progress none 2>&1)"
ts_code=$?
set -e
[[ $ts_code -ne 0 ]] || fail "a .ts processor ran without tsx installed"
grep -q 'npm install --save-dev tsx' <<<"$ts_error" || fail "the error for a .ts processor without tsx does not name the install command: $ts_error"
echo "without tsx, cortado run with a .ts processor fails with: $ts_error"
set +e
api_error="$(node main-ts.js 2>&1)"
api_code=$?
set -e
[[ $api_code -ne 0 ]] || fail "a .ts processor ran from the API without tsx installed"
grep -q 'E_TYPESCRIPT_LOADER' <<<"$api_error" && grep -q 'npm install --save-dev tsx' <<<"$api_error" \
  || fail "the API error for a .ts processor without tsx does not carry E_TYPESCRIPT_LOADER and the install command: $api_error"
echo "without tsx, the API with a .ts processor fails with: $api_error"

# 2. Strict TypeScript project (module nodenext), type checked with zero errors, then run.
typed="$work/typed"
mkdir -p "$typed"
cp "$fixtures/typed.ts" "$fixtures/tsconfig.json" "$typed/"
cd "$typed"
echo '{ "name": "typed-consumer", "private": true, "type": "module" }' >package.json
npm install "${npm_quiet[@]}" "${install_flags[@]}" "$tarball"
npm install "${npm_quiet[@]}" --save-dev typescript@5.9 @types/node@20
[[ ! -e node_modules/tsx ]] || fail "tsx was installed with cortado (it must be an optional peer only)"
npx --no-install tsc -p . || fail "the strict TypeScript consumer does not type check"
echo "tsc --module nodenext (strict): 0 errors"
node out/typed.js

# 3. With tsx installed, the same .ts processor runs.
cd "$plain"
npm install "${npm_quiet[@]}" --save-dev tsx
node main-ts.js

# 4. The cluster backend: BullMQ and ioredis are optional peers.
clustered="$work/clustered"
mkdir -p "$clustered"
cp "$fixtures/processor.js" "$fixtures/cluster.js" "$clustered/"
cd "$clustered"
echo '{ "name": "cluster-consumer", "private": true, "type": "module" }' >package.json
npm install "${npm_quiet[@]}" "${install_flags[@]}" "$tarball"
node cluster.js missing
set +e
worker_error="$(npx --no-install cortado worker --redis redis://127.0.0.1:1 2>&1)"
worker_code=$?
set -e
[[ $worker_code -ne 0 ]] || fail "cortado worker ran without bullmq and ioredis installed"
grep -q 'E_CLUSTER_DEPENDENCY' <<<"$worker_error" && grep -q 'npm install bullmq ioredis' <<<"$worker_error" \
  || fail "cortado worker without bullmq and ioredis does not give E_CLUSTER_DEPENDENCY and the install command: $worker_error"
echo "without bullmq and ioredis, cortado worker fails with: $worker_error"
# The command the error names.
npm install "${npm_quiet[@]}" bullmq ioredis
if command -v redis-server >/dev/null 2>&1; then
  port="$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  # The installed command itself (not through npx), so that the pid kept is the worker's.
  node node_modules/cortado/bin/cortado.js worker --redis "redis://127.0.0.1:$port" --workers 1 --quiet >"$work/worker.log" 2>&1 &
  pids+=($!)
  node cluster.js installed "redis://127.0.0.1:$port" || { cat "$work/worker.log" >&2; fail "cluster() did not compute with bullmq and ioredis installed"; }
elif [[ -n "${CI:-}" ]]; then
  fail "Expected redis-server on the PATH (CI is set; apt-get install redis-server), got none"
else
  echo "[skip] cluster() with bullmq and ioredis installed: redis-server is not installed (apt-get install redis-server)"
fi
echo "consumer test passed"
