package io.kvpool.manager.internal;

/**
 * Bounds on what clients can make the manager hold: sessions in all, sessions answering to one host, and channels
 * kept open to carry a refusal to an unauthenticated HELLO. A HELLO over a limit is refused ({@code LIMIT_REACHED}),
 * or, for refusal channels, counted and not answered; every refusal is counted in
 * {@code kvpool_rejected_requests_total{reason}}.
 *
 * @param maxSessions         sessions at once, all hosts.
 * @param maxSessionsPerHost  sessions at once answering to one host over UDP (this host's IPC clients count only in
 *                            {@code maxSessions}).
 * @param maxRefusalsInFlight refusal channels at once (each the smallest publication Aeron has, 64 KiB terms).
 */
public record SessionLimits(int maxSessions, int maxSessionsPerHost, int maxRefusalsInFlight)
{
    /** 4,096 sessions, 512 per host, 16 refusals in flight. */
    public static final SessionLimits DEFAULTS = new SessionLimits(4096, 512, 16);

    public SessionLimits
    {
        if (maxSessions < 1 || maxSessionsPerHost < 1 || maxRefusalsInFlight < 1)
        {
            throw new IllegalArgumentException("maxSessions=" + maxSessions + " maxSessionsPerHost=" +
                maxSessionsPerHost + " maxRefusalsInFlight=" + maxRefusalsInFlight + ": each must be at least 1");
        }
    }
}
