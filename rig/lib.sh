# Functions of the rig's scenarios (sourced by rig/run.sh): start VMs under QEMU's software emulation, wait for
# them, check what their roles reported. Every VM: the cached kernel and initramfs, a copy-on-write overlay of the
# rootfs image, the scenario's share (/rig: role scripts, out/) and the staged distribution (/opt/kvpool, read
# only) over 9p, its console in $WORK/NAME.console. /dev/kvm here is PVM and boots no stock kernel: TCG it is.
# One vCPU (RIG_SMP overrides): with two, JIT-compiled Java died now and then of SIGILL at the entry of freshly
# patched methods (code one vCPU rewrote while the other ran it; QEMU's multi-threaded TCG). The CPU model is
# Nehalem (RIG_CPU overrides): -cpu max offers instruction sets whose emulation in QEMU 7.2 is new (a SIGSEGV in
# JIT code was seen with it); CXL, NVDIMM and rxe need none of them.

VM_PIDS=()

# start_vm NAME ROLE [QEMU ARGS...]: boots a VM in the background that runs /rig/roles/ROLE.sh and powers off
# (RIG_APPEND: more kernel parameters, e.g. rig.addr=ADDRESS for the role).
start_vm() {
    local name="$1" role="$2"
    shift 2
    qemu-img create -q -f qcow2 -F raw -b "$CACHE/rootfs.img" "$WORK/$name.qcow2"
    timeout --kill-after=10 "${VM_TIMEOUT:-1800}" qemu-system-x86_64 \
        -accel tcg,thread=multi,tb-size=256 -cpu "${RIG_CPU:-Nehalem}" -smp "${RIG_SMP:-1}" \
        -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd" \
        -append "root=/dev/vda rw console=ttyS0 init=/sbin/rig-init rig.role=$role rig.name=$name quiet \
${RIG_APPEND:-}" \
        -drive "file=$WORK/$name.qcow2,if=none,id=disk,format=qcow2" -device virtio-blk-pci,drive=disk,bus=pcie.0 \
        -fsdev "local,id=rig,path=$WORK/share,security_model=none" \
        -device virtio-9p-pci,fsdev=rig,mount_tag=rig,bus=pcie.0 \
        -fsdev "local,id=kvpool,path=$CACHE/dist,security_model=none,readonly=on" \
        -device virtio-9p-pci,fsdev=kvpool,mount_tag=kvpool,bus=pcie.0 \
        -display none -monitor none -serial "file:$WORK/$name.console" -no-reboot \
        "$@" </dev/null >"$WORK/$name.qemu.log" 2>&1 &
    VM_PIDS+=($!)
    echo "$!" >"$WORK/$name.pid"
    echo "rig: started $name (role $role)"
}

# wait_vm NAME: waits for the VM to power off; fails, printing its role's log and console tail, unless the role
# exited 0.
wait_vm() {
    local name="$1" pid rc
    pid="$(cat "$WORK/$name.pid")"
    wait "$pid" || true
    rc="$(cat "$WORK/share/out/$name.rc" 2>/dev/null || echo none)"
    echo "rig: $name finished, role exit status $rc"
    if [ "$rc" != 0 ]; then
        echo "---- $name: role log" >&2
        cat "$WORK/share/out/$name.log" >&2 2>/dev/null || echo "(no role log)" >&2
        echo "---- $name: console (last 40 lines)" >&2
        tail -n 40 "$WORK/$name.console" >&2 2>/dev/null || true
        echo "---- $name: qemu" >&2
        cat "$WORK/$name.qemu.log" >&2 2>/dev/null || true
        local report
        for report in "$WORK"/share/out/hs_err_*.log; do
            [ -f "$report" ] || continue
            echo "---- a JVM crashed: $(basename "$report") (first 30 lines)" >&2
            head -n 30 "$report" >&2
        done
        return 1
    fi
}

# wait_vms NAME...: wait_vm for every one of them (each failure reported, not only the first); fails if any did.
wait_vms() {
    local name failed=0
    for name in "$@"; do
        wait_vm "$name" || failed=1
    done
    return "$failed"
}

# cxl_args MEMORY LSA RAM: QEMU arguments for a q35 machine of RAM with a CXL host bridge, two root ports (with
# one, kernel 6.1 never programs the host bridge's decoder) and a Type-3 device whose memory is the file MEMORY
# (512 MiB; share=on, so that VMs given the same file share it) and whose label storage area is the file LSA.
cxl_args() {
    echo "-M q35,cxl=on,cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G -m $3,slots=2,maxmem=8G" \
        "-object memory-backend-file,id=cxlmem,share=on,mem-path=$1,size=512M" \
        "-object memory-backend-file,id=cxllsa,share=on,mem-path=$2,size=256M" \
        "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1" \
        "-device cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2" \
        "-device cxl-rp,port=1,bus=cxl.1,id=root_port14,chassis=0,slot=3" \
        "-device cxl-type3,bus=root_port13,memdev=cxlmem,lsa=cxllsa,id=cxl-pmem0"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Kills what is left and removes the scenario's scratch space (the trap of run.sh).
teardown() {
    local pid
    for pid in "${VM_PIDS[@]:-}"; do
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    done
    if [ -n "${KVPOOL_RIG_KEEP:-}" ]; then
        echo "rig: kept $WORK (KVPOOL_RIG_KEEP)"
    else
        rm -rf "$WORK"
    fi
}
