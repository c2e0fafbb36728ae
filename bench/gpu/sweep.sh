#!/usr/bin/env bash
# Runs on the GPU machine: the bench under several settings, one run per argument (each argument a space-separated
# list of JVM options; by default: the vector or the bulk kernel, blocks per multiprocessor, copy streams).
# -Dkvpool.gpu.diagnose=true adds the host's enqueue time beside the device's; -Dkvpool.gpu.pages=N,
# -Dkvpool.gpu.pageKib=16,64 and -Dkvpool.gpu.adjacent=true change the batches (GpuBench's doc). Needs out/gpu from
# prepare.sh. Prints only the contiguous, kernel and diagnostic rows of each run.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
if [ $# -eq 0 ]; then
    set -- "-Dkvpool.gpu.kernel=vector" "-Dkvpool.gpu.kernel=bulk" \
        "-Dkvpool.gpu.kernel=bulk -Dkvpool.gpu.bulkBlocksPerSm=3" "-Dkvpool.gpu.kernel=bulk -Dkvpool.gpu.streams=4"
fi
for settings in "$@"; do
    echo "== $settings" | tee -a "$OUT/sweep.txt"
    # shellcheck disable=SC2086
    out/gpu/runtime/bin/java --enable-native-access=ALL-UNNAMED $settings -cp 'out/gpu/lib/*' \
        io.kvpool.bench.gpu.GpuBench --out "$OUT" 2>&1 |
        grep -E "correctness|kernel|contiguous|one batch|diagnose|registered|Exception|error" | tee -a "$OUT/sweep.txt"
done
