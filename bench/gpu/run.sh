#!/usr/bin/env bash
# Runs on the GPU machine (./kvpool bench gpu documents the call): correctness then bandwidth of the GPU bridge,
# and PyTorch's pinned copy measured in the same run as the reference. Needs out/gpu from prepare.sh carried along.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
out/gpu/runtime/bin/java --enable-native-access=ALL-UNNAMED -cp 'out/gpu/lib/*' io.kvpool.bench.gpu.GpuBench \
    --out "$OUT" 2>&1 | tee "$OUT/java.log"
python3 bench/gpu/torch_reference.py 2>&1 | tee "$OUT/torch.txt"
