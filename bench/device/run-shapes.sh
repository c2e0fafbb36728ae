#!/usr/bin/env bash
# Runs on the device machine (16 cores, no Java): `bench shapes` (first and repeat gets, puts, mapped and over
# Aeron UDP on loopback, batch 1 and 32, 1 and 4 threads sharing a handle, beside a plain copy), from the runtime
# and jars of prepare-remote.sh (carried as out/remote.tar.xz). With jars of another build carried in
# out/shapes-old/ (e.g. its pool-client, pool-protocol and pool-manager jars, from before a change), the get rows
# (or the ops named in OLD_OPS, e.g. OLD_OPS=copy-cold,put, at OLD_THREADS threads, default 4, and OLD_BATCHES
# keys, default the options' own) are run again with them first on the classpath, and with this build, two rounds
# in the same call: a side-by-side of two builds on one machine. JMH_ARGS (e.g. "ClientCopyBenchmark -f 1 -p
# checksumThreads=2") runs JMH the same way, this build and the other alternating, after the shapes. The first run,
# of this build alone, takes FULL_ARGS instead of the options where given; SKIP_FULL=1 leaves it out. Results in
# $OUT/shapes.txt (and $OUT/jmh-*.txt).
#   run carry=["out/remote.tar.xz", "out/shapes-old"] command="bash bench/device/run-shapes.sh [SHAPES OPTIONS]"
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -f out/remote.tar.xz ]; then
    rm -rf out/remote && mkdir -p out/remote && xz -dc out/remote.tar.xz | tar -C out/remote -xf -
fi
OUT="${OUT:-out/shapes-results}"
mkdir -p "$OUT"
mapfile -t OPTIONS < <(grep -v -e '^#' -e '^$' -e 'SimpleFormatter' jvm.options)
{ nproc; grep -m1 'model name' /proc/cpuinfo; uname -r; } | tee -a "$OUT/shapes.txt"
shapes() {
    out/remote/runtime/bin/java "${OPTIONS[@]}" -cp "$1" io.kvpool.bench.BenchCli shapes "${@:2}" 2>&1 |
        grep -v -e affinity -e Affinity | tee -a "$OUT/shapes.txt"
}
if [ -z "${SKIP_FULL:-}" ]; then
    echo "# this build" | tee -a "$OUT/shapes.txt"
    if [ -n "${FULL_ARGS:-}" ]; then
        read -ra full <<< "$FULL_ARGS"
        shapes 'out/remote/lib/jars/*' "${full[@]}"
    else
        shapes 'out/remote/lib/jars/*' "$@"
    fi
fi
if compgen -G 'out/shapes-old/*.jar' > /dev/null; then
    old="$(ls out/shapes-old/*.jar | paste -sd:)"
    batches=()
    if [ -n "${OLD_BATCHES:-}" ]; then
        batches=(--batches "$OLD_BATCHES")
    fi
    for round in 1 2; do
        echo "# round $round: $(ls out/shapes-old | paste -sd' ') first on the classpath, then this build" |
            tee -a "$OUT/shapes.txt"
        for cp in "$old:out/remote/lib/jars/*" 'out/remote/lib/jars/*'; do
            shapes "$cp" --ops "${OLD_OPS:-get-first,get-repeat}" --threads "${OLD_THREADS:-4}" "${batches[@]}" "$@"
        done
    done
    if [ -n "${JMH_ARGS:-}" ]; then
        for round in 1 2; do
            for build in old this; do
                cp='out/remote/lib/jars/*'
                [ "$build" = old ] && cp="$old:$cp"
                echo "# JMH round $round, $build build" | tee -a "$OUT/jmh-$build.txt"
                # shellcheck disable=SC2086
                out/remote/runtime/bin/java "${OPTIONS[@]}" -cp "$cp" org.openjdk.jmh.Main $JMH_ARGS \
                    -jvmArgsAppend "$(printf '%s ' "${OPTIONS[@]}")" 2>&1 |
                    grep -E '^(Benchmark|[A-Z][A-Za-z]+Benchmark)' | tee -a "$OUT/jmh-$build.txt"
            done
        done
    fi
fi
