#!/usr/bin/env bash
# The one build definition of tsvisor: `npm run build` (dist/tsvisor, this machine) and
# scripts/build-release.sh (one --target each) both compile through here, so an entry point or a flag
# added for one is never missing from the other (issue 15: the release builds once lacked the poll
# worker's entry and lost every program's output).
#   scripts/build.sh OUTFILE [BUN_TARGET]
#   BUILD_ENTRIES="/tmp/hello.ts" scripts/build.sh OUTFILE   other entry points, the same flags: the
#   benchmarks' runtime floor (a compiled Bun hello world) is built so, bench/_hello.ts
set -euo pipefail
cd "$(dirname "$0")/.."
outfile="${1:?usage: scripts/build.sh OUTFILE [BUN_TARGET]}"
target="${2:-}"

# Every file Bun must compile as an entry of its own: main.ts, and the poll helper thread that
# src/os/fd-watcher.ts starts with `new Worker(...)` (a worker's module is not reached by imports).
read -r -a ENTRIES <<< "${BUILD_ENTRIES:-src/main.ts src/os/poll-worker.ts}"

FLAGS=(
  --compile --minify --sourcemap
  # each CLI command loads only its own chunks; bytecode saves parsing them (docs/build.md)
  --bytecode --format=esm --splitting
  # tsvisor runs as root, often in a directory someone else owns: a compiled Bun executable would
  # otherwise read .env files and bunfig.toml (whose `preload` runs code) from its working directory,
  # and can be told to read tsconfig.json and package.json. None of them may count (docs/security.md).
  --no-compile-autoload-dotenv --no-compile-autoload-bunfig
  --no-compile-autoload-tsconfig --no-compile-autoload-package-json
  # JavaScriptCore compiles a function once it has run ~500 times (baseline JIT; the optimising tiers
  # later); scaled by 1,000, only code that runs hundreds of thousands of times is compiled. A command
  # (`status`, `check`) then never starts the JIT, and the daemon compiles only its truly hot paths
  # (the log relay under heavy output): the compiler's own pages and the compiled code are memory that
  # a run-once start-up and an idle daemon never pay back. Measured in docs/performance.md.
  --compile-jit-policy=1000
)
if [ -n "$target" ]; then FLAGS+=(--target="$target"); fi

bun build "${FLAGS[@]}" "${ENTRIES[@]}" --outfile "$outfile"
