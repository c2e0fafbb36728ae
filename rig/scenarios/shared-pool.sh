# Scenario shared-pool: one CXL memory pool mapped by two hosts. Each VM has an emulated CXL Type-3 device backed
# by the same memory file (share=on) with a label area of its own, carves it into /dev/dax0.0, and the VMs share
# an emulated Ethernet link (socket netdev over 127.0.0.1) for the control plane only. Host A runs the manager;
# block bytes move by load/store on both hosts, each through its own mapping of the one device.
run_scenario() {
    local port host
    port=$(free_port)
    truncate -s 512M "$WORK/cxl-shared.img"
    for host in a b; do
        truncate -s 256M "$WORK/cxl-lsa-$host.img"
    done
    # shellcheck disable=SC2046
    start_vm host-a shared-pool-a $(cxl_args "$WORK/cxl-shared.img" "$WORK/cxl-lsa-a.img" 1G) \
        -netdev "socket,id=n0,listen=127.0.0.1:$port" -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:11,bus=pcie.0
    sleep 1
    # shellcheck disable=SC2046
    start_vm host-b shared-pool-b $(cxl_args "$WORK/cxl-shared.img" "$WORK/cxl-lsa-b.img" 1G) \
        -netdev "socket,id=n0,connect=127.0.0.1:$port" -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:12,bus=pcie.0
    wait_vms host-b host-a
}

