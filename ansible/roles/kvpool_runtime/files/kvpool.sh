#!/usr/bin/env bash
# kvpool on its bundled Java runtime: `kvpool bench ...` runs the benchmarks, anything else the CLI.
set -euo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN=io.kvpool.cli.KvPoolCli
if [ "${1:-}" = "bench" ]; then
    shift
    MAIN=io.kvpool.bench.BenchCli
fi
exec "$HOME_DIR/runtime/bin/java" "@$HOME_DIR/jvm.options" -Dkvpool.home="$HOME_DIR" ${KVPOOL_JAVA_OPTS:-} \
    -cp "$HOME_DIR/lib/*" "$MAIN" "$@"
