package flymq.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.StubHttp;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ExpositionTest {

    @Test
    void histogramSamplesBelongToTheirDeclaredFamily() {
        var e = Exposition.parse(StubHttp.scrape(1, 1, 1, 10));
        var family = e.family("flymq_produce_latency_seconds");
        assertEquals("histogram", family.type());
        assertEquals(6, family.samples().size());
    }

    @Test
    void labelValuesMayHoldEscapesCommasAndBraces() {
        var s = Exposition.parseSample("m{a=\"x,y}\",b=\"q\\\"t\"} 2.5 1700000000", 1);
        assertEquals(Map.of("a", "x,y}", "b", "q\"t"), s.labels());
        assertEquals(2.5, s.value());
    }

    @Test
    void specialValuesParse() {
        assertTrue(Double.isNaN(Exposition.parseSample("m NaN", 1).value()));
        assertEquals(Double.POSITIVE_INFINITY, Exposition.parseSample("m +Inf", 1).value());
    }

    @Test
    void aBrokenLineNamesItsNumber() {
        var e = assertThrows(IllegalArgumentException.class, () -> Exposition.parse("# HELP a x\na 1\nb{x=1} 2\n"));
        assertTrue(e.getMessage().startsWith("metrics line 3 unreadable"), e.getMessage());
    }

    @Test
    void quantileInterpolatesInsideTheBucket() {
        var buckets = new TreeMap<Double, Double>(Map.of(0.1, 50.0, 0.2, 100.0, Double.POSITIVE_INFINITY, 100.0));
        assertEquals(0.198, Exposition.quantile(0.99, buckets), 1e-9);
        assertEquals(0.1, Exposition.quantile(0.5, buckets), 1e-9);
    }

    @Test
    void quantileOfAnEmptyHistogramIsNaN() {
        assertTrue(Double.isNaN(Exposition.quantile(0.99, Map.of(Double.POSITIVE_INFINITY, 0.0))));
    }

    @Test
    void counterIsFoundWithOrWithoutTheTotalSuffix() {
        var e = Exposition.parse("# TYPE x counter\nx_total{topic=\"a\"} 3\n");
        assertEquals(3.0, e.counter("x_total").getFirst().value());
        assertEquals(3.0, e.counter("x").getFirst().value());
    }
}
