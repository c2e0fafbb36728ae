# Role: host A of the shared-pool scenario. Its CXL device and host B's are one memory (the same backing file):
# both carve it into /dev/dax0.0, then the manager here formats it and serves its control plane on UDP; a replay
# here puts blocks by store into the mapped device. Host B reads them by load from its own mapping and puts more;
# a second replay here must then find every block, host B's included, every byte checked.
set -eu
. /rig/roles/common.sh
trap 'echo failed >/rig/out/a.done.tmp; mv -n /rig/out/a.done.tmp /rig/out/a.done' EXIT
link_up 198.18.0.1
cxl_devdax
touch /rig/out/a.namespace
step "waiting for host B's namespace (its info block is written to the shared memory too)"
await_file /rig/out/b.namespace 900 /rig/out/b.done
step "the manager formats the shared /dev/dax0.0"
manager_start --region /dev/dax0.0 --format --index-file /var/lib/kvpool-dax.index --endpoint 198.18.0.1:40100 \
    --admin-token rig
step "replay: host A puts blocks by store into its mapping"
"$KVPOOL" bench replay --aeron-dir "$AERON_DIR" --admin-token rig --requests 40 --block-bytes 16k \
    --request-timeout 120s --json >/tmp/replay-a1.json
touch /rig/out/a.stored
step "waiting for host B"
await_file /rig/out/b.done 1200
test "$(cat /rig/out/b.done)" = passed
step "replay again on host A: host B's blocks too, read by load"
"$KVPOOL" bench replay --aeron-dir "$AERON_DIR" --admin-token rig --requests 60 --block-bytes 16k \
    --verify-checksums --request-timeout 120s --json >/tmp/replay-a2.json
manager_stop
python3 - <<'PY'
import json
first = json.load(open("/tmp/replay-a1.json"))
second = json.load(open("/tmp/replay-a2.json"))
print("host A, first replay: transport %s, stored %d blocks, %d corrupt" % (first["transport"],
      first["blocksStored"], first["corruptBlocks"]))
print("host A, after host B: %d of %d blocks served, %d corrupt" % (second["blocksHit"], second["blocksRequested"],
                                                                    second["corruptBlocks"]))
assert first["transport"].startswith("cxl") and second["transport"].startswith("cxl")
assert first["blocksStored"] > 0 and first["corruptBlocks"] == 0
assert second["blocksHit"] == second["blocksRequested"], "blocks host B put are not visible on host A"
assert second["corruptBlocks"] == 0
PY
trap - EXIT
echo passed >/rig/out/a.done
