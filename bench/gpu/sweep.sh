#!/usr/bin/env bash
# Runs on the GPU machine: the bench under several settings (the vector or the bulk kernel, blocks per
# multiprocessor, copy streams; -Dkvpool.gpu.diagnose=true adds the host's enqueue time beside the device's). Needs out/gpu from prepare.sh. Prints only the contiguous, kernel and diagnostic rows of each run.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
run() {
    echo "== $*"
    out/gpu/runtime/bin/java --enable-native-access=ALL-UNNAMED "$@" -cp 'out/gpu/lib/*' io.kvpool.bench.gpu.GpuBench \
        --out "$OUT" 2>&1 | grep -E "correctness|kernel|contiguous|one batch|diagnose|registered"
}
run -Dkvpool.gpu.kernel=vector
run -Dkvpool.gpu.kernel=bulk
run -Dkvpool.gpu.kernel=bulk -Dkvpool.gpu.bulkBlocksPerSm=3
run -Dkvpool.gpu.kernel=bulk -Dkvpool.gpu.streams=4
