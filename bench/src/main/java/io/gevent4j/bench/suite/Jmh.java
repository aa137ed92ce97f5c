package io.gevent4j.bench.suite;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JMH part of the suite: greenlet switch and queue hand-off against their baselines (bench.Main's set). */
final class Jmh {
    private Jmh() {
    }

    static void run(boolean quick, Map<String, Map<String, Object>> into) throws Exception {
        OptionsBuilder b = new OptionsBuilder();
        if (quick) {
            // the switch benchmarks only, one short iteration each: a smoke figure, not a measurement
            b.include("SwitchBench\\.(greenletParkUnpark|bareSchedulerParkUnpark)")
                    .warmupIterations(1).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(1).measurementTime(TimeValue.seconds(1));
        } else {
            b.include("(SwitchBench|QueueBench)");
        }
        Options opt = b.verbosity(VerboseMode.SILENT).build();
        Map<String, Object> scores = new LinkedHashMap<>();
        for (RunResult r : new Runner(opt).run()) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            scores.put(name + "_ns", Math.round(r.getPrimaryResult().getScore() * 10) / 10.0);
        }
        into.put("jmh", scores);
        RunAll.log("jmh    %s", scores);
    }
}
