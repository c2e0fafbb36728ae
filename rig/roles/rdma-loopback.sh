# Role: Soft-RoCE on this VM's virtio NIC, then the verbs transport's conformance suite with the manager and the
# client in one JVM over rxe0 (run_tests fails if the suite skips itself for want of a device).
set -eu
. /rig/roles/common.sh
step "network and Soft-RoCE"
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
ip link set "$nic" up
ip addr add 198.18.0.1/24 dev "$nic"
rdma link add rxe0 type rxe netdev "$nic"
rdma link show
ibv_devices
ibv_devinfo -d rxe0 | head -20
step "verbs transport conformance suite over rxe0"
run_tests pool-client io.kvpool.client.RdmaTransportConformanceTest
