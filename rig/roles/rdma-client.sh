# Role: host B of the rdma scenario, off the manager's machine. Soft-RoCE on the link to host A; the verbs
# transport's conformance suite against the manager on host A (its queue pairs connect over rxe0; the suite's
# "peer disappears" case has host A kill the manager); then trace replays: one puts blocks by RDMA WRITE, one
# reads them all over Aeron UDP, one by RDMA READ, every byte compared. Tells host A it is done (passed or
# failed) in /rig/out/client.done.
set -eu
. /rig/roles/common.sh
trap 'echo failed >/rig/out/client.done.tmp; mv -n /rig/out/client.done.tmp /rig/out/client.done' EXIT
step "network and Soft-RoCE"
soft_roce 198.18.0.2
step "waiting for the manager on host A"
await_file /rig/out/manager.ready 900 /rig/out/host-a.rc
ping -c 2 198.18.0.1
step "verbs transport conformance suite against the manager on host A"
KVPOOL_TEST_MANAGER_ENDPOINT=198.18.0.1:40100 KVPOOL_TEST_RESPONSE_HOST=198.18.0.2 KVPOOL_TEST_ADMIN_TOKEN=rig \
    KVPOOL_TEST_MANAGER_STOP_FILE=/rig/out/stop-manager \
    run_tests io.kvpool.client.RdmaTransportConformanceTest
await_file /rig/out/manager.ready 900
# One process, three passes (a JVM start costs a minute on an emulated CPU): put blocks on host A by RDMA WRITE,
# then every block back over Aeron UDP, then by RDMA READ.
step "replay: put by RDMA WRITE, then read back over Aeron UDP and by RDMA READ"
"$KVPOOL" bench replay --manager-endpoint 198.18.0.1:40100 --response-host 198.18.0.2 --admin-token rig \
    --requests 20 --block-bytes 16k --request-timeout 120s --json --transport rdma,aeron,rdma >/rig/out/replay.json
python3 - <<'PY'
import json
reports = json.load(open("/rig/out/replay.json"))
assert len(reports) == 3, "expected three reports, got %d" % len(reports)
runs = list(zip(("put-rdma", "get-aeron", "get-rdma"), reports))
for name, r in runs:
    print("%-9s transport %s: %d of %d blocks served, %d stored, %d evicted, %d corrupt, not stored %s" % (name,
          r["transport"].split(" ")[0], r["blocksHit"], r["blocksRequested"], r["blocksStored"], r["evictions"],
          r["corruptBlocks"], r["putFailures"] or "none"))
put, aeron, rdma = (r for _, r in runs)
assert put["transport"].startswith("rdma") and rdma["transport"].startswith("rdma"), put["transport"]
assert aeron["transport"].startswith("aeron"), aeron["transport"]
assert put["blocksStored"] > 0 and put["corruptBlocks"] == 0
assert aeron["blocksHit"] == aeron["blocksRequested"] > 0, "blocks put by RDMA WRITE are missing (Aeron reads)"
assert rdma["blocksHit"] == rdma["blocksRequested"], "blocks missing on the RDMA READ replay"
assert aeron["corruptBlocks"] == 0 and rdma["corruptBlocks"] == 0
PY
trap - EXIT
echo passed >/rig/out/client.done
