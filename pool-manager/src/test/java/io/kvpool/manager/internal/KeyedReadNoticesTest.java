package io.kvpool.manager.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyedReadNoticesTest
{
    private record Notice(int namespaceId, long block, long generation)
    {
    }

    @Test
    void shouldHandEveryNoticeOverInOrderFromEveryThread() throws InterruptedException
    {
        final KeyedReadNotices notices = new KeyedReadNotices();
        final Thread[] lanes = new Thread[3];
        for (int lane = 0; lane < lanes.length; lane++)
        {
            final int id = lane + 1;
            lanes[lane] = new Thread(() ->
            {
                for (long i = 0; i < 1000; i++)
                {
                    assertTrue(notices.offer(id, i, i * 10 + id));
                }
            });
            lanes[lane].start();
        }
        for (final Thread lane : lanes)
        {
            lane.join();
        }
        final List<Notice> drained = new ArrayList<>();
        assertEquals(3000, notices.drain((ns, block, generation) -> drained.add(new Notice(ns, block, generation))));
        for (int id = 1; id <= 3; id++)
        {
            final int lane = id;
            final List<Notice> ofLane = drained.stream().filter(n -> n.namespaceId() == lane).toList();
            assertEquals(1000, ofLane.size());
            for (int i = 0; i < 1000; i++)
            {
                assertEquals(new Notice(lane, i, i * 10L + lane), ofLane.get(i), "lane " + lane + "'s order");
            }
        }
        assertEquals(0, notices.drain((ns, block, generation) -> drained.add(null)));
    }

    @Test
    void shouldDropNoticesWhileFullAndTakeThemAgainOnceDrained()
    {
        final KeyedReadNotices notices = new KeyedReadNotices();
        int taken = 0;
        while (notices.offer(1, taken, 1))
        {
            taken++;
        }
        assertEquals(KeyedReadNotices.CAPACITY_NOTICES, taken, "a notice takes 32 bytes of ring");
        assertFalse(notices.offer(1, -1, 0));
        final long[] last = {-2};
        assertEquals(taken, notices.drain((ns, block, generation) -> last[0] = block));
        assertEquals(taken - 1, last[0], "the dropped notice is not among them");
        assertTrue(notices.offer(1, -1, 0));
    }
}
