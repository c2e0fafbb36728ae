# Role: an emulated CXL Type-3 device's memory as a pmem region, carved into /dev/dax0.0 (align 2 MiB), proven by
# prove_devdax.
set -eu
. /rig/roles/common.sh
cxl_devdax
prove_devdax /dev/dax0.0
