/**
 * Implementation of the client library: the control channel (requests in flight, by correlation id), the location
 * cache, the embedded media drivers. Not API.
 */
package io.kvpool.client.internal;
