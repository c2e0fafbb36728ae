#!/usr/bin/env bash
# Runs on the GPU machine: the bench under several settings (10 transfers per timed run instead of >= 256 MiB,
# copy streams, threads per block and blocks per multiprocessor), with the host's enqueue time beside the
# device's. Needs out/gpu from prepare.sh. Prints only the contiguous, kernel and diagnostic rows of each run.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
run() {
    echo "== $*"
    out/gpu/runtime/bin/java --enable-native-access=ALL-UNNAMED "$@" -cp 'out/gpu/lib/*' io.kvpool.bench.gpu.GpuBench \
        --out "$OUT" 2>&1 | grep -E "correctness|kernel|contiguous|one batch|diagnose"
}
run -Dkvpool.gpu.diagnose=true -Dkvpool.gpu.runBytes=0
run -Dkvpool.gpu.diagnose=true -Dkvpool.gpu.streams=2
run -Dkvpool.gpu.diagnose=true -Dkvpool.gpu.streams=4
run -Dkvpool.gpu.diagnose=true -Dkvpool.gpu.threads=512 -Dkvpool.gpu.blocksPerSm=8
