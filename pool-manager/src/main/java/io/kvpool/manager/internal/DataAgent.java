package io.kvpool.manager.internal;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.kvpool.protocol.BlockBatch;
import io.kvpool.protocol.BlockProtocol;
import io.kvpool.protocol.BlockTableDescriptor;
import io.kvpool.protocol.NamespaceTableDescriptor;
import io.kvpool.protocol.RegionGeometry;
import io.kvpool.protocol.Status;
import io.kvpool.protocol.transport.TransferBatch;
import io.kvpool.protocol.wire.DataDecoder;
import io.kvpool.protocol.wire.DataEncoder;
import io.kvpool.protocol.wire.MessageHeader;
import io.kvpool.protocol.wire.MessageType;
import io.kvpool.transport.cxl.MappedBlockTransport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Serves block bytes over Aeron to hosts that cannot map the region (the fallback data path): streams reads of
 * sealed blocks in chunks straight from the region into the session's publication, and copies written chunks into
 * blocks the session has reserved. A read by key (DATA_READ_KEYS) looks each key up in its own view of the index
 * first, so that a client that knows no locations needs no lookup from the control agent. Runs on its own thread so
 * that bulk transfers never stall the control agent; it touches only region bytes, block-table stamps and the
 * index (reading), never the pool's allocator state: what keyed reads served goes to the control agent as
 * {@link KeyedReadNotices}, for eviction and hit counts.
 * <p>
 * Flow control: a read that meets back pressure is resumed on the next duty cycle, one read in flight per session,
 * so memory stays bounded (no copy of the data is kept). Access control: a session may read only sealed blocks of
 * its namespace, and write only into blocks reserved (WRITING) with the generation it names. Not thread-safe: one
 * agent thread.
 */
public final class DataAgent implements Agent
{
    private static final System.Logger LOG = System.getLogger("io.kvpool.manager.data");
    /**
     * At most this many chunks (about 2 MiB) per session per duty cycle, so that one long read cannot hold up the
     * agents that share the thread (the media driver and control agent, threading SHARED) or other sessions.
     */
    private static final int CHUNKS_PER_DUTY_CYCLE = 32;

