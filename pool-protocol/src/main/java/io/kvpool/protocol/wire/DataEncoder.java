package io.kvpool.protocol.wire;

import io.kvpool.protocol.BlockBatch;
import org.agrona.MutableDirectBuffer;

/**
 * The data-path messages (Aeron stream 1002), for hosts that cannot map the region. Layouts after the 24-byte
 * header, little-endian:
 * <pre>
 *   DATA_OPEN       24 u32 responseStreamId, 28 u32 0, 32 text responseChannel
 *   DATA_READ       24 u32 count, 28 u32 0, 32 count x {u64 blockIndex, u64 generation, u64 regionOffset,
 *                   u32 length, u32 0}
 *   DATA_WRITE      24 u64 blockIndex, 32 u64 generation, 40 u64 regionOffset (of this chunk), 48 u32 entry,
 *                   52 u32 length, 56 bytes
 *   DATA_CHUNK      24 u32 entry, 28 u32 length, 32 u64 offset within the entry, 40 bytes
 *   DATA_DONE       24 u32 count, 28 u32 0, 32 count x i32 status
 *   DATA_WRITE_END  24 u32 count, 28 u32 0
 *   DATA_READ_KEYS  24 u32 count, 28 u32 0, 32 count x {32 bytes key, u32 capacity, u32 0}
 *   DATA_KEYS_DONE  24 u32 count, 28 u32 0, 32 count x {i32 status, u32 length, u64 blockIndex, u64 generation,
 *                   u64 regionOffset (of the block's bytes), u32 checksum, u32 0}
 * </pre>
 * Chunks carry at most {@link #CHUNK_BYTES}; a read's chunks arrive in order, then its DATA_DONE (DATA_KEYS_DONE
 * for a DATA_READ_KEYS, whose chunks' entry is the key's index). Stateless.
 * <p>
 * The writing side, and the layout both sides share; {@link DataDecoder} reads.
 */
