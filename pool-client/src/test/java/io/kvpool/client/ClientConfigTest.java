package io.kvpool.client;

import io.kvpool.protocol.AeronIdle;
import io.kvpool.protocol.transport.TcpPuts;
import io.kvpool.protocol.ErrorCode;
import io.kvpool.protocol.PoolException;
import io.kvpool.protocol.transport.DataLanes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientConfigTest
{
    @TempDir
    Path directory;

    @Test
    void shouldReadWhatDeploymentWrites() throws IOException
    {
        final ClientConfig config = ClientConfig.load(write("""
            # written by Ansible
            manager-endpoint=10.0.0.10:40100
            response-host=10.0.0.21
            aeron-dir=/dev/shm/kvpool-aeron
            transport=aeron
            namespace=llama-3-8b
            block-size=2m
            token=secret
            connect-timeout=20s
            aeron-idle=spin
            data-lanes=3
            tcp-puts=on
            """));
        assertEquals("llama-3-8b", config.namespace());
        assertEquals(2L << 20, config.blockSizeBytes());
        assertEquals("secret", config.token());
        assertEquals("10.0.0.10:40100", config.context().managerEndpoint());
        assertEquals("10.0.0.21", config.context().responseHost());
        assertEquals(Path.of("/dev/shm/kvpool-aeron"), config.context().aeronDirectory());
        assertEquals("aeron", config.context().transport());
        assertEquals(AeronIdle.SPIN, config.context().aeronIdle());
        assertEquals(3, config.context().dataLanes());
        assertEquals(TcpPuts.ON, config.context().tcpPuts());
        assertTrue(config.describe().endsWith("\ndata lanes: at most 3\ntcp puts: on"), config.describe());
        assertEquals(Duration.ofSeconds(20), config.context().managerClientContext("x", "").connectTimeout());
        assertTrue(config.describe().contains("manager: UDP 10.0.0.10:40100 (responses to 10.0.0.21)"),
            config.describe());
        assertTrue(config.describe().contains("token: set") && !config.describe().contains("secret"));
    }

    @Test
    void shouldTakeAutoAsTheBestPathAndNoEndpointAsThisHost() throws IOException
    {
        final ClientConfig config = ClientConfig.load(write("namespace=a\nblock-size=64k\ntransport=auto\n"));
        assertNull(config.context().transport());
        assertNull(config.context().managerEndpoint());
        assertEquals("", config.token());
        assertEquals(AeronIdle.BACKOFF, config.context().aeronIdle());
        assertTrue(config.describe().contains("\naeron idle: backoff\n"), config.describe());
        assertTrue(config.context().dataLanesAutomatic());
        assertTrue(config.describe().endsWith("\ndata lanes: at most " + DataLanes.forThisHost() +
            " (auto: this host's cores)\ntcp puts: auto"), config.describe());
        assertEquals(1, ClientConfig.load(write("namespace=a\nblock-size=64k\ndata-lanes=1\n")).context()
            .dataLanes());
        assertTrue(ClientConfig.load(write("namespace=a\nblock-size=64k\ndata-lanes=2\ndata-lanes=auto\n"))
            .context().dataLanesAutomatic(), "the last value of a key wins, as Properties reads them");
    }

    @Test
    void shouldNameTheFileAndKeyOfEveryProblem() throws IOException
    {
        assertProblem("namespace=a\nblock-size=64k\nmanger-endpoint=x:1\n", "unknown keys [manger-endpoint]");
        assertProblem("namespace=a\nblock-size=lots\n", "key 'block-size'");
        assertProblem("block-size=64k\n", "key 'block-size': is required");
        assertProblem("namespace=a\nblock-size=64k\nconnect-timeout=soon\n", "key 'connect-timeout': 'soon' is " +
            "not a duration");
        assertProblem("namespace=a\nblock-size=64k\nverify-checksums=yes\n", "expected true or false");
        assertProblem("namespace=a\nblock-size=64k\naeron-idle=nap\n",
            "key 'aeron-idle': expected backoff, spin or yield");
        assertProblem("namespace=a\nblock-size=64k\ndata-lanes=all\n", "key 'data-lanes': expected a number of " +
            "lanes or auto");
        assertProblem("namespace=a\nblock-size=64k\ndata-lanes=0\n", "key 'data-lanes': dataLanes=0 must be 1..17");
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> ClientConfig.load(directory.resolve("absent.properties")));
        assertEquals("cannot read client configuration " + directory.resolve("absent.properties") +
            ": no such file", missing.getMessage());
    }

    @Test
    void shouldRefuseABadPoolContextBeforeConnecting()
    {
        final PoolException endpoint = assertThrows(PoolException.class,
            () -> KvPool.connect(new KvPoolContext().managerEndpoint("no-port-here")));
        assertEquals(ErrorCode.CONFIG_INVALID, endpoint.errorCode());
        assertTrue(endpoint.getMessage().contains("managerEndpoint=no-port-here must be host:port"),
            endpoint.getMessage());
        final PoolException timeouts = assertThrows(PoolException.class, () -> KvPool.connect(new KvPoolContext()
            .requestTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(5))));
        assertTrue(timeouts.getMessage().contains("at most connectTimeout"), timeouts.getMessage());
        final PoolException transport = assertThrows(PoolException.class,
            () -> KvPool.connect(new KvPoolContext().transport(" ")));
        assertTrue(transport.getMessage().contains("transport is blank"), transport.getMessage());
    }

    private void assertProblem(final String text, final String expected) throws IOException
    {
        final Path file = write(text);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> ClientConfig.load(file));
        assertTrue(ex.getMessage().startsWith(file.toString()) && ex.getMessage().contains(expected), ex.getMessage());
    }

    private Path write(final String text) throws IOException
    {
        final Path file = Files.createTempFile(directory, "client", ".properties");
        Files.writeString(file, text);
        return file;
    }
}
