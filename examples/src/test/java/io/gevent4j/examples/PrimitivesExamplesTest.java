package io.gevent4j.examples;

import io.gevent4j.examples.primitives.Crawler;
import io.gevent4j.examples.primitives.ProducerConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class PrimitivesExamplesTest {
    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void producerConsumerProcessesEveryTaskOnceInOrder() {
        List<String> done = ProducerConsumer.run(NOWHERE, 50, 3);
        assertEquals(IntStream.rangeClosed(1, 50).mapToObj(i -> "task-" + i).toList(), done);
    }

    @Test
    void crawlerReturnsEveryResultAndNeverExceedsThePool() {
        Crawler.Summary s = Crawler.run(NOWHERE, 1_000, 50);
        assertEquals(1_000, s.results());
        assertTrue(s.maxConcurrent() <= 50, "ran " + s.maxConcurrent() + " at once");
        assertTrue(s.maxConcurrent() > 1, "never overlapped");
    }
}