public final class DataEncoder
{
    /**
     * Largest payload in one DATA_CHUNK or DATA_WRITE: with the message header it fits one frame of the data
     * channels' 60 KiB MTU, so a receiver never has to reassemble (copy) a chunk.
     */
    public static final int CHUNK_BYTES = 60 * 1024 - 128;
    /** MTU of the data channels. */
    public static final String MTU = "60k";
    /**
     * Term length of the data channels' publications, both ways, where the manager serves several lanes (see
     * {@link #termLength}). Small on purpose: a publication's three terms (and the image's three on the far side)
     * are written and read by several threads per chunk (the data agent, the sender, the receiver, the subscriber,
     * Aeron's cleaning), and the less of them there is, the more of it stays in cache (bench/RESULTS-remote.txt has
     * the sizes measured). The largest message is a term's eighth
     * (64 KiB): one chunk with its header, {@link #MAX_FRAME_LENGTH}.
     */
    public static final String TERM_LENGTH = "512k";
    /**
     * Term length of the data channels where the manager serves one lane: every byte of a transfer then passes
     * one receive window (a term's half), and a 256 KiB block would not fit the 256 KiB one of {@link #TERM_LENGTH}
     * (its frame headers push it over), costing a status-message round trip per GET: 256 KiB GETs on a 2-core host
     * ran ~15 % faster with these 1 MiB terms.
     */
    public static final String SINGLE_LANE_TERM_LENGTH = "1m";
    /**
     * Receive window the data channels' subscriptions ask for: half of the larger term, {@link
     * #SINGLE_LANE_TERM_LENGTH}. Aeron holds an image's window to half its term, so with {@link #TERM_LENGTH} it is
     * 256 KiB; either way all of it is in flight.
     */
    public static final String RECEIVE_WINDOW = "512k";
    /**
     * URI parameters of every UDP channel that receives block bytes — the client's reply subscription and the
     * manager's data subscriptions alike: {@link #RECEIVE_WINDOW}, and a socket buffer that holds it many times over.
     * Without them a receiver gets Aeron's default window (128 KiB: two chunks in flight, then a status-message round
     * trip) and the kernel's default buffer; the manager's side ran so, and network puts moved at about half the
     * speed of gets (bench/RESULTS-shapes.txt, session 15).
     */
    public static final String RECEIVE_PARAMS = "|rcv-wnd=" + RECEIVE_WINDOW + "|so-rcvbuf=4m";
    /** URI parameters of every UDP channel that sends block bytes: a socket buffer as large as the receivers'. */
    public static final String SEND_PARAMS = "|so-sndbuf=4m";
    /** Largest data-path message. */
    public static final int MAX_FRAME_LENGTH = 64 * 1024;
    /** Bytes of a DATA_READ entry. */
    public static final int READ_ENTRY_LENGTH = 32;
    public static final int WRITE_HEADER_LENGTH = 56;
    public static final int CHUNK_HEADER_LENGTH = 40;
    /** Length of a DATA_WRITE_END, and of the fixed part of DATA_READ and DATA_DONE. */
    public static final int COUNTED_HEADER_LENGTH = 32;
    /** Bytes per key of a DATA_READ_KEYS: {@link #MAX_KEYED_ENTRIES} of them fit {@link #MAX_FRAME_LENGTH}. */
    public static final int KEY_ENTRY_LENGTH = 40;
    /** Bytes per key of a DATA_KEYS_DONE. */
    public static final int KEYS_DONE_ENTRY_LENGTH = 40;
    /** Most keys one DATA_READ_KEYS carries (the batch limit). */
    public static final int MAX_KEYED_ENTRIES = BlockBatch.MAX_KEYS;
    // DATA_OPEN, DATA_READ, DATA_DONE, DATA_WRITE_END: a u32 (stream id or count), a u32 0, then the rest.
    static final int FIRST_OFFSET = MessageHeader.LENGTH;
    static final int PAD_OFFSET = 28;
    static final int REST_OFFSET = COUNTED_HEADER_LENGTH;
    // Within a DATA_READ entry:
    static final int ENTRY_BLOCK_AT = 0;
    static final int ENTRY_GENERATION_AT = 8;
    static final int ENTRY_REGION_OFFSET_AT = 16;
    static final int ENTRY_LENGTH_AT = 24;
    static final int ENTRY_PAD_AT = 28;
    static final int KEY_CAPACITY_AT = BlockBatch.KEY_BYTES;
    static final int KEY_PAD_AT = KEY_CAPACITY_AT + 4;
    static final int DONE_STATUS_AT = 0;
    static final int DONE_LENGTH_AT = 4;
    static final int DONE_BLOCK_AT = 8;
    static final int DONE_GENERATION_AT = 16;
    static final int DONE_REGION_OFFSET_AT = 24;
    static final int DONE_CHECKSUM_AT = 32;
    static final int DONE_PAD_AT = 36;
    // DATA_WRITE:
    static final int WRITE_BLOCK_OFFSET = MessageHeader.LENGTH;
    static final int WRITE_GENERATION_OFFSET = 32;
    static final int WRITE_REGION_OFFSET_OFFSET = 40;
    static final int WRITE_ENTRY_OFFSET = 48;
    static final int WRITE_LENGTH_OFFSET = 52;
    // DATA_CHUNK:
    static final int CHUNK_ENTRY_OFFSET = MessageHeader.LENGTH;
    static final int CHUNK_LENGTH_OFFSET = 28;
    static final int CHUNK_AT_OFFSET = 32;

    private DataEncoder()
    {
    }

    /**
     * @param lanes the data lanes the manager serves (1 without {@code data-lanes}).
     * @return the term length of the data channels' publications, both ways: {@link #SINGLE_LANE_TERM_LENGTH} for
     *         one lane, else {@link #TERM_LENGTH}. Each side sets it on the publications it creates.
     */
    public static String termLength(final int lanes)
    {
        return lanes > 1 ? TERM_LENGTH : SINGLE_LANE_TERM_LENGTH;
    }

