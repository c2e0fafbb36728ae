# Role: Soft-RoCE on this VM's virtio NIC, then the verbs transport's conformance suite with the manager and the
# client in one JVM over rxe0 (run_tests fails if the suite skips itself for want of a device).
set -eu
. /rig/roles/common.sh
step "network and Soft-RoCE"
soft_roce 198.18.0.1
ibv_devices
step "verbs transport conformance suite over rxe0"
run_tests io.kvpool.client.RdmaTransportConformanceTest
