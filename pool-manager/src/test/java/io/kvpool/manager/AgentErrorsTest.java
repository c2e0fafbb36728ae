package io.kvpool.manager;

import io.kvpool.manager.internal.ManagerMetrics;
import io.kvpool.protocol.test.LogCapture;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.agrona.ErrorHandler;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An agent's error goes to the log and to {@code kvpool_agent_errors}, with no manager instance needed: a data lane
 * starts before the manager is built, and an error of its in that window once threw a NullPointerException inside
 * the handler.
 */
class AgentErrorsTest
{
    @Test
    void shouldCountAndLogAnErrorBeforeAnyManagerExists() throws IOException
    {
        final ManagerMetrics metrics = new ManagerMetrics();
        final ErrorHandler lane = PoolManager.errorHandler(metrics, "data lane 1");
        final ErrorHandler control = PoolManager.errorHandler(metrics, "manager agent");
        try (LogCapture log = LogCapture.start())
        {
            lane.onError(new IllegalStateException("provoked: a lane's first duty cycle failed"));
            lane.onError(new IllegalStateException("provoked: again"));
            control.onError(new IllegalStateException("provoked: the control agent failed"));
            assertEquals(3, log.count("provoked"), log.warnings().toString());
        }
        assertEquals(3, metrics.agentErrors());
        final ByteArrayOutputStream text = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(text, metrics.registry().scrape());
        final String exposition = text.toString(StandardCharsets.UTF_8);
        assertTrue(exposition.contains("kvpool_agent_errors_total{agent=\"data lane 1\"} 2.0"), exposition);
        assertTrue(exposition.contains("kvpool_agent_errors_total{agent=\"manager agent\"} 1.0"), exposition);
    }
}
