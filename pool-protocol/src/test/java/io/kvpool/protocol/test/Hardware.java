package io.kvpool.protocol.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Hardware a test may need, and how to find it. Each probe answers the resource to use, or a reason it is absent.
 */
public enum Hardware
{
    /**
     * A devdax device the test may overwrite: named by the environment variable {@code KVPOOL_DEVDAX}
     * (e.g. /dev/dax0.0). Never picked on its own: a test run must not destroy a device nobody offered.
     */
    DEVDAX
    {
        @Override
        public Probe probe()
        {
            final String device = System.getenv("KVPOOL_DEVDAX");
            if (device == null || device.isBlank())
            {
                final List<String> present = list(Path.of("/dev"), "dax");
                return Probe.absent("no devdax device offered: set KVPOOL_DEVDAX=/dev/daxX.Y to a device the " +
                    "tests may overwrite (present here: " + (present.isEmpty() ? "none" : present) + ")");
            }
            return Files.exists(Path.of(device)) ? Probe.present(Path.of(device)) :
                Probe.absent("KVPOOL_DEVDAX=" + device + " does not exist");
        }
    },
    /**
     * A hugetlbfs mount with free huge pages: {@code KVPOOL_HUGETLBFS_DIR}, else the first hugetlbfs mount.
     */
    HUGETLBFS
    {
        @Override
        public Probe probe()
        {
            final String configured = System.getenv("KVPOOL_HUGETLBFS_DIR");
            Path mount = configured == null || configured.isBlank() ? null : Path.of(configured);
            if (mount == null)
            {
                try (Stream<String> lines = Files.lines(Path.of("/proc/self/mounts")))
                {
                    mount = lines.map(line -> line.split(" ")).filter(f -> f.length > 2 && "hugetlbfs".equals(f[2]))
                        .map(f -> Path.of(f[1])).findFirst().orElse(null);
                }
                catch (final IOException ex)
                {
                    return Probe.absent("cannot read /proc/self/mounts: " + ex);
                }
            }
            if (mount == null)
            {
                return Probe.absent("no hugetlbfs mount (as root: echo 64 > /proc/sys/vm/nr_hugepages; " +
                    "mount -t hugetlbfs none DIR; or set KVPOOL_HUGETLBFS_DIR)");
            }
            final long free = freeHugePages();
            return free >= 8 ? Probe.present(mount) :
                Probe.absent("hugetlbfs at " + mount + " but only " + free + " free huge pages (need 8)");
        }
    },
    /**
     * An RDMA device: an entry under {@code /sys/class/infiniband}.
     */
    RDMA
    {
        @Override
        public Probe probe()
        {
            final List<String> devices = list(Path.of("/sys/class/infiniband"), "");
            return devices.isEmpty() ?
                Probe.absent("no RDMA device: /sys/class/infiniband is empty or missing (load rdma_rxe and add a " +
                    "Soft-RoCE link, or run on RDMA hardware)") :
                Probe.present(Path.of("/sys/class/infiniband", devices.getFirst()));
        }
    },
    /**
     * An NVIDIA GPU: {@code /dev/nvidia0} and the driver's {@code libcuda}.
     */
    GPU
    {
        @Override
        public Probe probe()
        {
            return Files.exists(Path.of("/dev/nvidia0")) ? Probe.present(Path.of("/dev/nvidia0")) :
                Probe.absent("no NVIDIA GPU: /dev/nvidia0 does not exist (GPU tests run on the GPU machine: " +
                    "./kvpool bench gpu)");
        }
    };

    /**
     * @return the resource or the reason it is absent.
     */
    public abstract Probe probe();

    /**
     * Outcome of a probe.
     *
     * @param resource what to use, when present.
     * @param reason   why it is absent, when absent.
     */
    public record Probe(Optional<Path> resource, String reason)
    {
        static Probe present(final Path resource)
        {
            return new Probe(Optional.of(resource), "");
        }

        static Probe absent(final String reason)
        {
            return new Probe(Optional.empty(), reason);
        }

        public boolean isPresent()
        {
            return resource.isPresent();
        }
    }

    private static List<String> list(final Path directory, final String prefix)
    {
        try (Stream<Path> entries = Files.list(directory))
        {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    private static long freeHugePages()
    {
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo")))
        {
            return lines.filter(l -> l.startsWith("HugePages_Free:")).map(l -> l.replaceAll("\\D", ""))
                .mapToLong(Long::parseLong).findFirst().orElse(0);
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }
}
