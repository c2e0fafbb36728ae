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
    start_vm cxl devdax-cxl -M q35,cxl=on,cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G -m 1G,slots=2,maxmem=4G \
        -object "memory-backend-file,id=cxlmem,share=on,mem-path=$WORK/cxl.img,size=512M" \
        -object "memory-backend-file,id=cxllsa,share=on,mem-path=$WORK/cxl-lsa.img,size=256M" \
        -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1 \
        -device cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2 \
        -device cxl-rp,port=1,bus=cxl.1,id=root_port14,chassis=0,slot=3 \
        -device cxl-type3,bus=root_port13,memdev=cxlmem,lsa=cxllsa,id=cxl-pmem0
    wait_vm pmem
    wait_vm cxl
}
