/**
 * The library inference engines link to: batch put/get/exists on chained block keys, zero-copy load/store on the mapped pool, async prefetch and write-back. Filled by the client issue.
 */
package io.kvpool.client;
