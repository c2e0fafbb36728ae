/**
 * Implementation of the client library: the location cache and the copy loops. Not API.
 */
package io.kvpool.client.internal;
