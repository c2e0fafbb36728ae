#!/usr/bin/env bash
# Runs on the device machine (16 cores, no Java): network puts as this build makes them by default (default: over TCP
# with one lane, over Aeron lanes with several), over TCP on every lane (tcp-lanes: -Dkvpool.tcpPuts=on), and over
# Aeron only (aeron: bench shapes --no-data-tcp) and, where its jars are carried in out/shapes-old/
# (or OLD_DIR), another build's (e.g. the one an issue was filed against), two alternating rounds: 32 x 64 KiB,
# 256 KiB and 2 MiB, one and four threads sharing a handle. Then this build's whole `bench shapes` table and `bench
# loopback` (the host's loopback ceilings without the pool), unless SKIP_FULL=1. Needs out/remote.tar.xz from
# prepare-remote.sh. Results in $OUT/network-puts.txt. About 4 minutes with SKIP_FULL=1 on the 2-core VM; the full
# table and loopback add about 5 (a call has 10: run them apart).
#   run carry=["out/remote.tar.xz", "out/shapes-old"] command="bash bench/device/network-puts.sh"
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ -f out/remote.tar.xz ]; then
    rm -rf out/remote && mkdir -p out/remote && xz -dc out/remote.tar.xz | tar -C out/remote -xf -
fi
OUT="${OUT:-out/shapes-results}"
mkdir -p "$OUT"
R="$OUT/network-puts.txt"
mapfile -t OPTIONS < <(grep -v -e '^#' -e '^$' -e 'SimpleFormatter' jvm.options)
J=out/remote/runtime/bin/java
{ nproc; grep -m1 'model name' /proc/cpuinfo; } | tee -a "$R"
new='out/remote/lib/jars/*'
old=''
OLD_DIR="${OLD_DIR:-out/shapes-old}"
if ls "$OLD_DIR"/*.jar >/dev/null 2>&1; then
    old="$(ls "$OLD_DIR"/*.jar | paste -sd:):$new"
fi
run() { # LABEL CLASSPATH BENCH-ARGS...; JVM_EXTRA adds JVM options
    timeout 200 "$J" "${OPTIONS[@]}" ${JVM_EXTRA:-} -cp "$2" io.kvpool.bench.BenchCli "${@:3}" 2>&1 |
        grep -E '^(mapped|network|kvpool bench|tcp|aeron)' | sed "s/^/$1 /" | tee -a "$R"
}
puts=(shapes --paths network --ops put --sizes 64k,256k,2m --batches 32 --threads 1,4 --seconds 2)
for round in 1 2; do
    [ -n "$old" ] && run "r$round old" "$old" "${puts[@]}"
    run "r$round default" "$new" "${puts[@]}"
    JVM_EXTRA=-Dkvpool.tcpPuts=on run "r$round tcp-lanes" "$new" "${puts[@]}"
    run "r$round aeron" "$new" "${puts[@]}" --no-data-tcp
done
if [ -z "${SKIP_FULL:-}" ]; then
    run full "$new" shapes --seconds 2
    run loopback "$new" loopback
fi
