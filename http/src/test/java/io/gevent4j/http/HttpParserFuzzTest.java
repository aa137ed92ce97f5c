package io.gevent4j.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the request parser and the chunked decoder (Jazzer): every input is one
 * connection's bytes; the parser's verdict on each request must be the {@link Rfc9112Model}'s, no
 * exception but our own parse errors may escape, the parser must not spin at the end of the stream, and
 * it must not allocate more than a bound linear in the input (whatever the declared lengths).
 *
 * <p>In {@code mvn verify} the targets replay the committed corpus under
 * {@code src/test/resources/io/gevent4j/http/HttpParserFuzzTestInputs/<target>/} (regression mode, a
 * few seconds). To fuzz (README, "Fuzzing"):
 * {@code JAZZER_FUZZ=1 mvn -B verify -pl http -am -Dtest=HttpParserFuzzTest#parser -Djazzer.max_duration=10m
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class HttpParserFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void parser(byte[] data) throws IOException {
        FuzzHarness.checkParser(data);
    }

    // ------------------------------------------------------------------ the model against the hand-made table

    static Stream<MalformedRequestTest.Case> tableCases() {
        // the table's server has other limits; its percent-escape cases (path and query) are the handler's
        // (Request.path()/queryParams() answer 400), not framing
        return MalformedRequestTest.cases().stream().filter(c -> !c.name().contains("percent-encoding"));
    }

    /**
     * The model agrees with the hand-checked smuggling table of {@link MalformedRequestTest}, so a
     * disagreement found by fuzzing is the parser's or a case neither table covers.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tableCases")
    void modelAgreesWithTheTable(MalformedRequestTest.Case c) {
        var limits = new Rfc9112Model.Limits(1024, 2048, 1000);
        List<Rfc9112Model.Verdict> v = Rfc9112Model.read(c.request().getBytes(StandardCharsets.ISO_8859_1), limits);
        assertTrue(!v.isEmpty(), c.name());
        if (c.status() == 200) {
            Rfc9112Model.Accepted a = assertInstanceOf(Rfc9112Model.Accepted.class, v.get(0), c.name() + ": " + v.get(0));
            assertTrue(a.keepAlive(), c.name());
        } else {
            Rfc9112Model.Rejected r = assertInstanceOf(Rfc9112Model.Rejected.class, v.get(0), c.name() + ": " + v.get(0));
            assertTrue(r.statuses().contains(c.status()), c.name() + ": " + r);
            assertEquals(1, v.size(), c.name());
        }
    }
}
