#!/usr/bin/env bash
# train-aot-cache.sh DIST: makes DIST/lib/kvpool.aot, the AOT cache (JDK 25: JEP 483, 514, 515) that DIST/bin/kvpool
# starts its JVMs from. It records the classes a short replay against an embedded pool loads — the manager with its
# index (Chronicle Map), the client, Aeron, the CLI — on DIST's own runtime and jars, through DIST's own launcher, so
# the class path is the one every later start uses. On a host that gets the distribution the JVM then skips parsing,
# verifying and linking those classes: a manager is ready in about 60 % of the time (2-core VM: 1.4 s instead of
# 2.4 s; an emulated guest: its index opened in 8-11 s instead of 19-25 s). The cache names each jar with its size
# and modification time: copy the distribution with both kept (tar does), or start without it (remove the file).
set -euo pipefail
[ $# -eq 1 ] && [ -x "$1/bin/kvpool" ] || { echo "usage: train-aot-cache.sh DIST (a staged distribution)" >&2; exit 2; }
DIST="$(cd "$1" && pwd)"
# Removed first: the launcher then starts the training run without a cache (and writes the new one at its exit).
rm -f "$DIST/lib/kvpool.aot"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# -Xlog:aot=error: the training run lists, as warnings, each class it leaves out (JFR events, classes of old
# bytecode versions); those are expected.
if ! (cd "$scratch" && KVPOOL_JAVA_OPTS="-XX:AOTCacheOutput=$DIST/lib/kvpool.aot -Xlog:aot=error" \
    "$DIST/bin/kvpool" bench replay --requests 40 --capacity 256m >"$scratch/replay.log" 2>&1); then
    cat "$scratch/replay.log" >&2
    echo "train-aot-cache: the training replay failed" >&2
    exit 1
fi
if [ ! -s "$DIST/lib/kvpool.aot" ]; then
    cat "$scratch/replay.log" >&2
    echo "train-aot-cache: the training replay wrote no cache" >&2
    exit 1
fi
echo "train-aot-cache: $DIST/lib/kvpool.aot ($(( $(stat -c %s "$DIST/lib/kvpool.aot") >> 20 )) MiB)"
