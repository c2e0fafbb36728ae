/**
 * The kvpool control protocol: fixed-layout little-endian messages (flyweights over Agrona buffers) between
 * clients and the pool manager, carried by Aeron over IPC or UDP. Specified in {@code docs/spec/wire-protocol.md}.
 */
package io.kvpool.protocol.wire;
