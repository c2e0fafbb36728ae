package io.kvpool.manager.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The manager builds every response channel itself from where the client asked to be answered.
 */
class ResponseChannelsTest
{
    @Test
    void shouldKeepOnlyWhereToAnswerFromTheClientsChannel()
    {
        assertEquals("aeron:ipc?term-length=1m|sparse=true",
            ResponseChannels.managerChannel("aeron:ipc?term-length=256m|sparse=false", true));
        assertEquals("aeron:ipc?term-length=64k|sparse=true",
            ResponseChannels.managerChannel("aeron:ipc?term-length=256m|sparse=false", false));
        assertEquals("aeron:udp?endpoint=10.0.0.7:4001|term-length=1m|sparse=true",
            ResponseChannels.managerChannel("aeron:udp?endpoint=10.0.0.7:4001|term-length=64m|mtu=65504|" +
                "sparse=false|session-id=9", true));
        assertEquals("aeron:udp?endpoint=[::1]:4001|term-length=64k|sparse=true",
            ResponseChannels.managerChannel("aeron:udp?endpoint=[::1]:4001", false));
        assertEquals("10.0.0.7", ResponseChannels.peer("aeron:udp?endpoint=10.0.0.7:4001"));
        assertEquals("ipc", ResponseChannels.peer("aeron:ipc"));
    }

    @Test
    void shouldRefuseChannelsThatNameNoPlaceToAnswer()
    {
        for (final String hostile : new String[]{"aeron:udp?control=127.0.0.1:9|control-mode=dynamic",
            "aeron-spy:aeron:ipc", "aeron:tcp?endpoint=a:1", "not a channel", "aeron:udp?endpoint=a b:1",
            "aeron:udp?endpoint=host", "aeron:ipc?" + "x".repeat(600), ""})
        {
            assertThrows(IllegalArgumentException.class, () -> ResponseChannels.managerChannel(hostile, true),
                hostile);
        }
        assertThrows(IllegalArgumentException.class, () -> ResponseChannels.managerChannel(null, true));
    }
}
