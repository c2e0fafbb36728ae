# Helpers of the rig's guest roles (sourced): the distribution's launcher and Java, steps that say what they do,
# the JUnit console launcher, and a manager started and stopped the way an operator would.
KVPOOL=/opt/kvpool/bin/kvpool
JAVA=/opt/kvpool/runtime/bin/java
AERON_DIR=/dev/shm/kvpool-aeron
# On the shared folder, so that the host keeps it whatever happens.
MANAGER_LOG="/rig/out/$(hostname)-manager.log"
# QEMU 7.2's software emulation of AVX is new and crashed JIT-compiled code now and then (a wild SIGSEGV in the
# manager); the JVM sticks to SSE here. A JVM that crashes leaves its report where the host keeps it.
# C1 alone: emulated CPUs make C2's compilations cost more than they win in runs this short.
# Soft-RoCE on an emulated CPU answers late when its VM is busy: RDMA gets a long ACK timeout (1.1 s x 7 retries)
# and 20 s per chain of work requests, instead of the 67 ms and 5 s that suit real fabrics (a lost peer is still
# noticed within the conformance suite's 30 s). Aeron's heartbeats get 15 s instead of 2 (a guest whose vCPU waits
# for a host core can stall for seconds, and its manager would call its own media driver dead).
JAVA_OPTS="-XX:UseAVX=0 -XX:TieredStopAtLevel=1 -XX:ErrorFile=/rig/out/hs_err_%p.log -Dkvpool.rdma.ackTimeout=18
    -Dkvpool.rdma.transferTimeoutMs=20000 -Dkvpool.aeron.driverTimeoutMs=15000"
export KVPOOL_JAVA_OPTS="$JAVA_OPTS"
step() {
    echo "== $(date +%T) $*"
}

# run_tests CLASS...: runs test classes with the JUnit console launcher on the staged test jars (the class path
# rig/prepare.sh wrote, and the AOT cache it trained on it); fails unless at least one test ran and none failed or
# was aborted (skipped for want of hardware).
run_tests() {
    classpath="$(sed 's|^|/opt/kvpool/|' /opt/kvpool/tests/classpath | paste -sd:)"
    selectors=""
    for class in "$@"; do
        selectors="$selectors --select-class $class"
    done
    # The classes go on the JVM's own class path, not the launcher's --class-path: Chronicle Map compiles code at
    # run time against java.class.path.
    # shellcheck disable=SC2086
    "$JAVA" @/opt/kvpool/jvm.options $JAVA_OPTS -XX:AOTCache=/opt/kvpool/tests/junit.aot -cp "$classpath" \
        org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree --disable-ansi-colors \
        --fail-if-no-tests $selectors >/tmp/tests.log 2>&1 || true
    cat /tmp/tests.log
    grep -Eq '\[ +[1-9][0-9]* tests successful +\]' /tmp/tests.log
    grep -Eq '\[ +0 tests failed +\]' /tmp/tests.log
    grep -Eq '\[ +0 tests aborted +\]' /tmp/tests.log
}

# cxl_devdax: the emulated CXL Type-3 device's memory as a pmem region, carved into /dev/dax0.0 (align 2 MiB).
cxl_devdax() {
    step "cxl: memdevs and decoders"
    cxl list -M -D
    step "cxl: a pmem region on mem0"
    cxl create-region -m -t pmem -d decoder0.0 -w 1 -g 4096 mem0
    step "ndctl: a devdax namespace in region0"
    ndctl create-namespace --mode=devdax --region=region0 --align=2M
}

# link_up ADDRESS: brings this VM's NIC up with ADDRESS/24 (198.18.0.0/24 exists only on the emulated link).
link_up() {
    nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
    ip link set "$nic" up
    ip addr add "$1/24" dev "$nic"
}

# soft_roce ADDRESS: link_up ADDRESS, and Soft-RoCE (rxe0) on the NIC.
soft_roce() {
    link_up "$1"
    rdma link add rxe0 type rxe netdev "$nic"
    rdma link show
    ibv_devinfo -d rxe0 | head -20
}

# await_file PATH SECONDS [GIVE_UP_PATH]: waits until PATH exists (another VM's role creates it on the shared
# folder); gives up after SECONDS, or as soon as GIVE_UP_PATH exists (the other VM's role has ended).
await_file() {
    waited=0
    until [ -e "$1" ]; do
        if [ "$waited" -ge "$2" ] || { [ -n "${3:-}" ] && [ -e "$3" ]; }; then
            echo "gave up waiting for $1 after $waited s"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

# manager_start ARGS...: starts `kvpool manager ARGS` and waits until it says ready (or fails, printing its log).
# An idle manager looks for work every 200 us by default, a few system calls each time, which an emulated CPU turns
# into most of the VM's time: here it parks for up to 5 ms, and the replays beside it get the CPU.
manager_start() {
    "$KVPOOL" manager --metrics-port -1 --embedded-aeron-dir "$AERON_DIR" --idle-park 5ms "$@" >"$MANAGER_LOG" 2>&1 &
    MANAGER_PID=$!
    waited=0
    until grep -q '^ready$' "$MANAGER_LOG"; do
        if ! kill -0 "$MANAGER_PID" 2>/dev/null || [ "$waited" -ge 900 ]; then
            cat "$MANAGER_LOG"
            echo "the manager did not become ready"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    cat "$MANAGER_LOG"
}

# manager_stop: SIGTERM, then the manager must exit 0 having flushed and marked the region clean.
manager_stop() {
    kill -TERM "$MANAGER_PID"
    wait "$MANAGER_PID"
    grep -q '^stopped cleanly$' "$MANAGER_LOG"
}

# prove_devdax DEVICE: the contract tests against the device, then the manager formats it and serves blocks that
# are still there, every byte, after a restart.
prove_devdax() {
    device="$1"
    name=$(basename "$device")
    step "$device: $(cat "/sys/bus/dax/devices/$name/size") bytes, alignment $(cat "/sys/bus/dax/devices/$name/align")"
    test "$(cat "/sys/bus/dax/devices/$name/align")" = 2097152
    step "region-mapping contract tests against $device"
    KVPOOL_DEVDAX="$device" run_tests io.kvpool.transport.cxl.DevDaxRegionTest
    mkdir -p /var/lib/kvpool
    step "the manager formats $device and serves it"
    manager_start --region "$device" --format --index-file "/var/lib/kvpool/$name.index"
    "$KVPOOL" bench replay --aeron-dir "$AERON_DIR" --requests 40 --request-timeout 120s --json >/tmp/replay1.json
    manager_stop
    step "restart: the blocks are still there"
    manager_start --region "$device" --index-file "/var/lib/kvpool/$name.index"
    grep -q '^recovery: clean' "$MANAGER_LOG"
    "$KVPOOL" bench replay --aeron-dir "$AERON_DIR" --requests 40 --request-timeout 120s --json >/tmp/replay2.json
    manager_stop
    python3 - <<'PY'
import json
first = json.load(open("/tmp/replay1.json"))
second = json.load(open("/tmp/replay2.json"))
print("before the restart: stored %d blocks, transport %s" % (first["blocksStored"], first["transport"]))
print("after the restart: %d of %d blocks served, %d corrupt" % (second["blocksHit"], second["blocksRequested"],
                                                                 second["corruptBlocks"]))
assert first["blocksStored"] > 0 and first["corruptBlocks"] == 0
assert second["blocksHit"] == second["blocksRequested"], "blocks lost across the restart"
assert second["corruptBlocks"] == 0
PY
}