    public static int encodeOpen(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final int streamId,
        final String channel)
    {
        MessageHeader.write(buffer, 0, MessageType.DATA_OPEN, 0, correlationId, sessionId);
        buffer.putInt(FIRST_OFFSET, streamId, MessageHeader.ORDER);
        buffer.putInt(PAD_OFFSET, 0, MessageHeader.ORDER);
        final int length = REST_OFFSET + WireText.put(buffer, REST_OFFSET, channel);
        MessageHeader.frameLength(buffer, 0, length);
        return length;
    }

    /**
     * Writes a DATA_READ header; entries follow with {@link #putReadEntry}.
     *
     * @return the frame length, entries included.
     */
    public static int encodeReadHeader(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final int count)
    {
        return countedHeader(buffer, MessageType.DATA_READ, READ_ENTRY_LENGTH, count, correlationId, sessionId);
    }

    /**
     * @return where a DATA_READ's entry {@code index} starts, from the frame's start.
     */
    static int readEntryAt(final int index)
    {
        return REST_OFFSET + index * READ_ENTRY_LENGTH;
    }

    public static void putReadEntry(
        final MutableDirectBuffer buffer, final int index, final long blockIndex, final long generation,
        final long regionOffset, final int length)
    {
        final int at = readEntryAt(index);
        buffer.putLong(at + ENTRY_BLOCK_AT, blockIndex, MessageHeader.ORDER);
        buffer.putLong(at + ENTRY_GENERATION_AT, generation, MessageHeader.ORDER);
        buffer.putLong(at + ENTRY_REGION_OFFSET_AT, regionOffset, MessageHeader.ORDER);
        buffer.putInt(at + ENTRY_LENGTH_AT, length, MessageHeader.ORDER);
        buffer.putInt(at + ENTRY_PAD_AT, 0, MessageHeader.ORDER);
    }

    /**
     * Writes a DATA_WRITE header for a chunk of {@code length} bytes (the bytes follow at
     * {@link #WRITE_HEADER_LENGTH}).
     */
    public static void encodeWriteHeader(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final long blockIndex,
        final long generation, final long regionOffset, final int entry, final int length)
    {
        MessageHeader.write(buffer, 0, MessageType.DATA_WRITE, WRITE_HEADER_LENGTH + length, correlationId,
            sessionId);
        buffer.putLong(WRITE_BLOCK_OFFSET, blockIndex, MessageHeader.ORDER);
        buffer.putLong(WRITE_GENERATION_OFFSET, generation, MessageHeader.ORDER);
        buffer.putLong(WRITE_REGION_OFFSET_OFFSET, regionOffset, MessageHeader.ORDER);
        buffer.putInt(WRITE_ENTRY_OFFSET, entry, MessageHeader.ORDER);
        buffer.putInt(WRITE_LENGTH_OFFSET, length, MessageHeader.ORDER);
    }

    /**
     * Writes a DATA_CHUNK header for {@code length} bytes (the bytes follow at {@link #CHUNK_HEADER_LENGTH}).
     */
    public static void encodeChunkHeader(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final int entry,
        final int length, final long entryOffset)
    {
        MessageHeader.write(buffer, 0, MessageType.DATA_CHUNK, CHUNK_HEADER_LENGTH + length, correlationId,
            sessionId);
        buffer.putInt(CHUNK_ENTRY_OFFSET, entry, MessageHeader.ORDER);
        buffer.putInt(CHUNK_LENGTH_OFFSET, length, MessageHeader.ORDER);
        buffer.putLong(CHUNK_AT_OFFSET, entryOffset, MessageHeader.ORDER);
    }

    /**
     * @return frame length of a DATA_DONE carrying {@code statuses[0..count)}.
     */
    public static int encodeDone(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final int[] statuses,
        final int count)
    {
        final int length = REST_OFFSET + count * Integer.BYTES;
        MessageHeader.write(buffer, 0, MessageType.DATA_DONE, length, correlationId, sessionId);
        buffer.putInt(FIRST_OFFSET, count, MessageHeader.ORDER);
        buffer.putInt(PAD_OFFSET, 0, MessageHeader.ORDER);
        for (int i = 0; i < count; i++)
        {
            buffer.putInt(REST_OFFSET + i * Integer.BYTES, statuses[i], MessageHeader.ORDER);
        }
        return length;
    }

