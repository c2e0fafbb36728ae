package io.kvpool.manager.internal;

import org.agrona.collections.Long2ObjectHashMap;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * Open client sessions by id. Session ids are random 64-bit numbers, so a client cannot act in another's session
 * by guessing. A session whose response channel stays disconnected longer than the timeout is closed; its pins
 * and reservations lapse with their leases. Not thread-safe: the manager's thread.
 */
public final class SessionRegistry
{
    private final Long2ObjectHashMap<Session> sessions = new Long2ObjectHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final long timeoutNs;
    private final List<Session> scratch = new ArrayList<>();
    /** Sessions whose channel holds responses it could not send at once: retried every duty cycle. */
    private final List<Session> queued = new ArrayList<>();
    /** Live namespace sessions, for the data agent's thread: session id -> namespace id. */
    private final ConcurrentHashMap<Long, Integer> published =
        new ConcurrentHashMap<>();

    /**
     * One client session.
     */
    public static final class Session
    {
        final long id;
        final int namespaceId;
        final boolean admin;
        final String clientName;
        final ResponseChannel channel;
        final boolean closeWhenFlushed;
        long disconnectedSinceNs = -1;
        /** Whether the session writes by one-sided RDMA, for which the manager holds writer intents. */
        boolean remoteWriter;
        /** Where its answers go, for per-peer limits: a UDP endpoint's host, or "ipc". */
        String peer = "ipc";
        /** Opened on a stream connection: only that connection speaks for it. */
        boolean streamed;
        /** Listed in {@link #queued}. */
        boolean queued;

        Session(
            final long id, final int namespaceId, final boolean admin, final String clientName,
            final ResponseChannel channel, final boolean closeWhenFlushed)
        {
            this.id = id;
            this.namespaceId = namespaceId;
            this.admin = admin;
            this.clientName = clientName;
            this.channel = channel;
            this.closeWhenFlushed = closeWhenFlushed;
        }

        public long id()
        {
            return id;
        }

        public int namespaceId()
        {
            return namespaceId;
        }

        public boolean admin()
        {
            return admin;
        }

        public ResponseChannel channel()
        {
            return channel;
        }
    }

    private LongConsumer closeListener = id -> { };

    public SessionRegistry(final long timeoutNs)
    {
        this.timeoutNs = timeoutNs;
    }

    /**
     * @param listener told the id of every session that closes (GOODBYE, lost, shutdown).
     */
    public void onClose(final LongConsumer listener)
    {
        this.closeListener = listener;
    }

    /**
     * Opens a session.
     *
     * @param namespaceId namespace the session may use (0 for admin).
     * @param admin       whether it may create namespaces and see every namespace's figures.
     */
    public Session open(
        final int namespaceId, final boolean admin, final String clientName, final ResponseChannel channel)
    {
        long id;
        do
        {
            id = random.nextLong();
        }
        while (id == 0 || sessions.containsKey(id));
        final Session session = new Session(id, namespaceId, admin, clientName, channel, false);
        sessions.put(id, session);
        if (!admin)
        {
            published.put(id, namespaceId);
        }
        return session;
    }

    /**
     * Keeps a channel only until a refusal sent on it has gone out (a HELLO that was refused).
     */
    public void openForRefusal(final ResponseChannel channel)
    {
        long id;
        do
        {
            id = random.nextLong();
        }
        while (id == 0 || sessions.containsKey(id));
        sessions.put(id, new Session(id, 0, false, "refused", channel, true));
    }

    /**
     * @return the session, or {@code null}.
     */
    public Session get(final long id)
    {
        final Session session = sessions.get(id);
        return session == null || session.closeWhenFlushed ? null : session;
    }

    /**
     * Closes a session (GOODBYE).
     */
    public void close(final long id)
    {
        final Session session = sessions.remove(id);
        published.remove(id);
        if (session != null)
        {
            session.channel.close();
            closeListener.accept(id);
        }
    }

    /**
     * @param peer a peer as {@link ResponseChannels#peer} names it.
     * @return live sessions answering to it.
     */
    public int sizeOf(final String peer)
    {
        int count = 0;
        for (final Session session : sessions.values())
        {
            count += !session.closeWhenFlushed && session.peer.equals(peer) ? 1 : 0;
        }
        return count;
    }

    /**
     * Closes every session answering on a channel (a stream connection that went away).
     *
     * @param channel the channel.
     */
    public void closeAllOn(final ResponseChannel channel)
    {
        final List<Long> ids = new ArrayList<>();
        for (final Session session : sessions.values())
        {
            if (session.channel == channel)
            {
                ids.add(session.id);
            }
        }
        ids.forEach(this::close);
    }

    /**
     * @return channels kept open only until a refusal on them has gone out.
     */
    public int refusalsInFlight()
    {
        int count = 0;
        for (final Session session : sessions.values())
        {
            count += session.closeWhenFlushed ? 1 : 0;
        }
        return count;
    }

    /**
     * @return live sessions.
     */
    public int size()
    {
        int count = 0;
        for (final Session session : sessions.values())
        {
            count += session.closeWhenFlushed ? 0 : 1;
        }
        return count;
    }

    /**
     * Notes that a response was just sent to a session: one its channel had to queue (back pressure, not yet
     * connected) is retried from every duty cycle from now on ({@link #flushQueued}), not only from {@link #poll}'s.
     */
    public void sent(final Session session)
    {
        if (!session.queued && session.channel.pending() > 0)
        {
            session.queued = true;
            queued.add(session);
        }
    }

    /**
     * Retries the responses of the sessions {@link #sent} noted, until each is drained or closed. For every duty
     * cycle: costs nothing while none waits. A client waits for its answer for as long as the answer is queued.
     *
     * @return messages sent.
     */
    public int flushQueued()
    {
        int sent = 0;
        for (int i = queued.size() - 1; i >= 0; i--)
        {
            final Session session = queued.get(i);
            final boolean open = sessions.get(session.id) == session;
            if (open)
            {
                sent += session.channel.flush();
            }
            if (!open || session.channel.pending() == 0)
            {
                session.queued = false;
                queued.set(i, queued.getLast());
                queued.removeLast();
            }
        }
        return sent;
    }

    /**
     * Retries queued responses, closes refusal channels once drained and sessions disconnected for too long.
     *
     * @return work done.
     */
    public int poll(final long nowNs)
    {
        int work = 0;
        scratch.clear();
        for (final Session session : sessions.values())
        {
            work += session.channel.flush();
            if (session.channel.isConnected())
            {
                session.disconnectedSinceNs = -1;
            }
            else if (session.disconnectedSinceNs < 0)
            {
                session.disconnectedSinceNs = nowNs;
            }
            final boolean drained = session.closeWhenFlushed && session.channel.pending() == 0;
            final boolean lost = session.disconnectedSinceNs >= 0 && nowNs - session.disconnectedSinceNs > timeoutNs;
            if (drained || lost)
            {
                scratch.add(session);
            }
        }
        for (final Session session : scratch)
        {
            close(session.id);
            work++;
        }
        return work;
    }

    /**
     * Closes every session's channel.
     */
    public void closeAll()
    {
        for (final Session session : sessions.values())
        {
            session.channel.close();
            closeListener.accept(session.id);
        }
        sessions.clear();
        published.clear();
    }

    /**
     * @return live namespace sessions (id -> namespace), safe to read from another thread.
     */
    public Map<Long, Integer> published()
    {
        return published;
    }
}
