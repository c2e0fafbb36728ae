#!/usr/bin/env bash
# Runs on the GPU machine (as root): the bench twice in one call, the region on hugetlbfs (2 MiB pages) and on
# /dev/shm (4 KiB pages), to see what the host's page size does to the GPU's reads of scattered pool pages. Needs
# out/gpu from prepare.sh. Prints the rows of both runs side by side (kernel and contiguous rows).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-out/gpu-results}"
mkdir -p "$OUT"
huge=/mnt/kvpool-gpu-huge
pages=$(( (1 << 30) / (2 << 20) + 64 ))
echo "$pages" >/proc/sys/vm/nr_hugepages
grep -E 'HugePages_(Total|Free)' /proc/meminfo
mkdir -p "$huge"
grep -q " $huge hugetlbfs " /proc/mounts || mount -t hugetlbfs -o pagesize=2M none "$huge"
bench() {
    out/gpu/runtime/bin/java --enable-native-access=ALL-UNNAMED -cp 'out/gpu/lib/*' io.kvpool.bench.gpu.GpuBench \
        --out "$OUT/$1" "${@:2}" 2>&1 | tee "$OUT/$1.log" | grep -E 'registered|correctness|contiguous|kernel  '
}
mkdir -p "$OUT/huge" "$OUT/shm"
echo "== region on hugetlbfs (2 MiB pages)"
bench huge --region-dir "$huge"
echo "== region on /dev/shm (4 KiB pages)"
bench shm
