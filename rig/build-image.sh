#!/usr/bin/env bash
# Builds the rig's guest image once and caches it (rig/.cache, ignored by git; KVPOOL_RIG_CACHE moves it): a
# Debian bookworm rootfs (debootstrap minbase) with the 6.1 kernel and its CXL, NVDIMM, DAX and Soft-RoCE modules,
# rdma-core and perftest, ndctl/daxctl/cxl, sshd and python3 (for the Ansible scenario); a small initramfs that
# only mounts the root disk; the kernel; and an ext4 image of the rootfs made without a loop mount. Needs root,
# debootstrap, qemu-utils and a Debian mirror (KVPOOL_RIG_MIRROR). About two minutes; later runs reuse it.
set -euo pipefail
RIG="$(cd "$(dirname "$0")" && pwd)"
CACHE="${KVPOOL_RIG_CACHE:-$RIG/.cache}"
MIRROR="${KVPOOL_RIG_MIRROR:-http://deb.debian.org/debian}"
# Bump when the image's contents change, so cached images are rebuilt.
IMAGE_VERSION=2
DONE="$CACHE/image-$IMAGE_VERSION.done"
[ -f "$DONE" ] && exit 0
for tool in debootstrap mkfs.ext4 chroot; do
    command -v "$tool" >/dev/null || { echo "rig: $tool is missing (apt-get install debootstrap e2fsprogs)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "rig: building the image needs root (debootstrap)" >&2; exit 1; }
mkdir -p "$CACHE"
rootfs="$CACHE/rootfs"
rm -rf "$rootfs" "$CACHE"/image-*.done
echo "rig: debootstrap bookworm from $MIRROR (about two minutes)"
debootstrap --variant=minbase \
    --include=linux-image-amd64,kmod,udev,iproute2,iputils-ping,procps,busybox,initramfs-tools,rdma-core,ibverbs-providers,ibverbs-utils,rdmacm-utils,perftest,ndctl,daxctl,python3,openssh-server,sudo \
    bookworm "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$CACHE/debootstrap.log" >&2; echo "rig: debootstrap failed (log: $CACHE/debootstrap.log)" >&2; exit 1; }
kernel="$(ls "$rootfs/lib/modules" | sort -V | tail -n 1)"
# The initramfs mounts the root disk and nothing else: the rig's init loads the modules it needs afterwards.
echo "MODULES=list" >"$rootfs/etc/initramfs-tools/conf.d/rig.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >"$rootfs/etc/initramfs-tools/modules"
mount -t proc proc "$rootfs/proc"
trap 'umount "$rootfs/proc" 2>/dev/null || true' EXIT
chroot "$rootfs" mkinitramfs -o /boot/initrd.rig "$kernel"
umount "$rootfs/proc"
trap - EXIT
install -m 0755 "$RIG/guest/stub-init" "$rootfs/sbin/rig-init"
echo "kvpool-rig" >"$rootfs/etc/hostname"
cp "$rootfs/boot/vmlinuz-$kernel" "$CACHE/vmlinuz"
cp "$rootfs/boot/initrd.rig" "$CACHE/initrd"
rm -f "$CACHE/rootfs.img"
mkfs.ext4 -q -F -L rigroot -d "$rootfs" "$CACHE/rootfs.img" 3G
echo "$kernel" >"$DONE"
echo "rig: image ready ($CACHE/rootfs.img, kernel $kernel)"
