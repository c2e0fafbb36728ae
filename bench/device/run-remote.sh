#!/usr/bin/env bash
# Runs on the device machine: `bench remote` (kvpool over Aeron UDP on loopback beside redis-server) once per
# configuration given, each as "LABEL;JVM OPTIONS;BENCH OPTIONS" (default: the shipped defaults at one, two and
# four client threads, and four with batches of 8: the table of bench/RESULTS-remote.txt's record), after the
# plain-UDP floor (bench/device/probe/UdpFloor.java at 1, 2 and 4 pairs; FLOOR=0 skips it). Needs
# out/remote.tar.xz from prepare-remote.sh (carried). Results in $OUT/remote.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -f out/remote.tar.xz ]; then
    rm -rf out/remote && mkdir -p out/remote && xz -dc out/remote.tar.xz | tar -C out/remote -xf -
fi
OUT="${OUT:-out/remote-results}"
mkdir -p "$OUT"
if [ $# -eq 0 ]; then
    # The shipped defaults (lanes, idle and client drivers auto: on 16 cores 6 lanes, spin, process drivers).
    auto="--sizes 16k,256k,2m --seconds 4"
    set -- "x1;;$auto --threads 1" "x2;;$auto --threads 2" "x4;;$auto --threads 4" \
        "x4-batch8;;--sizes 256k,2m --seconds 4 --threads 4 --batch 8"
fi
mapfile -t OPTIONS < <(grep -v -e '^#' -e '^$' -e 'SimpleFormatter' jvm.options)
{ nproc; grep -m1 'model name' /proc/cpuinfo; uname -r; } | tee "$OUT/remote.txt"
if [ "${FLOOR:-1}" = 1 ]; then
    # Plain UDP on this machine, one, two and four client/server pairs at once: the floor under the rows below.
    for pairs in 1 2 4; do
        echo "# UdpFloor, $pairs pair(s)" | tee -a "$OUT/remote.txt"
        out/remote/runtime/bin/java -Dpairs="$pairs" bench/device/probe/UdpFloor.java 2 16 256 2048 2>&1 |
            tee -a "$OUT/remote.txt"
    done
fi
export LD_LIBRARY_PATH="$PWD/out/remote/lib/redis"
for config in "$@"; do
    IFS=';' read -r label jvm args <<< "$config"
    echo "# $label: jvm [$jvm] bench [$args]" | tee -a "$OUT/remote.txt"
    # shellcheck disable=SC2086
    out/remote/runtime/bin/java "${OPTIONS[@]}" $jvm -cp 'out/remote/lib/jars/*' io.kvpool.bench.BenchCli remote \
        --redis-server out/remote/lib/redis/redis-server $args 2>&1 | grep -v -e affinity -e Affinity |
        tee -a "$OUT/remote.txt"
done
