# Role: an emulated CXL Type-3 device's memory as a pmem region, carved into /dev/dax0.0 (align 2 MiB), proven by
# prove_devdax.
set -eu
. /rig/roles/common.sh
step "cxl: memdevs and decoders"
cxl list -M -D
step "cxl: a pmem region on mem0"
cxl create-region -m -t pmem -d decoder0.0 -w 1 -g 4096 mem0
step "ndctl: a devdax namespace in region0"
ndctl create-namespace --mode=devdax --region=region0 --align=2M
prove_devdax /dev/dax0.0
