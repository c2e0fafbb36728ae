# Scenario ansible: the deployment, for real, on two VMs. Each runs sshd, reachable only through QEMU's forwarding
# of a port on 127.0.0.1 (user networking with restrict=on: the VMs reach nothing else); between them an emulated
# link with Soft-RoCE. site.yml (inventory ansible/test/rig) makes host A a pool manager — its cxl_dax role
# creates the CXL region and the devdax namespace on the emulated CXL device, rdma adds Soft-RoCE, the manager
# starts on /dev/dax0.0 — and host B an engine host (rdma, runtime, client configuration). A second run must
# change nothing; then host B replays a trace against host A's manager by RDMA, every byte checked.
run_scenario() {
    local link ssh_a ssh_b key vars java_opts
    command -v ansible-playbook >/dev/null ||
        { echo "rig: ansible-playbook is missing (apt-get install ansible)" >&2; return 1; }
    link=$(free_port)
    ssh_a=$(free_port)
    ssh_b=$(free_port)
    key="$WORK/id_ed25519"
    ssh-keygen -q -t ed25519 -N '' -f "$key"
    cp "$key.pub" "$WORK/share/authorized_keys"
    truncate -s 512M "$WORK/cxl.img"
    truncate -s 256M "$WORK/cxl-lsa.img"
    # shellcheck disable=SC2046
    RIG_APPEND=rig.addr=198.18.0.1 VM_TIMEOUT=2400 start_vm host-a ansible-target \
        $(cxl_args "$WORK/cxl.img" "$WORK/cxl-lsa.img" 2G) \
        -netdev "user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:$ssh_a-:22" \
        -device virtio-net-pci,netdev=mgmt,mac=52:54:00:12:35:01,bus=pcie.0 \
        -netdev "socket,id=link,listen=127.0.0.1:$link" \
        -device virtio-net-pci,netdev=link,mac=52:54:00:12:36:01,bus=pcie.0
    sleep 1
    RIG_APPEND=rig.addr=198.18.0.2 VM_TIMEOUT=2400 start_vm host-b ansible-target -M q35 -m 2G \
        -netdev "user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:$ssh_b-:22" \
        -device virtio-net-pci,netdev=mgmt,mac=52:54:00:12:35:02,bus=pcie.0 \
        -netdev "socket,id=link,connect=127.0.0.1:$link" \
        -device virtio-net-pci,netdev=link,mac=52:54:00:12:36:02,bus=pcie.0
    await_vm_file host-a.ready host-a 900
    await_vm_file host-b.ready host-b 900
    vars="$WORK/vars.yml"
    cat >"$vars" <<VARS
rig_ssh_key: $key
rig_ssh_port_a: $ssh_a
rig_ssh_port_b: $ssh_b
kvpool_stage_dir: $WORK/stage
kvpool_build: false
VARS
    (
        cd "$RIG/../ansible"
        export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_STDOUT_CALLBACK=default
        # Every task starts Python in an emulated guest: pipelining sends modules through the ssh session instead of
        # copying them to temporary files first, and the roles use no facts, so none are gathered.
        export ANSIBLE_PIPELINING=True ANSIBLE_GATHERING=explicit
        # Each task's time, and the slowest ones at the end of each run.
        export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks
        echo "rig: site.yml against the VMs, first run"
        ansible-playbook -i test/rig/hosts.yml site.yml -e @"$vars" | tee "$WORK/site-1.log"
        recap_ok "$WORK/site-1.log" first
        echo "rig: site.yml, second run (must change nothing)"
        ansible-playbook -i test/rig/hosts.yml site.yml -e @"$vars" | tee "$WORK/site-2.log"
        recap_ok "$WORK/site-2.log" second
    )
    echo "rig: host B replays a trace against host A's manager by RDMA"
    # The JVM options the inventory gives the manager (emulated CPUs: C1 only, long RDMA and Aeron timeouts).
    java_opts=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["kvpool_java_opts"])' \
        "$RIG/../ansible/test/rig/group_vars/all/main.yml")
    rig_ssh "$ssh_b" KVPOOL_JAVA_OPTS="'$java_opts'" /usr/local/kvpool/bin/kvpool bench replay \
        --manager-endpoint 198.18.0.1:40100 --response-host 198.18.0.2 --transport rdma \
        --admin-token example-admin-token --requests 20 --request-timeout 120s --json >"$WORK/replay-b.json" \
        2>"$WORK/replay-b.log"
    python3 - "$WORK/replay-b.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print("host B: transport %s, %d blocks stored, %d hit, %d corrupt" % (report["transport"], report["blocksStored"],
      report["blocksHit"], report["corruptBlocks"]))
assert report["transport"].startswith("rdma"), report["transport"]
assert report["blocksStored"] > 0 and report["corruptBlocks"] == 0
PY
    echo "rig: host A's manager stops cleanly"
    rig_ssh "$ssh_a" /usr/local/kvpool/bin/kvpool-manager-ctl stop | grep -qx stopped
    echo done >"$WORK/share/out/ansible.done"
    wait_vms host-a host-b
    grep -q 'stopped cleanly' "$WORK/share/out/host-a-manager.log"
}

# recap_ok LOG first|second: the run failed nothing, and the second changed nothing (the first changed something).
recap_ok() {
    local line changed failed unreachable
    line=$(grep -E '^host-[ab] +:' "$1")
    echo "$line"
    for changed in $(echo "$line" | sed -n 's/.*changed=\([0-9]*\).*/\1/p'); do
        if [ "$2" = second ] && [ "$changed" != 0 ]; then
            echo "rig: the second run changed $changed things on a host:" >&2
            grep -B2 '^changed:' "$1" >&2 || true
            return 1
        fi
    done
    for failed in $(echo "$line" | sed -n 's/.*failed=\([0-9]*\).*/\1/p'); do
        [ "$failed" = 0 ] || { echo "rig: the $2 run failed on a host" >&2; return 1; }
    done
    for unreachable in $(echo "$line" | sed -n 's/.*unreachable=\([0-9]*\).*/\1/p'); do
        [ "$unreachable" = 0 ] || { echo "rig: a host was unreachable in the $2 run" >&2; return 1; }
    done
    [ "$(echo "$line" | wc -l)" = 2 ] || { echo "rig: the $2 run did not reach both hosts" >&2; return 1; }
}

# rig_ssh PORT COMMAND...: runs COMMAND as root on the VM whose sshd is forwarded to 127.0.0.1:PORT.
rig_ssh() {
    local port="$1"
    shift
    ssh -i "$WORK/id_ed25519" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o LogLevel=ERROR -o ConnectTimeout=60 root@127.0.0.1 "$@"
}

# await_vm_file FILE VM SECONDS: waits for the VM's role to create out/FILE; fails early if the VM powered off.
await_vm_file() {
    local waited=0
    until [ -e "$WORK/share/out/$1" ]; do
        if ! kill -0 "$(cat "$WORK/$2.pid")" 2>/dev/null || [ "$waited" -ge "$3" ]; then
            echo "rig: $2 did not get ready" >&2
            wait_vm "$2"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
}
