/**
 * The transport contract: how block bytes move between client memory and the pool region, whatever the fabric.
 */
package io.kvpool.protocol.transport;
