#!/usr/bin/env bash
# Runs on the lent GPU machine (PyTorch, transformers and Triton, no Java): the GPU path's tests, its benchmark
# beside torch's pinned copies, and the engine benchmark (small model, then Llama-3-8B's shape), one after another,
# each with its own time limit so that one failing leaves the others' results. A pool manager runs from the carried
# runtime (bench/engine/prepare.sh builds out/engine). Results under $OUT (default out/engine-results):
#   run carry=["out/engine"] command="bash bench/engine/run.sh"
set -uo pipefail
set -f  # no globbing: the manager command carries a classpath wildcard for java itself
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/engine-results}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
step() { echo; echo "== $* ($(date +%T))"; }

step machine
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c 'import sys, torch, triton, transformers; print(sys.version.split()[0], "torch", torch.__version__, "triton", triton.__version__, "transformers", transformers.__version__)'
df -h /dev/shm | tail -1
nproc

[ -x out/engine/runtime/bin/java ] || { echo "out/engine is missing: run bench/engine/prepare.sh and carry it"; exit 1; }
mapfile -t OPTIONS < <(grep -v -e '^#' -e '^$' -e 'SimpleFormatter' out/engine/jvm.options)
export KVPOOL_MANAGER="$PWD/out/engine/runtime/bin/java ${OPTIONS[*]} -cp $PWD/out/engine/lib/* io.kvpool.cli.KvPoolCli"

step "GPU path tests (python/tests/test_device.py)"
(cd python && timeout 100 python3 -m pytest -q -rs -p no:cacheprovider tests/test_device.py) 2>&1 | tee "$OUT/tests.txt"

# One manager for the benchmarks: a region of up to 8 GiB in /dev/shm (Llama-3-8B's 32K-token prefix is 4 GiB).
free_kib=$(df -k --output=avail /dev/shm | tail -1)
region_gib=$(( free_kib / 1024 / 1024 / 2 ))
[ "$region_gib" -gt 8 ] && region_gib=8
work=$(mktemp -d /dev/shm/kvpool-engine-XXXX)
step "manager: ${region_gib} GiB region in $work"
$KVPOOL_MANAGER manager --region-file "$work/region" --size "${region_gib}g" --slab-size 64m --min-block-size 16k \
    --embedded-aeron-dir "$work/aeron" --metrics-port -1 --admin-token bench >"$work/manager.log" 2>&1 &
manager=$!
trap 'kill $manager 2>/dev/null; wait $manager 2>/dev/null; cp "$work/manager.log" "$OUT/" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do grep -q '^ready' "$work/manager.log" && break; sleep 0.1; done
tail -3 "$work/manager.log"

step "GPU path benchmark"
timeout 100 python3 bench/engine/gpu_path_bench.py --control "$work/aeron.sock" --admin-token bench \
    --out "$OUT/gpu-path.txt"

step "engine benchmark: small model"
timeout 220 python3 bench/engine/engine_bench.py --config small --control "$work/aeron.sock" --admin-token bench \
    --prefixes 1024,4096,16384 --repeats 5 --replay 500 --out "$OUT/engine-small.txt"

step "engine benchmark: Llama-3-8B shape"
prefixes=1024,4096,16384,32768
[ "$region_gib" -lt 6 ] && prefixes=1024,4096,16384
timeout 250 python3 bench/engine/engine_bench.py --config llama3-8b --control "$work/aeron.sock" \
    --admin-token bench --prefixes "$prefixes" --repeats 5 --out "$OUT/engine-llama3-8b.txt"
step done
