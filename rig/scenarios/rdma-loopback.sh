# Scenario rdma-loopback: one VM with Soft-RoCE (rdma_rxe) on its virtio NIC runs the verbs transport's
# conformance suite (sizes 1 B to 4 MiB, batches, concurrent callers, a bad entry mid-batch, a lost peer, a closed
# transport) with the manager and the client in one JVM, queue pairs connected over rxe0. The two-VM version
# (manager in one, client in the other) is the rig issue's rdma scenario, still to come.
run_scenario() {
    # A NIC for rxe to sit on; restrict=on: nothing leaves the emulated link.
    start_vm rdma rdma-loopback -M q35 -m 2G -netdev user,id=n0,restrict=on \
        -device virtio-net-pci,netdev=n0,bus=pcie.0
    wait_vm rdma
}
