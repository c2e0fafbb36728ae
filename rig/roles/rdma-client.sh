# Role: host B of the rdma scenario, off the manager's machine. Soft-RoCE on the link to host A; the verbs
# transport's conformance suite against the manager on host A (its queue pairs connect over rxe0; the suite's
# "peer disappears" case has host A kill the manager); then trace replays that put blocks and get them back by
# RDMA READ, every byte compared. Tells host A it is done (passed or failed) in /rig/out/client.done.
set -eu
. /rig/roles/common.sh
trap 'echo failed >/rig/out/client.done.tmp; mv -n /rig/out/client.done.tmp /rig/out/client.done' EXIT
step "network and Soft-RoCE"
soft_roce 198.18.0.2
step "waiting for the manager on host A"
await_file /rig/out/manager.ready 900
ping -c 2 198.18.0.1
step "verbs transport conformance suite against the manager on host A"
KVPOOL_TEST_MANAGER_ENDPOINT=198.18.0.1:40100 KVPOOL_TEST_RESPONSE_HOST=198.18.0.2 KVPOOL_TEST_ADMIN_TOKEN=rig \
    KVPOOL_TEST_MANAGER_STOP_FILE=/rig/out/stop-manager \
    run_tests pool-client io.kvpool.client.RdmaTransportConformanceTest
await_file /rig/out/manager.ready 900
step "replay: put blocks on host A by RDMA WRITE"
replay="$KVPOOL bench replay --manager-endpoint 198.18.0.1:40100 --response-host 198.18.0.2 --transport rdma
    --admin-token rig --requests 30 --request-timeout 120s --json"
$replay >/tmp/replay1.json
step "replay again: every block back by RDMA READ"
$replay >/tmp/replay2.json
python3 - <<'PY'
import json
first = json.load(open("/tmp/replay1.json"))
second = json.load(open("/tmp/replay2.json"))
print("first replay: transport %s, stored %d blocks, %d corrupt" % (first["transport"], first["blocksStored"],
                                                                    first["corruptBlocks"]))
print("second replay: %d of %d blocks served, %d corrupt" % (second["blocksHit"], second["blocksRequested"],
                                                             second["corruptBlocks"]))
assert first["transport"].startswith("rdma"), first["transport"]
assert second["transport"].startswith("rdma"), second["transport"]
assert first["blocksStored"] > 0 and first["corruptBlocks"] == 0
assert second["blocksHit"] == second["blocksRequested"] > 0, "blocks missing on the second replay"
assert second["corruptBlocks"] == 0
PY
trap - EXIT
echo passed >/rig/out/client.done
