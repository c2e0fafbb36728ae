package io.kvpool.manager;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.transport.DataLanes;
import io.kvpool.transport.cxl.RegionSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManagerContextTest
{
    @TempDir
    Path directory;

    @Test
    void shouldLoadTheExampleConfiguration()
    {
        final Path example = Path.of(System.getProperty("kvpool.jvm.options")).getParent()
            .resolve("config/manager.example.yaml");
        final ManagerContext context = ManagerContext.fromYaml(example);
        final PoolContext pool = context.conclude().pool();
        assertEquals(new RegionSource.SharedFile(Path.of("/dev/shm/kvpool-region"), 1L << 30, false),
            pool.regionSource());
        assertEquals(64L << 20, pool.slabSizeBytes());
        assertEquals("0.0.0.0:40100", context.endpoint());
        assertEquals(ManagerContext.Threading.SHARED, context.threading());
        assertTrue(context.dataLanesAutomatic());
        assertEquals(DataLanes.forThisHost(), context.dataLanes());
        assertEquals(Duration.ofSeconds(10).toNanos(), pool.pinLeaseNs());
        assertEquals(1, context.namespaces().size());
        assertEquals(new ManagerContext.NamespaceSpec("llama-3-8b", 2L << 20, 1, 0, "llama-token"),
            context.namespaces().getFirst());
    }

    @Test
    void shouldLetFlagsOverrideTheFile() throws IOException
    {
        final Path file = write("region-file: /dev/shm/a\nmetrics-port: 1234\nlease: 3s\n");
        final Map<String, Object> flags = new HashMap<>();
        flags.put("metrics-port", 4321);
        flags.put("lease", "500ms");
        flags.put("endpoint", null);
        final ManagerContext context = ManagerContext.fromYaml(file).override(flags);
        final PoolContext pool = context.conclude().pool();
        assertEquals(4321, context.metricsPort());
        assertEquals(Duration.ofMillis(500).toNanos(), pool.reservationLeaseNs());
        assertEquals(Path.of("/dev/shm/a"), ((RegionSource.SharedFile)pool.regionSource()).path());
    }

    @Test
    void shouldNameTheKeyAndProblemOfBadValues() throws IOException
    {
        assertInvalid("regoin-file: /x\n", "unknown key 'regoin-file'");
        assertInvalid("size: lots\n", "key 'size' has value 'lots'");
        assertInvalid("lease: soon\n", "is not a duration");
        assertInvalid("format: maybe\n", "expected true or false");
        assertInvalid("metrics-port: 70000\n", "metrics-port=70000");
        assertInvalid("endpoint: nowhere\n", "endpoint=nowhere must be host:port, e.g. 0.0.0.0:40100 (port 0 picks one)");
        assertInvalid("control-endpoint: host:tcp\n", "control-endpoint=host:tcp must be host:port, e.g. 0.0.0.0:40200");
        assertInvalid("region: /dev/shm/file\n", "is not a devdax device");
        assertInvalid("namespaces:\n  - name: x\n", "needs at least name and block-size");
        assertInvalid("- just\n- a list\n", "must be a mapping");
        assertInvalid("threading: fast\n", "key 'threading' has value 'fast': expected shared or dedicated");
        assertInvalid("idle: sleep\n", "key 'idle' has value 'sleep': expected backoff, spin or yield");
        assertInvalid("region-file: /dev/shm/x\nidle-park: 2s\n", "idle-park=PT2S must be 1us..1s");
        assertInvalid("region-file: /dev/shm/x\nendpoint: 0.0.0.0:0\ndata-lanes: 0\n", "data-lanes=0 must be 1..17");
        assertInvalid("region-file: /dev/shm/x\nendpoint: 0.0.0.0:0\ndata-lanes: 18\n", "data-lanes=18 must be 1..17");
        assertInvalid("region-file: /dev/shm/x\ndata-lanes: 2\n", "data-lanes=2 needs a UDP endpoint");
        assertInvalid("data-lanes: many\n", "key 'data-lanes' has value 'many': expected a number of lanes or auto");
        assertInvalid("region-file: /dev/shm/x\nendpoint: 0.0.0.0:0\naeron-dir: /dev/shm/d\ndata-lanes: 2\n",
            "needs a UDP endpoint and the embedded media driver");
        final Path absent = directory.resolve("absent.yaml");
        final PoolException missing = assertThrows(PoolException.class, () -> ManagerContext.fromYaml(absent));
        assertEquals("CONFIG_INVALID: cannot read configuration file " + absent + ": no such file",
            missing.getMessage());
    }

    @Test
    void shouldReadTheThreadingMode() throws IOException
    {
        assertEquals(ManagerContext.Threading.SHARED, new ManagerContext().threading());
        assertEquals(ManagerContext.Threading.DEDICATED,
            ManagerContext.fromYaml(write("threading: Dedicated\n")).threading());
        assertEquals(ManagerContext.Threading.SHARED, ManagerContext.fromYaml(write("threading: dedicated\n"))
            .override(Map.of("threading", "shared")).threading());
    }

    @Test
    void shouldReadHowTheDataPathWaits() throws IOException
    {
        assertEquals(AeronIdle.BACKOFF, new ManagerContext().idle());
        assertEquals(AeronIdle.SPIN, ManagerContext.fromYaml(write("threading: dedicated\nidle: Spin\n")).idle());
        assertEquals(AeronIdle.BACKOFF, ManagerContext.fromYaml(write("idle: spin\n"))
            .override(Map.of("idle", "backoff")).idle());
        assertEquals(Duration.ofNanos(ManagerContext.DEFAULT_IDLE_PARK_NS), new ManagerContext().idlePark());
        assertEquals(Duration.ofMillis(5), ManagerContext.fromYaml(write("idle-park: 5ms\n")).idlePark());
        assertTrue(ManagerContext.fromYaml(write("idle-park: 5ms\n")).idleStrategy().toString()
            .contains("maxParkPeriodNs=5000000"));
        assertEquals(1, new ManagerContext().dataLanes(), "no UDP endpoint: one lane, whatever the cores");
        assertTrue(new ManagerContext().dataLanesAutomatic());
        assertEquals(4, ManagerContext.fromYaml(write("data-lanes: 4\n")).dataLanes());
        assertFalse(ManagerContext.fromYaml(write("data-lanes: 4\n")).dataLanesAutomatic());
        final ManagerContext fitted = ManagerContext.fromYaml(write("endpoint: 0.0.0.0:0\ndata-lanes: 4\n"))
            .override(Map.of("data-lanes", "auto"));
        assertTrue(fitted.dataLanesAutomatic());
        assertEquals(DataLanes.forThisHost(), fitted.dataLanes());
        assertEquals(2, fitted.dataLanesAuto(8).dataLanes());
    }

    @Test
    void shouldSetThePoolsOwnValuesOnItsContext() throws IOException
    {
        final ManagerContext context = ManagerContext.fromYaml(write("""
            region-file: /dev/shm/b
            size: 64m
            slab-size: 4m
            min-block-size: 8k
            max-namespaces: 7
            format-if-empty: true
            index-file: /tmp/b.index
            lease: 2s
            pin-lease: 3s
            prefault: false
            group: engines
            """)).conclude();
        final PoolContext pool = context.pool();
        assertEquals(new RegionSource.SharedFile(Path.of("/dev/shm/b"), 64L << 20, false), pool.regionSource());
        assertEquals(4L << 20, pool.slabSizeBytes());
        assertEquals(8L << 10, pool.minBlockSizeBytes());
        assertEquals(7, pool.maxNamespaces());
        assertTrue(pool.geometryGiven());
        assertTrue(pool.formatIfEmpty());
        assertEquals(Path.of("/tmp/b.index"), pool.indexFile());
        assertEquals(Duration.ofSeconds(2).toNanos(), pool.reservationLeaseNs());
        assertEquals(Duration.ofSeconds(3).toNanos(), pool.pinLeaseNs());
        assertEquals(false, pool.prefault());
        assertEquals("engines", pool.fileGroup());
    }

    @Test
    void shouldDefaultTheRegionAndAgreeWithThePoolOnDefaults()
    {
        final PoolContext pool = new ManagerContext().conclude().pool();
        assertEquals(new RegionSource.SharedFile(ManagerContext.DEFAULT_REGION_FILE,
            PoolContext.DEFAULT_REGION_SIZE_BYTES, false), pool.regionSource());
        assertEquals(Path.of(ManagerContext.DEFAULT_REGION_FILE + ".index"), pool.indexFile());
        assertTrue(pool.prefault(), "the manager prefaults by default, as a bare pool context does");
        assertEquals(false, pool.geometryGiven());
        final PoolContext formatting = new ManagerContext().pool(new PoolContext().regionFile(Path.of("/dev/shm/c"))
            .format(true)).conclude().pool();
        assertEquals(new RegionSource.SharedFile(Path.of("/dev/shm/c"), PoolContext.DEFAULT_REGION_SIZE_BYTES, true),
            formatting.regionSource(), "a region being formatted is resized to the size asked");
    }

    @Test
    void shouldNameTheKeyOfBadPoolValues() throws IOException
    {
        assertInvalid("region-file: /dev/shm/x\nsize: 4m\n", "size=4194304 is below the smallest useful region");
        assertInvalid("region-file: /dev/shm/x\nslab-size: 3m\n", "slab-size=3145728 must be a multiple of 2m");
        assertInvalid("region-file: /dev/shm/x\nlease: 0s\n", "lease=0ns pin-lease=10000000000ns must be positive");
        assertInvalid("region: /dev/dax0.1x\n", "region=/dev/dax0.1x is not a devdax device");
        assertInvalid("region: /\n", "region=/ is not a devdax device");
        final PoolException none = assertThrows(PoolException.class, () -> new PoolContext().conclude());
        assertTrue(none.getMessage().contains("no region is set"), none.getMessage());
    }

    private void assertInvalid(final String yaml, final String expected) throws IOException
    {
        final Path file = write(yaml);
        final PoolException ex = assertThrows(PoolException.class, () -> ManagerContext.fromYaml(file).conclude());
        assertEquals(ErrorCode.CONFIG_INVALID, ex.errorCode());
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    private Path write(final String yaml) throws IOException
    {
        final Path file = Files.createTempFile(directory, "manager", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
