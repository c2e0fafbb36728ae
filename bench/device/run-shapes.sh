#!/usr/bin/env bash
# Runs on the device machine (16 cores, no Java): `bench shapes` (first and repeat gets, puts, mapped and over
# Aeron UDP on loopback, batch 1 and 32, 1 and 4 threads sharing a handle, beside a plain copy), from the runtime
# and jars of prepare-remote.sh (carried as out/remote.tar.xz). With out/shapes-old/*.jar carried too (a
# pool-client jar of another build, e.g. before a change), the get rows (or the ops named in OLD_OPS, e.g.
# OLD_OPS=copy-cold,put, at OLD_THREADS threads, default 4) are run again with it first on the classpath, and with
# this build, two rounds in the same call: a side-by-side of two client builds on one machine. Results in
# $OUT/shapes.txt.
#   run carry=["out/remote.tar.xz", "out/shapes-old"] command="bash bench/device/run-shapes.sh [SHAPES OPTIONS]"
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -f out/remote.tar.xz ]; then
    rm -rf out/remote && mkdir -p out/remote && xz -dc out/remote.tar.xz | tar -C out/remote -xf -
fi
OUT="${OUT:-out/shapes-results}"
mkdir -p "$OUT"
mapfile -t OPTIONS < <(grep -v -e '^#' -e '^$' -e 'SimpleFormatter' jvm.options)
{ nproc; grep -m1 'model name' /proc/cpuinfo; uname -r; } | tee "$OUT/shapes.txt"
shapes() {
    out/remote/runtime/bin/java "${OPTIONS[@]}" -cp "$1" io.kvpool.bench.BenchCli shapes "${@:2}" 2>&1 |
        grep -v -e affinity -e Affinity | tee -a "$OUT/shapes.txt"
}
echo "# this build" | tee -a "$OUT/shapes.txt"
shapes 'out/remote/lib/jars/*' "$@"
if compgen -G 'out/shapes-old/*.jar' > /dev/null; then
    old="$(ls out/shapes-old/*.jar | head -1)"
    for round in 1 2; do
        echo "# round $round: $(basename "$old") first on the classpath, then this build" | tee -a "$OUT/shapes.txt"
        shapes "$old:out/remote/lib/jars/*" --ops "${OLD_OPS:-get-first,get-repeat}" --threads "${OLD_THREADS:-4}" "$@"
        shapes 'out/remote/lib/jars/*' --ops "${OLD_OPS:-get-first,get-repeat}" --threads "${OLD_THREADS:-4}" "$@"
    done
fi
