#!/usr/bin/env bash
# Runs on the GPU machine: the bench with several numbers of copy streams (kvpool.gpu.streams), to pick the
# default. Needs out/gpu from prepare.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
for streams in 2 3 4; do
    echo "== streams=$streams"
    out/gpu/runtime/bin/java --enable-native-access=ALL-UNNAMED -Dkvpool.gpu.streams=$streams \
        -cp 'out/gpu/lib/*' io.kvpool.bench.gpu.GpuBench --out "$OUT" 2>&1 | grep -E "correctness|kernel|contiguous"
done
