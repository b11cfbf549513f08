#!/usr/bin/env bash
# Consumer test: packs cortado and uses the tarball as a user would, in fresh projects outside the
# repository that do not have tsx: a plain JavaScript ESM project (import, compute inline and on
# threads() with a .js processor, `npx cortado --version`, `npx cortado demo`, the error for a .ts
# processor without tsx), and a strict TypeScript project (tsc --module nodenext, then run it).
# Needs the npm registry only. Removes its temporary folder on exit.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$repo/.ci/consumer"
work="$(mktemp -d "${TMPDIR:-/tmp}/cortado-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
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
npm install "${npm_quiet[@]}" "${install_flags[@]}" "$tarball"
[[ ! -e node_modules/tsx ]] || fail "tsx was installed with cortado (it must be an optional peer only)"
node main.js
[[ "$(npx --no-install cortado --version)" == "$version" ]] || fail "npx cortado --version did not print $version"
echo "npx cortado --version: $version"
npx --no-install cortado demo --events 20000 --out demo --progress none
[[ -s demo/result.json && -s demo/plots/DYJetsToLL.mass.png ]] || fail "npx cortado demo wrote no result or plot"
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
echo "installed size (du -sh node_modules of the plain consumer): $(du -sh node_modules | cut -f1)"

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
echo "consumer test passed"
