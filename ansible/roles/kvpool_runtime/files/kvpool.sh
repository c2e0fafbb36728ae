#!/usr/bin/env bash
# kvpool on its bundled Java runtime: `kvpool bench ...` runs the benchmarks, anything else the CLI.
# Where the distribution holds an AOT cache (lib/kvpool.aot, made by train-aot-cache.sh when it was staged), the JVM
# starts from it: the classes it names come parsed, verified and linked. The cache is only valid with this class
# path, jar for jar in this order, which is why the jars are listed in C-locale order here rather than by a
# wildcard (whose order is the file system's).
set -euo pipefail
HOME_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN=io.kvpool.cli.KvPoolCli
if [ "${1:-}" = "bench" ]; then
    shift
    MAIN=io.kvpool.bench.BenchCli
fi
CLASS_PATH="$(LC_ALL=C; printf '%s:' "$HOME_DIR"/lib/*.jar)"
AOT=()
if [ -f "$HOME_DIR/lib/kvpool.aot" ]; then
    AOT=(-XX:AOTCache="$HOME_DIR/lib/kvpool.aot")
fi
# shellcheck disable=SC2086
exec "$HOME_DIR/runtime/bin/java" "@$HOME_DIR/jvm.options" -Dkvpool.home="$HOME_DIR" "${AOT[@]}" ${KVPOOL_JAVA_OPTS:-} \
    -cp "${CLASS_PATH%:}" "$MAIN" "$@"
