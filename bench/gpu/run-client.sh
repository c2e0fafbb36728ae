#!/usr/bin/env bash
# Runs on the GPU machine: the client's getToDevice / putFromDevice end to end (manager in the same JVM, region
# registered with the GPU, every byte compared). Needs out/gpu-client from prepare-client.sh (two carries).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/gpu-client.txt"
mapfile -t OPTIONS < <(grep -v -e '^#' -e '^$' -e 'SimpleFormatter' jvm.options)
out/gpu-client/runtime/bin/java "${OPTIONS[@]}" -cp 'out/gpu-client/lib/*' io.kvpool.bench.gpu.GpuClientCheck \
    2>&1 | tee -a "$OUT/gpu-client.txt"
