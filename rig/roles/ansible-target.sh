# Role: a host Ansible deploys to (the ansible scenario). Names its NICs by MAC: "mgmt" (QEMU user networking,
# 10.0.2.15, reachable from the host only through the ssh port forwarded on 127.0.0.1) and "link0" (the emulated
# link between the VMs, address from rig.addr); starts sshd with the controller's key; then waits until the host
# says the scenario is over (/rig/out/ansible.done), and copies the deployment's logs out.
set -eu
. /rig/roles/common.sh
address=$(sed -n 's/.*rig\.addr=\([^ ]*\).*/\1/p' /proc/cmdline)
for nic in $(ls /sys/class/net); do
    case "$(cat "/sys/class/net/$nic/address")" in
        52:54:00:12:35:*) ip link set "$nic" name mgmt ;;
        52:54:00:12:36:*) ip link set "$nic" name link0 ;;
    esac
done
ip link set mgmt up
ip addr add 10.0.2.15/24 dev mgmt
ip link set link0 up
ip addr add "$address/24" dev link0
step "sshd for the controller"
mkdir -p /root/.ssh /run/sshd
install -m 0600 /rig/authorized_keys /root/.ssh/authorized_keys
ssh-keygen -A
/usr/sbin/sshd -o PermitRootLogin=prohibit-password -o UseDNS=no -E /rig/out/"$(hostname)"-sshd.log
touch "/rig/out/$(hostname).ready"
step "waiting for the controller to finish"
await_file /rig/out/ansible.done 3600
for log in /var/lib/kvpool/log/*.log; do
    [ -f "$log" ] && cp "$log" "/rig/out/$(hostname)-$(basename "$log")"
done
true
