# Role: host A of the rdma scenario. Soft-RoCE on the link to host B, and a pool manager serving the region by
# RDMA (its responder registers the region with rxe0) and its control plane on UDP 198.18.0.1:40100. It is a
# supervisor too: when host B's tests create /rig/out/stop-manager (a peer that disappears), the manager is killed
# (SIGKILL), the file removed, and the manager started again on the same region, which it recovers (the suite
# reads its block back); it stops cleanly once host B says it is done.
set -eu
. /rig/roles/common.sh
step "network and Soft-RoCE"
soft_roce 198.18.0.1
STOP=/rig/out/stop-manager
READY=/rig/out/manager.ready
CLIENT_DONE=/rig/out/client.done
rm -f "$STOP" "$READY"
started=0
format=--format
while :; do
    started=$((started + 1))
    step "manager $started: 512 MiB region, 8 MiB slabs, UDP 198.18.0.1:40100"
    manager_start --region-file /dev/shm/kvpool-region --size 512m --slab-size 8m --min-block-size 4k $format \
        --endpoint 198.18.0.1:40100 --admin-token rig
    format=
    grep -q 'RDMA on' "$MANAGER_LOG"
    touch "$READY"
    until [ -e "$STOP" ] || [ -e "$CLIENT_DONE" ]; do
        sleep 0.2
    done
    if [ -e "$CLIENT_DONE" ]; then
        break
    fi
    step "killing manager $started (SIGKILL), as host B asked"
    rm -f "$READY"
    kill -KILL "$MANAGER_PID"
    wait "$MANAGER_PID" || true
    cp "$MANAGER_LOG" "$MANAGER_LOG.$started"
    rm -f "$STOP"
done
step "host B is done: stopping the manager"
manager_stop
test "$(cat "$CLIENT_DONE")" = passed
