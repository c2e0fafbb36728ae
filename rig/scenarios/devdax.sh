# Scenario devdax: the manager formats and serves a real /dev/dax0.0, backed by emulated pmem (an NVDIMM) in one
# VM and by an emulated CXL Type-3 memory device in another (the two run side by side, one vCPU each); in each
# the region-mapping contract tests pass against the device, and data put before a manager restart is read back
# whole after it.
run_scenario() {
    truncate -s 512M "$WORK/pmem.img"
    start_vm pmem devdax-pmem -M q35,nvdimm=on -m 1G,slots=2,maxmem=4G \
        -object "memory-backend-file,id=pool,share=on,mem-path=$WORK/pmem.img,size=512M,align=2M" \
        -device nvdimm,memdev=pool,id=nv0
    truncate -s 512M "$WORK/cxl.img"
    truncate -s 256M "$WORK/cxl-lsa.img"
    # shellcheck disable=SC2046
    start_vm cxl devdax-cxl $(cxl_args "$WORK/cxl.img" "$WORK/cxl-lsa.img" 1G)
    wait_vms pmem cxl
}
