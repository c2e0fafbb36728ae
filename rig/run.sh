#!/usr/bin/env bash
# ./kvpool rig SCENARIO: proves the paths ordinary machines lack on emulated hardware. Builds (once, cached) the
# guest image, stages the distribution, runs the scenario's VMs under QEMU, collects their logs, and always tears
# everything down. Scenarios: devdax (a pmem-backed and a CXL-backed /dev/dax0.0), rdma-loopback (the verbs
# transport's conformance suite over Soft-RoCE in one VM), rdma (manager and client on two VMs over Soft-RoCE),
# shared-pool (one CXL device mapped by two VMs), ansible (site.yml against two VMs over ssh), all (every one but
# rdma-loopback, which rdma covers). A scenario that cannot start (no QEMU, no mirror) fails loudly.
set -euo pipefail
RIG="$(cd "$(dirname "$0")" && pwd)"
CACHE="${KVPOOL_RIG_CACHE:-$RIG/.cache}"
SCENARIOS=(devdax rdma-loopback rdma shared-pool ansible)
# Longest first, so that with two at once (RIG_PARALLEL=2) the short ones fill the other lane.
ALL=(ansible rdma shared-pool devdax)
usage() {
    echo "usage: ./kvpool rig SCENARIO   (scenarios: ${SCENARIOS[*]} all)" >&2
    exit 2
}
[ $# -eq 1 ] || usage
case "$1" in
    -h|--help) usage ;;
    all) selected=("${ALL[@]}") ;;
    *) [[ " ${SCENARIOS[*]} " == *" $1 "* ]] || usage; selected=("$1") ;;
esac
for tool in qemu-system-x86_64 qemu-img; do
    command -v "$tool" >/dev/null || { echo "rig: $tool is missing (apt-get install qemu-system-x86 qemu-utils)" >&2; exit 1; }
done
# The image (debootstrap: mostly the mirror) and the distribution (Maven, jlink) at once; both must succeed.
bash "$RIG/prepare.sh" &
staging=$!
bash "$RIG/build-image.sh" || { kill "$staging" 2>/dev/null; exit 1; }
wait "$staging"
# shellcheck source=rig/lib.sh
source "$RIG/lib.sh"
# run_one SCENARIO: the scenario's VMs in a scratch folder of its own, torn down however it ends.
run_one() {
    local scenario="$1" start
    WORK="$(mktemp -d /dev/shm/kvpool-rig-XXXXXX)"
    VM_PIDS=()
    trap teardown EXIT
    mkdir -p "$WORK/share/out" "$WORK/share/roles"
    cp "$RIG/guest/init" "$WORK/share/init.sh"
    cp "$RIG/roles/"*.sh "$WORK/share/roles/"
    echo "rig: scenario $scenario (scratch $WORK)"
    start="$(date +%s)"
    # shellcheck source=/dev/null
    source "$RIG/scenarios/$scenario.sh"
    run_scenario
    echo "rig: scenario $scenario passed in $(( $(date +%s) - start )) s"
    teardown
    trap - EXIT
}

if [ ${#selected[@]} -eq 1 ]; then
    run_one "${selected[0]}"
    exit 0
fi
# Several scenarios: one at a time by default; RIG_PARALLEL=2 runs two at once. On 2 cores that gains little
# (the emulated CPUs are the bottleneck: with two at once the rdma scenario took 19 minutes instead of 8) and
# starves the guests: RDMA puts then failed in a trial. Each scenario's output is printed as it ends; the run fails
# if any failed.
LOGS="$(mktemp -d /tmp/kvpool-rig-logs-XXXXXX)"
declare -A running=()
failed=()
finish() { # waits for whichever running scenario ends first, prints its output
    local pid=0 rc=0 name
    wait -n -p pid "${!running[@]}" || rc=$?
    name="${running[$pid]}"
    unset "running[$pid]"
    [ "$rc" = 0 ] || failed+=("$name")
    cat "$LOGS/$name.log"
}
begin="$(date +%s)"
for scenario in "${selected[@]}"; do
    if [ ${#running[@]} -ge "${RIG_PARALLEL:-1}" ]; then
        finish
    fi
    (run_one "$scenario") >"$LOGS/$scenario.log" 2>&1 &
    running[$!]="$scenario"
    echo "rig: started scenario $scenario"
done
while [ ${#running[@]} -gt 0 ]; do
    finish
done
# Failed scenarios' ends again at the very end, where a CI log cut to its head and tail still shows why.
for scenario in "${failed[@]}"; do
    echo "---- scenario $scenario failed; the end of its output:" >&2
    tail -n 80 "$LOGS/$scenario.log" >&2
done
rm -rf "$LOGS"
if [ ${#failed[@]} -gt 0 ]; then
    echo "rig: failed: ${failed[*]} (all scenarios took $(( $(date +%s) - begin )) s)" >&2
    exit 1
fi
echo "rig: all scenarios passed in $(( $(date +%s) - begin )) s"
