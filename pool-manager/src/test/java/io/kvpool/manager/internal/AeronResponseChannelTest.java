package io.kvpool.manager.internal;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.kvpool.protocol.FileTrees;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A response meets the end of its publication's term every so often (Aeron then answers ADMIN_ACTION: the term was
 * rotated, offer again). It must still go out at once: queued, it waited for the manager's next flush, and the
 * client waiting on it with it (mapped puts on a two-core host stalled up to 20 ms every few hundred answers).
 */
class AeronResponseChannelTest
{
    private static final int MESSAGES = 12;
    private static final int LENGTH = 1000;
    /** Aeron's frame of one answer: header and payload, aligned to 32 bytes. */
    private static final int FRAME = 1056;

    @Test
    void shouldSendEveryAnswerAtOnceAcrossTermEnds() throws IOException
    {
        final Path directory = Files.createTempDirectory(Path.of("/dev/shm"), "kvpool-response-");
        try (MediaDriver driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                .aeronDirectoryName(directory.resolve("aeron").toString()).threadingMode(ThreadingMode.SHARED)
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            Subscription subscription = aeron.addSubscription("aeron:ipc", 7))
        {
            // The publication starts three frames before its first term's end: the fourth answer meets it. All twelve
            // fit the publication's first window (half a term), so none waits for the driver to move it.
            final int termLength = 64 * 1024;
            final String uri = "aeron:ipc?term-length=64k|sparse=true|init-term-id=7|term-id=7|term-offset=" +
                (termLength - 3 * FRAME);
            final AeronResponseChannel channel = (AeronResponseChannel)AeronResponseChannel.factory(aeron).open(uri, 7);
            final long deadlineNs = System.nanoTime() + 10_000_000_000L;
            // Connected comes first; the driver's conductor sets the publication's limit on a later duty cycle, and
            // until then every offer is back pressured (CI met that race once).
            while ((!channel.isConnected() || channel.availableWindow() < MESSAGES * FRAME) &&
                System.nanoTime() - deadlineNs < 0)
            {
                Thread.onSpinWait();
            }
            assertTrue(channel.isConnected(), "the publication never connected");
            assertTrue(channel.availableWindow() >= MESSAGES * FRAME, "the publication's window never opened");
            final List<Integer> received = new ArrayList<>();
            final List<Integer> terms = new ArrayList<>();
            final UnsafeBuffer message = new UnsafeBuffer(new byte[LENGTH]);
            for (int i = 0; i < MESSAGES; i++)
            {
                message.putInt(0, i);
                message.putInt(LENGTH - 4, ~i);
                channel.send(message, 0, LENGTH);
                assertEquals(0, channel.pending(), "answer " + i + " was queued, not sent");
                while (received.size() <= i && System.nanoTime() - deadlineNs < 0)
                {
                    subscription.poll((buffer, offset, length, header) ->
                    {
                        assertEquals(LENGTH, length);
                        assertEquals(~buffer.getInt(offset), buffer.getInt(offset + LENGTH - 4));
                        received.add(buffer.getInt(offset));
                        terms.add(header.termId());
                    }, 10);
                }
            }
            assertEquals(MESSAGES, received.size());
            for (int i = 0; i < MESSAGES; i++)
            {
                assertEquals(i, received.get(i));
                assertEquals(i < 3 ? 7 : 8, terms.get(i), "answer " + i + "'s term");
            }
            channel.close();
        }
        finally
        {
            FileTrees.delete(directory);
        }
    }
}
