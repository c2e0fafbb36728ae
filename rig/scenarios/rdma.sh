# Scenario rdma: two VMs on one emulated Ethernet link (a QEMU socket netdev over 127.0.0.1; guest addresses in
# 198.18.0.0/24 exist only on that link), each with Soft-RoCE on its NIC. Host A runs the manager; host B, off the
# manager's machine, runs the verbs transport's conformance suite against it (queue pairs across the link, the
# manager killed mid-suite and restarted) and trace replays whose blocks go by RDMA WRITE and come back by RDMA
# READ, every byte compared.
run_scenario() {
    local port
    port=$(free_port)
    start_vm host-a rdma-manager -M q35 -m 2G -netdev "socket,id=n0,listen=127.0.0.1:$port" \
        -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:01,bus=pcie.0
    sleep 1
    start_vm host-b rdma-client -M q35 -m 2G -netdev "socket,id=n0,connect=127.0.0.1:$port" \
        -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:02,bus=pcie.0
    wait_vms host-b host-a
}
