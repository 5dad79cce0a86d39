package flymq.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Views added to telemetry answer the metrics listener's other GET paths; /metrics stays telemetry's. */
class HttpViewTest {
    @TempDir
    Path dataDir;

    @Test
    void aViewAnswersItsPathsAndOthersAre404() throws Exception {
        try (Telemetry t = Telemetry.start(TestConfigs.ephemeral(), MutableState.withOrdersAndBilling(dataDir))) {
            assertEquals(404, Http.get(t.metricsPort(), "/subjects").status());

            t.addView(path -> path.equals("/subjects")
                    ? Optional.of(new HttpView.Answer(200, "application/vnd.schemaregistry.v1+json", "[\"a\"]"))
                    : Optional.empty());
            t.addView(path -> Optional.of(new HttpView.Answer(418, "text/plain", "teapot " + path)));

            Http.Response subjects = Http.get(t.metricsPort(), "/subjects");
            assertEquals(200, subjects.status());
            assertEquals("[\"a\"]", subjects.body());
            assertEquals("teapot /other/path", Http.get(t.metricsPort(), "/other/path").body());
            assertTrue(Http.get(t.metricsPort(), "/metrics").body().contains("flymq_"), "metrics unchanged");
        }
    }
}
