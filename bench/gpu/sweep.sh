#!/usr/bin/env bash
# Runs on the GPU machine: the bench under several kernel shapes (threads per block, 16-byte vectors per thread
# per work item, resident blocks per SM), to pick the defaults. Needs out/gpu from prepare.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
for shape in "256 1 16" "128 1 16" "512 1 8" "256 2 16" "256 1 4" "64 1 32"; do
    set -- $shape
    echo "== threads=$1 vectors=$2 blocksPerSm=$3"
    out/gpu/runtime/bin/java --enable-native-access=ALL-UNNAMED -Dkvpool.gpu.threads=$1 -Dkvpool.gpu.vectors=$2 \
        -Dkvpool.gpu.blocksPerSm=$3 -cp 'out/gpu/lib/*' io.kvpool.bench.gpu.GpuBench --out "$OUT" 2>&1 |
        grep -E "correctness|kernel|contiguous"
done