    private final Aeron aeron;
    private final List<Subscription> subscriptions;
    private final MemorySegment region;
    private final RegionGeometry geometry;
    private final Map<Long, Integer> liveSessions;
    private final BlockIndex index;
    private final KeyedReadNotices notices;
    private final byte[] key = new byte[BlockBatch.KEY_BYTES];
    private final Long2ObjectHashMap<DataSession> sessions = new Long2ObjectHashMap<>();
    private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage, 1 << 20);
    private final UnsafeBuffer regionView = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer header = new ExpandableArrayBuffer(64);
    private final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(64 * 1024);
    private final String roleName;
    private final String termLength;
    private long housekeepingAtNs;

    /**
     * @param subscriptions the data streams to serve (IPC, UDP).
     * @param liveSessions  the sessions the control agent has open, by id, with their namespace ids.
     * @param index         this agent's own {@link BlockIndex#view()}, for reads by key.
     * @param notices       where reads by key are reported to the control agent.
     * @param dataLanes     the data lanes the manager serves: they set the term length of the sessions'
     *                      publications ({@link DataEncoder#termLength}).
     * @param roleName      the agent's name (its thread's, when it has one).
     */
    public DataAgent(
        final Aeron aeron, final List<Subscription> subscriptions, final MemorySegment region,
        final RegionGeometry geometry, final Map<Long, Integer> liveSessions, final BlockIndex index,
        final KeyedReadNotices notices, final int dataLanes, final String roleName)
    {
        this.index = index;
        this.notices = notices;
        this.roleName = roleName;
        this.termLength = DataEncoder.termLength(dataLanes);
        this.aeron = aeron;
        this.subscriptions = subscriptions;
        this.region = region;
        this.geometry = geometry;
        this.liveSessions = liveSessions;
    }

    /** One client's data session: its publication, the read in flight, and the statuses of writes so far. */
    private static final class DataSession
    {
        final ExclusivePublication publication;
        final int namespaceId;
        final int[] writeStatus = new int[TransferBatch.MAX_ENTRIES];
        int writesSeen;
        long readCorrelationId = -1;
        boolean readKeyed; // a DATA_READ_KEYS: the entries' locations come from the index, lengths from the table
        int readCount;
        int readEntry;
        long readOffsetInEntry;
        long readStamp;
        final long[] readBlock = new long[TransferBatch.MAX_ENTRIES];
        final long[] readGeneration = new long[TransferBatch.MAX_ENTRIES];
        final long[] readRegionOffset = new long[TransferBatch.MAX_ENTRIES];
        final int[] readLength = new int[TransferBatch.MAX_ENTRIES];
        final int[] readStatus = new int[TransferBatch.MAX_ENTRIES];
        final int[] readCapacity = new int[TransferBatch.MAX_ENTRIES];
        final int[] readChecksum = new int[TransferBatch.MAX_ENTRIES];
        byte[] pendingReply;

        DataSession(final ExclusivePublication publication, final int namespaceId)
        {
            this.publication = publication;
            this.namespaceId = namespaceId;
        }
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (int i = 0; i < subscriptions.size(); i++)
        {
            work += subscriptions.get(i).poll(assembler, 8);
        }
        for (final Map.Entry<Long, DataSession> entry : sessions.entrySet())
        {
            work += continueRead(entry.getKey(), entry.getValue());
        }
        final long nowNs = System.nanoTime();
        if (nowNs - housekeepingAtNs >= 0)
        {
            housekeepingAtNs = nowNs + 100_000_000L;
            sessions.entrySet().removeIf(entry ->
            {
                final boolean gone = !liveSessions.containsKey(entry.getKey());
                if (gone)
                {
                    entry.getValue().publication.close();
                }
                return gone;
            });
        }
        return work;
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        if (length < MessageHeader.LENGTH || MessageHeader.version(buffer, offset) != MessageHeader.PROTOCOL_VERSION ||
            MessageHeader.frameLength(buffer, offset) != length || length > DataEncoder.MAX_FRAME_LENGTH)
        {
            return;
        }
        final long sessionId = MessageHeader.sessionId(buffer, offset);
        final Integer namespaceId = liveSessions.get(sessionId);
        if (namespaceId == null)
        {
            return;
        }
        final long correlationId = MessageHeader.correlationId(buffer, offset);
        switch (MessageHeader.templateId(buffer, offset))
        {
            case MessageType.DATA_OPEN -> open(buffer, offset, length, sessionId, namespaceId, correlationId);
            case MessageType.DATA_READ -> startRead(buffer, offset, length, sessionId, correlationId);
            case MessageType.DATA_READ_KEYS -> startKeyedRead(buffer, offset, length, sessionId, correlationId);
            case MessageType.DATA_WRITE -> write(buffer, offset, length, sessionId);
            case MessageType.DATA_WRITE_END -> endWrites(buffer, offset, length, sessionId, correlationId);
            default ->
            {
                // Control messages do not belong on the data stream: ignored.
            }
        }
    }

    private void open(
        final DirectBuffer buffer, final int offset, final int length, final long sessionId, final int namespaceId,
        final long correlationId)
    {
        final String channel = DataDecoder.openChannel(buffer, offset, length);
        if (channel == null)
        {
            return;
        }
        final DataSession previous = sessions.remove(sessionId);
        CloseHelper.quietClose(previous == null ? null : previous.publication);
        try
        {
            final ChannelUri uri = ChannelUri.parse(channel);
            uri.put("term-length", termLength);
            uri.put("mtu", DataEncoder.MTU);
            final DataSession session = new DataSession(
                aeron.addExclusivePublication(uri.toString(), DataDecoder.openStreamId(buffer, offset)), namespaceId);
            sessions.put(sessionId, session);
            offerWithin(session, reply, DataEncoder.encodeDone(reply, correlationId, sessionId, new int[0], 0));
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "DATA_OPEN with unusable channel " + channel + ": " + ex);
        }
    }

    private void startRead(
        final DirectBuffer buffer, final int offset, final int length, final long sessionId, final long correlationId)
    {
        final int count = DataDecoder.readCount(buffer, offset, length);
        final DataSession session = beginRead(sessionId, correlationId, count, false);
        if (session == null)
        {
            return;
        }
        for (int i = 0; i < count; i++)
        {
            session.readBlock[i] = DataDecoder.readBlockIndex(buffer, offset, i);
            session.readGeneration[i] = DataDecoder.readGeneration(buffer, offset, i);
            session.readRegionOffset[i] = DataDecoder.readRegionOffset(buffer, offset, i);
            session.readLength[i] = DataDecoder.readLength(buffer, offset, i);
        }
        nextEntry(session);
    }

    /**
     * Makes a session's next read the one asked for, unless the session is unknown, the request malformed
     * ({@code count} -1) or a read of the session's is still in flight (one at a time): those are dropped.
     *
     * @return the session, its read begun (entries to be filled in), or {@code null}.
     */
    private DataSession beginRead(final long sessionId, final long correlationId, final int count, final boolean keyed)
    {
        final DataSession session = sessions.get(sessionId);
        if (session == null || count < 0 || session.readCorrelationId >= 0)
        {
            return null;
        }
        session.readCorrelationId = correlationId;
        session.readKeyed = keyed;
        session.readCount = count;
        session.readEntry = -1;
        return session;
    }

    /**
     * Starts a read by key: each key's block and generation from the index now (a miss is settled NOT_FOUND); its
     * length and checksum are read from the block table under the read protocol when its turn comes.
     */
    private void startKeyedRead(
        final DirectBuffer buffer, final int offset, final int length, final long sessionId, final long correlationId)
    {
        final int count = DataDecoder.readKeysCount(buffer, offset, length);
        final DataSession session = beginRead(sessionId, correlationId, count, true);
        if (session == null)
        {
            return;
        }
        // An admin session (namespace 0) has no blocks: every key misses.
        final long blockSizeBytes = session.namespaceId < 1 || session.namespaceId > geometry.maxNamespaces() ? 0 :
            NamespaceTableDescriptor.blockSizeBytes(region, geometry.namespaceEntryOffset(session.namespaceId));
        for (int i = 0; i < count; i++)
        {
            DataDecoder.readKey(buffer, offset, i, key, 0);
            final long block = index.get(session.namespaceId, key, 0);
            final boolean inTable = blockSizeBytes > 0 && block >= 0 && block < geometry.blockTableEntries();
            session.readBlock[i] = inTable ? block : -1;
            session.readGeneration[i] = inTable ? index.lastGeneration() : 0;
            session.readRegionOffset[i] = inTable ? geometry.blockDataOffset(block, blockSizeBytes) : 0;
            session.readLength[i] = 0;
            session.readChecksum[i] = 0;
            session.readCapacity[i] = DataDecoder.readKeyCapacity(buffer, offset, i);
        }
        nextEntry(session);
    }

    /**
     * Moves to the next entry that can be sent, settling those that cannot.
     */
    private void nextEntry(final DataSession session)
    {
        while (++session.readEntry < session.readCount)
        {
            final int i = session.readEntry;
            if (session.readKeyed ? session.readBlock[i] < 0 : !MappedBlockTransport.rangeInBlock(region, geometry,
                session.readBlock[i], session.readRegionOffset[i], session.readLength[i]))
            {
                session.readStatus[i] = session.readKeyed ? Status.NOT_FOUND : Status.OUT_OF_RANGE;
                continue;
            }
            final long entry = geometry.blockEntryOffset(session.readBlock[i]);
            final long stamp = BlockProtocol.beginRead(region, entry, session.readGeneration[i]);
            if (stamp == -1 || BlockTableDescriptor.namespaceId(region, entry) != session.namespaceId)
            {
                session.readStatus[i] = Status.NOT_FOUND;
                continue;
            }
            if (session.readKeyed && !sizeKeyedEntry(session, i, entry))
            {
                continue;
            }
            session.readStamp = stamp;
            session.readOffsetInEntry = 0;
            return;
        }
    }

    /**
     * A keyed entry's length and checksum, read inside its read protocol's window (its end, after the bytes are sent,
     * says whether they held): false, with the entry settled, where they do not fit the block or the reader.
     */
    private boolean sizeKeyedEntry(final DataSession session, final int i, final long entry)
    {
        final int length = BlockTableDescriptor.payloadLengthBytes(region, entry);
        session.readChecksum[i] = BlockTableDescriptor.checksum(region, entry);
        if (!MappedBlockTransport.rangeInBlock(region, geometry, session.readBlock[i], session.readRegionOffset[i],
            length))
        {
            session.readStatus[i] = Status.NOT_FOUND; // a length read while the block changed
            return false;
        }
        if (length > session.readCapacity[i])
        {
            session.readStatus[i] = Status.INVALID_LENGTH;
            return false;
        }
        session.readLength[i] = length;
        return true;
    }

    /**
     * Sends as many chunks of the session's read as the publication takes now.
     */
    private int continueRead(final long sessionId, final DataSession session)
    {
        if (!flushPending(session) || session.readCorrelationId < 0)
        {
            return 0;
        }
        int sent = 0;
        while (session.readEntry < session.readCount)
        {
            if (sent == CHUNKS_PER_DUTY_CYCLE)
            {
                return sent;
            }
            final int i = session.readEntry;
            final int length = (int)Math.min(DataEncoder.CHUNK_BYTES, session.readLength[i] - session.readOffsetInEntry);
            DataEncoder.encodeChunkHeader(header, session.readCorrelationId, sessionId, i, length,
                session.readOffsetInEntry);
            regionView.wrap(region.address() + session.readRegionOffset[i] + session.readOffsetInEntry, length);
            final long result = session.publication.offer(header, 0, DataEncoder.CHUNK_HEADER_LENGTH, regionView,
                0, length);
            if (result < 0)
            {
                if (result == Publication.CLOSED || result == Publication.NOT_CONNECTED)
                {
                    session.readCorrelationId = -1;
                }
                return sent;
            }
            sent++;
            session.readOffsetInEntry += length;
            if (session.readOffsetInEntry == session.readLength[i])
            {
                // The chunks were sent straight from the region: the read protocol's end covers them all.
                session.readStatus[i] = BlockProtocol.endRead(region, geometry.blockEntryOffset(session.readBlock[i]),
                    session.readStamp) ? Status.OK : Status.NOT_FOUND;
                nextEntry(session);
            }
        }
        final int length = session.readKeyed ? encodeKeysDone(session, sessionId) :
            DataEncoder.encodeDone(reply, session.readCorrelationId, sessionId, session.readStatus, session.readCount);
        if (session.publication.offer(reply, 0, length) > 0)
        {
            session.readCorrelationId = -1;
            sent++;
            if (session.readKeyed)
            {
                notifyKeyedRead(session);
            }
        }
        return sent;
    }

    private int encodeKeysDone(final DataSession session, final long sessionId)
    {
        final int length = DataEncoder.encodeKeysDoneHeader(reply, session.readCorrelationId, sessionId,
            session.readCount);
        for (int i = 0; i < session.readCount; i++)
        {
            final boolean ok = session.readStatus[i] == Status.OK;
            DataEncoder.putKeysDoneEntry(reply, i, session.readStatus[i], ok ? session.readLength[i] : 0,
                ok ? session.readBlock[i] : -1, ok ? session.readGeneration[i] : 0,
                ok ? session.readRegionOffset[i] : 0, ok ? session.readChecksum[i] : 0);
        }
        return length;
    }

    /**
     * Tells the control agent what a keyed read served, as a LOOKUP would have counted it: hits, and misses (keys
     * not found, or found but changed before their bytes were sent). Too-small destinations count as neither.
     */
    private void notifyKeyedRead(final DataSession session)
    {
        for (int i = 0; i < session.readCount; i++)
        {
            final int status = session.readStatus[i];
            if (status == Status.OK || status == Status.NOT_FOUND)
            {
                notices.offer(session.namespaceId, status == Status.OK ? session.readBlock[i] : -1,
                    session.readGeneration[i]);
            }
        }
    }

    private void write(final DirectBuffer buffer, final int offset, final int length, final long sessionId)
    {
        final DataSession session = sessions.get(sessionId);
        if (session == null || length < DataEncoder.WRITE_HEADER_LENGTH)
        {
            return;
        }
        final long blockIndex = DataDecoder.writeBlockIndex(buffer, offset);
        final long generation = DataDecoder.writeGeneration(buffer, offset);
        final long regionOffset = DataDecoder.writeRegionOffset(buffer, offset);
        final int entry = DataDecoder.writeEntry(buffer, offset);
        final int bytes = DataDecoder.writeLength(buffer, offset);
        if (entry < 0 || entry >= session.writeStatus.length || bytes != length - DataEncoder.WRITE_HEADER_LENGTH)
        {
            return;
        }
        session.writesSeen = Math.max(session.writesSeen, entry + 1);
        if (session.writeStatus[entry] != Status.OK)
        {
            return;
        }
        session.writeStatus[entry] = beginRemoteWrite(region, geometry, session.namespaceId, blockIndex, generation,
            regionOffset, bytes);
        if (session.writeStatus[entry] == Status.OK)
        {
            // This agent stores on the remote writer's behalf, under the same write protocol as a mapped client:
            // a pause of this thread (GC) between the check and the store cannot land the bytes in a reused block.
            regionView.wrap(region.address() + regionOffset, bytes);
            regionView.putBytes(0, buffer, offset + DataEncoder.WRITE_HEADER_LENGTH, bytes);
            BlockProtocol.endWrite(region, geometry.blockEntryOffset(blockIndex));
        }
    }

    /**
     * Begins storing a remote writer's bytes on its behalf: checks that the range lies in the block, that the block
     * is the session's namespace's, and that it is reserved with that generation, and where all hold takes the write
     * protocol's intent ({@link BlockProtocol#beginWrite}) for the caller to end with {@link BlockProtocol#endWrite}
     * once the bytes are stored. Shared by the data agent and {@link StreamDataConnection}.
     *
     * @return {@link Status#OK} (intent taken), {@link Status#OUT_OF_RANGE} or {@link Status#UNKNOWN_RESERVATION}.
     */
    static int beginRemoteWrite(
        final MemorySegment region, final RegionGeometry geometry, final int namespaceId, final long blockIndex,
        final long generation, final long regionOffset, final long bytes)
    {
        if (!MappedBlockTransport.rangeInBlock(region, geometry, blockIndex, regionOffset, bytes))
        {
            return Status.OUT_OF_RANGE;
        }
        final long tableEntry = geometry.blockEntryOffset(blockIndex);
        return BlockTableDescriptor.namespaceId(region, tableEntry) != namespaceId ? Status.UNKNOWN_RESERVATION :
            BlockProtocol.beginWrite(region, tableEntry, generation);
    }

    private void endWrites(
        final DirectBuffer buffer, final int offset, final int length, final long sessionId, final long correlationId)
    {
        final DataSession session = sessions.get(sessionId);
        if (session == null || length != DataEncoder.COUNTED_HEADER_LENGTH)
        {
            return;
        }
        final int count = Math.min(DataDecoder.writeEndCount(buffer, offset), session.writeStatus.length);
        for (int i = session.writesSeen; i < count; i++)
        {
            session.writeStatus[i] = Status.TRANSPORT_FAILED;
        }
        offerWithin(session, reply, DataEncoder.encodeDone(reply, correlationId, sessionId, session.writeStatus,
            Math.max(0, count)));
        Arrays.fill(session.writeStatus, Status.OK);
        session.writesSeen = 0;
    }

    /**
     * Offers a short reply; one the publication cannot take now (not yet connected, back pressure) is kept and
     * retried from the duty cycle before anything else is sent to that session.
     */
    private static void offerWithin(final DataSession session, final DirectBuffer buffer, final int length)
    {
        if (session.pendingReply != null || session.publication.offer(buffer, 0, length) < 0)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(0, copy);
            session.pendingReply = copy;
        }
    }

    private static boolean flushPending(final DataSession session)
    {
        if (session.pendingReply == null)
        {
            return true;
        }
        if (session.publication.offer(new UnsafeBuffer(session.pendingReply), 0, session.pendingReply.length) > 0)
        {
            session.pendingReply = null;
            return true;
        }
        return false;
    }

    @Override
    public void onClose()
    {
        final List<DataSession> open = new ArrayList<>(sessions.values());
        sessions.clear();
        open.forEach(session -> CloseHelper.quietClose(session.publication));
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