    /**
     * Writes a DATA_READ_KEYS header; keys follow with {@link #putReadKey}.
     *
     * @return the frame length, keys included.
     */
    public static int encodeReadKeysHeader(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final int count)
    {
        return countedHeader(buffer, MessageType.DATA_READ_KEYS, KEY_ENTRY_LENGTH, count, correlationId, sessionId);
    }

    /**
     * @param keys      array holding the key ({@link BlockBatch#KEY_BYTES} bytes).
     * @param capacity  the most bytes the reader's destination for this key holds.
     */
    public static void putReadKey(
        final MutableDirectBuffer buffer, final int index, final byte[] keys, final int keyOffset, final int capacity)
    {
        final int at = REST_OFFSET + index * KEY_ENTRY_LENGTH;
        buffer.putBytes(at, keys, keyOffset, BlockBatch.KEY_BYTES);
        buffer.putInt(at + KEY_CAPACITY_AT, capacity, MessageHeader.ORDER);
        buffer.putInt(at + KEY_PAD_AT, 0, MessageHeader.ORDER);
    }

    /**
     * Writes a DATA_KEYS_DONE header for {@code count} keys; entries follow with {@link #putKeysDoneEntry}.
     *
     * @return the frame length, entries included.
     */
    public static int encodeKeysDoneHeader(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final int count)
    {
        return countedHeader(buffer, MessageType.DATA_KEYS_DONE, KEYS_DONE_ENTRY_LENGTH, count, correlationId,
            sessionId);
    }

    /**
     * The header of a message of {@code count} entries of {@code entryLength} bytes each, from
     * {@link #REST_OFFSET}.
     *
     * @return the frame length, entries included.
     */
    private static int countedHeader(
        final MutableDirectBuffer buffer, final int templateId, final int entryLength, final int count,
        final long correlationId, final long sessionId)
    {
        final int length = REST_OFFSET + count * entryLength;
        MessageHeader.write(buffer, 0, templateId, length, correlationId, sessionId);
        buffer.putInt(FIRST_OFFSET, count, MessageHeader.ORDER);
        buffer.putInt(PAD_OFFSET, 0, MessageHeader.ORDER);
        return length;
    }

    /**
     * One key's outcome: its status and, where OK, where its bytes live and what they sum to.
     */
    public static void putKeysDoneEntry(
        final MutableDirectBuffer buffer, final int index, final int status, final int length, final long blockIndex,
        final long generation, final long regionOffset, final int checksum)
    {
        final int at = REST_OFFSET + index * KEYS_DONE_ENTRY_LENGTH;
        buffer.putInt(at + DONE_STATUS_AT, status, MessageHeader.ORDER);
        buffer.putInt(at + DONE_LENGTH_AT, length, MessageHeader.ORDER);
        buffer.putLong(at + DONE_BLOCK_AT, blockIndex, MessageHeader.ORDER);
        buffer.putLong(at + DONE_GENERATION_AT, generation, MessageHeader.ORDER);
        buffer.putLong(at + DONE_REGION_OFFSET_AT, regionOffset, MessageHeader.ORDER);
        buffer.putInt(at + DONE_CHECKSUM_AT, checksum, MessageHeader.ORDER);
        buffer.putInt(at + DONE_PAD_AT, 0, MessageHeader.ORDER);
    }

    public static int encodeWriteEnd(
        final MutableDirectBuffer buffer, final long correlationId, final long sessionId, final int count)
    {
        MessageHeader.write(buffer, 0, MessageType.DATA_WRITE_END, COUNTED_HEADER_LENGTH, correlationId, sessionId);
        buffer.putInt(FIRST_OFFSET, count, MessageHeader.ORDER);
        buffer.putInt(PAD_OFFSET, 0, MessageHeader.ORDER);
        return COUNTED_HEADER_LENGTH;
    }
}
