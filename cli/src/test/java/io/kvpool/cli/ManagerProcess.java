package io.kvpool.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pool manager in its own JVM ({@code kvpool manager}), as system tests need it: started on a region file in a
 * scratch directory, with its own embedded media driver, UDP on an ephemeral loopback port and an ephemeral metrics
 * port; stopped with SIGTERM or killed with SIGKILL.
 */
final class ManagerProcess implements AutoCloseable
{
    private static final Pattern UDP = Pattern.compile("UDP (127\\.0\\.0\\.1:\\d+)");
    private static final Pattern METRICS = Pattern.compile("metrics http://[^:]+:(\\d+)/metrics");

    final Path directory;
    final Path log;
    final Process process;
    final String udpEndpoint;
    final int metricsPort;

    private ManagerProcess(
        final Path directory, final Path log, final Process process, final String udpEndpoint, final int metricsPort)
    {
        this.directory = directory;
        this.log = log;
        this.process = process;
        this.udpEndpoint = udpEndpoint;
        this.metricsPort = metricsPort;
    }

    static Path aeronDir(final Path directory)
    {
        return directory.resolve("aeron");
    }

    static Path regionFile(final Path directory)
    {
        return directory.resolve("region");
    }

    /**
     * Starts a manager and waits until it prints "ready".
     *
     * @param extraArgs more options; one named here replaces the default of the same name.
     */
    static ManagerProcess start(final Path directory, final String... extraArgs) throws IOException,
        InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("@" + System.getProperty("kvpool.jvm.options"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(KvPoolCli.class.getName());
        command.add("manager");
        final List<String> extra = List.of(extraArgs);
        final String[][] defaults = {{"--region-file", regionFile(directory).toString()}, {"--size", "64m"},
            {"--slab-size", "2m"}, {"--min-block-size", "4k"}, {"--embedded-aeron-dir", aeronDir(directory).toString()},
            {"--endpoint", "127.0.0.1:0"}, {"--metrics-port", "0"}, {"--admin-token", "admin"}};
        for (final String[] option : defaults)
        {
            // A default the caller gives too is the caller's.
            if (!extra.contains(option[0]))
            {
                command.addAll(List.of(option));
            }
        }
        command.add("--no-prefault");
        command.addAll(extra);
        final Path log = Files.createTempFile(directory, "manager-", ".log");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
            .start();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true)
        {
            final String output = Files.readString(log);
            if (output.contains("\nready"))
            {
                final Matcher udp = UDP.matcher(output);
                final Matcher metrics = METRICS.matcher(output);
                if (!udp.find() || !metrics.find())
                {
                    throw new IllegalStateException("manager did not report its endpoints:\n" + output);
                }
                return new ManagerProcess(directory, log, process, udp.group(1), Integer.parseInt(metrics.group(1)));
            }
            if (!process.isAlive() || System.nanoTime() > deadlineNs)
            {
                process.destroyForcibly();
                throw new IllegalStateException("manager did not start:\n" + output);
            }
            Thread.sleep(20);
        }
    }

    String output() throws IOException
    {
        return Files.readString(log);
    }

    /**
     * @return the exit status after SIGTERM.
     */
    int terminate() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("manager ignored SIGTERM for 30 s");
        }
        return process.exitValue();
    }

    /**
     * @return the exit status after SIGKILL.
     */
    int kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            kill();
        }
    }
}
