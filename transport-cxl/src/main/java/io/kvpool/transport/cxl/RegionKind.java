package io.kvpool.transport.cxl;

/**
 * What kind of memory backs a mapped region.
 */
public enum RegionKind
{
    /** A devdax character device: CXL-attached memory or persistent memory. */
    DEVDAX,
    /** A file on tmpfs: the emulation used where no CXL device exists. */
    TMPFS_FILE,
    /** A file on hugetlbfs: emulation backed by huge pages. */
    HUGETLBFS_FILE,
    /** A file on another file system (page cache); works, but is not an emulation of a pool. */
    OTHER_FILE,
    /** Anonymous shared memory (tests). */
    ANONYMOUS
}
