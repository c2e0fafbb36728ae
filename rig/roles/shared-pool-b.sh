# Role: host B of the shared-pool scenario: the same CXL memory as host A's, under its own /dev/dax0.0. Its client
# reaches the manager on host A over UDP for the control plane only, maps the device here (the superblock's UUID
# is the manager's: the same pool), and moves every byte by load/store: it reads the blocks host A put (generation
# checked after each copy, CRC32C verified as docs/spec/coherence.md asks of a cross-host reader) and puts more.
set -eu
. /rig/roles/common.sh
trap 'echo failed >/rig/out/b.done.tmp; mv -n /rig/out/b.done.tmp /rig/out/b.done' EXIT
link_up 198.18.0.2
await_file /rig/out/a.namespace 900 /rig/out/a.done
cxl_devdax
touch /rig/out/b.namespace
step "waiting for host A's blocks"
await_file /rig/out/a.stored 1200 /rig/out/a.done
ping -c 2 198.18.0.1
step "replay on host B: host A's blocks by load from this host's mapping, then more put by store"
"$KVPOOL" bench replay --manager-endpoint 198.18.0.1:40100 --response-host 198.18.0.2 --transport cxl \
    --region /dev/dax0.0 --verify-checksums --admin-token rig --requests 40 --block-bytes 16k \
    --request-timeout 120s --json >/tmp/replay-b1.json
"$KVPOOL" bench replay --manager-endpoint 198.18.0.1:40100 --response-host 198.18.0.2 --transport cxl \
    --region /dev/dax0.0 --verify-checksums --admin-token rig --requests 60 --block-bytes 16k \
    --request-timeout 120s --json >/tmp/replay-b2.json
python3 - <<'PY'
import json
first = json.load(open("/tmp/replay-b1.json"))
second = json.load(open("/tmp/replay-b2.json"))
print("host B: transport %s" % first["transport"])
print("host B, host A's blocks: %d of %d served, %d corrupt" % (first["blocksHit"], first["blocksRequested"],
                                                               first["corruptBlocks"]))
print("host B, 20 requests more: stored %d blocks, %d corrupt" % (second["blocksStored"], second["corruptBlocks"]))
assert first["transport"].startswith("cxl"), "host B did not map the shared device: " + first["transport"]
assert first["blocksHit"] == first["blocksRequested"] > 0, "blocks host A put are not all visible on host B"
assert first["corruptBlocks"] == 0 and second["corruptBlocks"] == 0
assert second["blocksStored"] > 0
PY
trap - EXIT
echo passed >/rig/out/b.done
