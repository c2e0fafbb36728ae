package io.kvpool.protocol.test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures what a test provokes on purpose through {@code java.util.logging} (recovery repairs, Chronicle Map's
 * recovery notice, which reaches it through SLF4J), so that the test asserts on it and the console shows only what
 * nobody expected. While open, the root logger's console handlers are replaced by this capture; close restores them.
 * <p>
 * Not thread-safe to open: one capture at a time in a JVM (Surefire runs a module's test classes one after another).
 * Records may arrive from any thread.
 */
public final class LogCapture implements AutoCloseable
{
    private static final SimpleFormatter FORMATTER = new SimpleFormatter();

    private final Logger root = Logger.getLogger("");
    private final Handler[] saved;
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler handler = new Handler()
    {
        @Override
        public void publish(final LogRecord record)
        {
            synchronized (records)
            {
                records.add(record);
            }
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    };

    private LogCapture()
    {
        saved = root.getHandlers();
        for (final Handler h : saved)
        {
            root.removeHandler(h);
        }
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
    }

    /**
     * @return a capture of everything logged at the root logger's level until {@link #close()}.
     */
    public static LogCapture start()
    {
        return new LogCapture();
    }

    /**
     * @return the formatted messages captured so far, at {@code WARNING} or above, in order.
     */
    public List<String> warnings()
    {
        final List<String> messages = new ArrayList<>();
        synchronized (records)
        {
            for (final LogRecord record : records)
            {
                if (record.getLevel().intValue() >= Level.WARNING.intValue())
                {
                    messages.add(record.getLoggerName() + ": " + format(record));
                }
            }
        }
        return messages;
    }

    /**
     * @param fragment text to look for.
     * @return how many captured warnings contain it.
     */
    public long count(final String fragment)
    {
        return warnings().stream().filter(message -> message.contains(fragment)).count();
    }

    /**
     * Restores the console handlers; captured records stay readable.
     */
    @Override
    public void close()
    {
        root.removeHandler(handler);
        for (final Handler h : saved)
        {
            root.addHandler(h);
        }
    }

    private static String format(final LogRecord record)
    {
        // Chronicle's messages come through SLF4J already formatted; kvpool's may carry parameters.
        return FORMATTER.formatMessage(record);
    }
}
