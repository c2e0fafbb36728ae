# Role: an emulated NVDIMM's namespace as /dev/dax0.0 (align 2 MiB), proven by prove_devdax.
set -eu
. /rig/roles/common.sh
step "ndctl: namespace0.0 to devdax"
ndctl create-namespace --force --reconfig=namespace0.0 --mode=devdax --align=2M
prove_devdax /dev/dax0.0
