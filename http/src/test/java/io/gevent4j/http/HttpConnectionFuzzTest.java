package io.gevent4j.http;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gevent4j.http.Rfc9112Model.Accepted;
import io.gevent4j.http.Rfc9112Model.Either;
import io.gevent4j.http.Rfc9112Model.Incomplete;
import io.gevent4j.http.Rfc9112Model.Rejected;
import io.gevent4j.http.Rfc9112Model.Verdict;
import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.gevent4j.http.FuzzHarness.check;

/**
 * Fuzzing the whole server: each input is written by a real client over loopback to a running
 * {@link HttpServer} (which echoes a digest of each request it handles), then the client half-closes
 * and reads everything until the server closes. The responses must be what {@link Rfc9112Model}
 * prescribes: a 2xx (with the right digest) only for a well-framed request, at most one final
 * response per request, nothing after an error or after a request that ends the connection; no
 * 500, no hang (10 s), no reset before the answers were read, no ERROR logged.
 *
 * <p>Regression mode replays {@code src/test/resources/io/gevent4j/http/HttpConnectionFuzzTestInputs/connection/};
 * fuzzing: {@code JAZZER_FUZZ=1 mvn -B verify -pl http -am -Dtest=HttpConnectionFuzzTest
 * -Djazzer.max_duration=10m -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class HttpConnectionFuzzTest {
    private static ServerRunner runner;
    private static LogCapture logs;

    private static synchronized ServerRunner server() throws Exception {
        if (runner == null) {
            logs = LogCapture.install();
            Rfc9112Model.Limits l = FuzzHarness.LIMITS;
            runner = ServerRunner.start((req, resp) -> {
                byte[] body = req.bodyBytes();
                List<String[]> fields = new ArrayList<>();
                HttpHeaders h = req.headers();
                for (int i = 0; i < h.size(); i++) {
                    fields.add(new String[] {h.nameAt(i), h.valueAt(i)});
                }
                resp.header("X-Echo", FuzzHarness.digest(req.method(), req.target(), req.head().minorVersion(), fields, body));
                resp.send(new byte[0]);
            }, s -> s.maxRequestLine(l.maxRequestLine()).maxHeaderBytes(l.maxHeaderBytes()).maxBodySize(l.maxBody()));
        }
        return runner;
    }

    @AfterAll
    static void stop() throws Exception {
        if (runner != null) {
            runner.close();
            logs.close();
            runner = null;
        }
    }

    @FuzzTest(maxDuration = "2m")
    void connection(byte[] data) throws Exception {
        // Jazzer's SSRF detector flags every connect: this target talks to its own server on loopback only.
        try (SilentCloseable loopbackOnly = BugDetectors.allowNetworkConnections(
                (host, port) -> host.equals("localhost") || host.equals("127.0.0.1"))) {
            exchange(server().port(), data);
        }
    }

    record Resp(int status, Map<String, String> headers) {
    }

    static void exchange(int port, byte[] data) throws IOException {
        byte[] stream = FuzzHarness.stream(data);
        List<Verdict> expected = Rfc9112Model.read(stream, FuzzHarness.LIMITS);
        byte[] got;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(stream);
            s.shutdownOutput();
            try {
                got = s.getInputStream().readAllBytes();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server neither answered nor closed within 10 s; model: " + expected);
            } catch (SocketException e) {
                throw new AssertionError("the server reset the connection before its answers were read ("
                        + e.getMessage() + "); model: " + expected);
            }
        }
        compare(expected, got);
        List<String> errors = logs.errors();
        if (!errors.isEmpty()) {
            logs.clear();
            throw new AssertionError("ERROR logged: " + errors);
        }
    }

    private static void compare(List<Verdict> expected, byte[] got) {
        String text = new String(got, StandardCharsets.ISO_8859_1);
        int[] at = {0};
        String where = "model " + expected + "; server sent " + abbreviate(text);
        for (Verdict v : expected) {
            Resp r = next(got, at, where);
            switch (v) {
                case Accepted a -> {
                    check(r != null, "a well-framed request is answered", where);
                    check(r.status() == 200 && FuzzHarness.digest(a).equals(r.headers().get("x-echo")),
                            "the handler saw the request the model read", where);
                    if (!a.keepAlive()) {
                        check("close".equals(r.headers().get("connection")), "Connection: close announced", where);
                    }
                }
                case Rejected rej -> {
                    check(r != null && rej.statuses().contains(r.status()), "rejected with " + rej.statuses(), where);
                    checkErrorEnds(r, got, at, where);
                    return;
                }
                case Either e -> {
                    check(r != null, "answered", where);
                    if (r.status() == 200) {
                        check(FuzzHarness.digest(e.accepted()).equals(r.headers().get("x-echo")), "the same request", where);
                        return; // the readings part ways after this request
                    }
                    check(e.statuses().contains(r.status()), "accepted or rejected with " + e.statuses(), where);
                    checkErrorEnds(r, got, at, where);
                    return;
                }
                case Incomplete inc -> {
                    if (r != null) {
                        check(inc.statuses().contains(r.status()), "a cut request: nothing or " + inc.statuses(), where);
                        checkErrorEnds(r, got, at, where);
                    }
                    return;
                }
            }
        }
        check(at[0] == got.length, "nothing after the last request the model read", where);
    }

    /** An error response is the last thing on the connection: its body, then the close. */
    private static void checkErrorEnds(Resp r, byte[] got, int[] at, String where) {
        check(r.status() >= 400 && r.status() != 500, "an error status that is not a 500", where);
        check("close".equals(r.headers().get("connection")), "Connection: close on an error", where);
        int length = Integer.parseInt(r.headers().getOrDefault("content-length", "-1"));
        int left = got.length - at[0];
        check(left == 0 || left == length, "nothing after an error (HEAD: no body)", where);
    }

    /** The next final response (interim 1xx skipped), its body consumed for 2xx; null at the end. */
    private static Resp next(byte[] b, int[] at, String where) {
        while (true) {
            if (at[0] >= b.length) {
                return null;
            }
            String head = headAt(b, at, where);
            String[] lines = head.split("\r\n", -1);
            check(lines[0].matches("HTTP/1\\.1 [1-5][0-9][0-9] [^\r\n]*"), "a status line", where);
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                check(c > 0, "a header line", where);
                headers.put(lines[i].substring(0, c).toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
            }
            if (status < 200) {
                check(status == 100, "only 100 Continue as an interim response", where);
                continue;
            }
            check(headers.containsKey("content-length") && !headers.containsKey("transfer-encoding"),
                    "a Content-Length response", where);
            if (status < 300) {
                check(headers.get("content-length").equals("0"), "the echo is empty", where);
            }
            return new Resp(status, headers);
        }
    }

    private static String headAt(byte[] b, int[] at, String where) {
        String s = new String(b, at[0], b.length - at[0], StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        check(end > 0, "a complete response head", where);
        at[0] += end + 4;
        return s.substring(0, end);
    }

    private static String abbreviate(String s) {
        String t = s.length() > 600 ? s.substring(0, 600) + "..." : s;
        return t.replace("\r\n", "\\r\\n");
    }
}
