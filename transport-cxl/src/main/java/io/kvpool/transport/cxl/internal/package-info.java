/**
 * Implementation of region mapping: FFM bindings to the POSIX calls it needs, mount and sysfs probing. Not API:
 * nothing outside transport-cxl may use it.
 */
package io.kvpool.transport.cxl.internal;
