/**
 * The CXL transport: a pool region mapped into the process ({@link io.kvpool.transport.cxl.Region}) from a devdax
 * device, a tmpfs or hugetlbfs file, or anonymous memory, so that bytes move by plain load and store.
 */
package io.kvpool.transport.cxl;
