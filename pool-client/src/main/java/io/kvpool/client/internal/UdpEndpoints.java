package io.kvpool.client.internal;

import io.aeron.Subscription;

/**
 * The port a UDP subscription on port 0 was given: the client's reply subscriptions (control and data) bind an
 * ephemeral port and tell the manager where to answer only once the driver has bound it. Stateless.
 */
public final class UdpEndpoints
{
    private UdpEndpoints()
    {
    }

    /**
     * Waits for the driver to bind the subscription's endpoint.
     *
     * @param pause     how to wait between looks (it may throw, e.g. when the thread is interrupted).
     * @param timeoutNs how long to wait at most.
     * @return the endpoint as bound ({@code host:port}), or {@code null} where it was not within the timeout.
     */
    public static String awaitResolved(final Subscription subscription, final Runnable pause, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        String resolved;
        while ((resolved = subscription.resolvedEndpoint()) == null && System.nanoTime() - deadlineNs < 0)
        {
            pause.run();
        }
        return resolved;
    }
}
