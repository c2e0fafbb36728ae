package io.kvpool.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars of long commands (demo, replay, characterize), in one style. {@code -Dkvpool.progress=false} draws
 * none (the test suites set it: a bar redrawn into a log is noise, the results are what the tests read).
 * Stateless and thread-safe.
 */
public final class Progress
{
    /** System property: false draws no progress bars. */
    public static final String PROPERTY = "kvpool.progress";

    private Progress()
    {
    }

    /**
     * @param task what is being done ("replay").
     * @param max  the steps of the whole task.
     * @return a builder for the bar, already styled; add a unit where the steps have one.
     */
    public static ProgressBarBuilder builder(final String task, final long max)
    {
        final ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
            .setStyle(ProgressBarStyle.ASCII).continuousUpdate();
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true")))
        {
            builder.setConsumer(new Silent());
        }
        return builder;
    }

    /**
     * @param task what is being done.
     * @param max  the steps of the whole task.
     * @param unit what a step is (" req").
     * @return the bar, started.
     */
    public static ProgressBar start(final String task, final long max, final String unit)
    {
        return builder(task, max).setUnit(unit, 1).build();
    }

    /** Draws nothing. */
    private static final class Silent implements ProgressBarConsumer
    {
        @Override
        public int getMaxRenderedLength()
        {
            return 80;
        }

        @Override
        public void accept(final String rendered)
        {
        }

        @Override
        public void close()
        {
        }
    }
}
