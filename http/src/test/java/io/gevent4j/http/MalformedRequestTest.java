package io.gevent4j.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request-smuggling and limits table: each request is written as raw bytes over a real socket to
 * a running server; the status line must match, and the connection must be closed after an error.
 * For accepted requests a second request follows on the same connection, which proves the first
 * one's framing was read exactly (no leftover body bytes taken for a request, nothing swallowed).
 */
class MalformedRequestTest {
    static ServerRunner runner;

    record Case(String name, String request, int status, boolean keepsConnection, String bodyContains) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String H = "Host: a\r\n";
    private static final String NEXT = "GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

    static Case ok(String name, String request, String bodyContains) {
        return new Case(name, request, 200, true, bodyContains);
    }

    static Case bad(String name, String request, int status) {
        return new Case(name, request, status, false, null);
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // ---- accepted, edge cases: the follow-up request must be answered too
        c.add(ok("plain GET", "GET /x HTTP/1.1\r\n" + H + "\r\n", "GET /x 0:"));
        c.add(ok("HTTP/1.0 with keep-alive", "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET /x"));
        c.add(ok("empty lines before the request line", "\r\n\r\nGET /x HTTP/1.1\r\n" + H + "\r\n", "GET /x"));
        c.add(ok("empty line after the request", "GET /x HTTP/1.1\r\n" + H + "\r\n\r\n", "GET /x"));
        c.add(ok("Content-Length body", "POST /p HTTP/1.1\r\n" + H + "Content-Length: 5\r\n\r\nhello", "POST /p 5:hello"));
        c.add(ok("Content-Length zero", "POST /p HTTP/1.1\r\n" + H + "Content-Length: 0\r\n\r\n", "POST /p 0:"));
        c.add(ok("chunked body", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                "POST /c 11:hello world"));
        c.add(ok("chunked, coding name in capitals", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "3:abc"));
        c.add(ok("chunk extensions", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3;a=b;c=\"d;e\"\r\nabc\r\n0;z\r\n\r\n", "3:abc"));
        c.add(ok("chunked with a trailer", "POST /t HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 42\r\n\r\n", "trailer=42"));
        c.add(ok("upper-case hex chunk size", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", "10:0123456789"));
        c.add(ok("IPv6 literal Host with a port", "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "GET /x"));
        c.add(ok("Host with sub-delims and a percent-escape", "GET /x HTTP/1.1\r\nHost: a-b.c_d~%41!$&'()*+,;=:80\r\n\r\n", "GET /x"));
        c.add(ok("empty Host", "GET /x HTTP/1.1\r\nHost:\r\n\r\n", "GET /x"));
        c.add(ok("lower-case header names, padded values", "GET /x HTTP/1.1\r\nhost:   a \t\r\n\r\n", "GET /x"));
        c.add(ok("absolute-form target", "GET http://a/abs?q=1 HTTP/1.1\r\n" + H + "\r\n", "path=/abs"));
        c.add(ok("asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\n" + H + "\r\n", "OPTIONS *"));
        c.add(ok("percent-encoded path", "GET /a%20b HTTP/1.1\r\n" + H + "\r\n", "path=/a b"));
        c.add(ok("query parameters", "GET /q?x=1&y=a+b&x=2 HTTP/1.1\r\n" + H + "\r\n", "x=[1, 2] y=[a b]"));
        c.add(ok("Expect 100-continue, body read", "POST /p HTTP/1.1\r\n" + H + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok", "2:ok"));
        c.add(ok("unknown method token", "PURGE /x HTTP/1.1\r\n" + H + "\r\n", "PURGE /x"));
        c.add(ok("body the handler does not read is skipped", "POST /ignore HTTP/1.1\r\n" + H + "Content-Length: 7\r\n\r\nignored", "ignored body"));
        // ---- smuggling vectors: 400 and close
        c.add(bad("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(bad("Transfer-Encoding with Content-Length", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400));
        c.add(bad("duplicate equal Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400));
        c.add(bad("conflicting Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400));
        c.add(bad("Content-Length list", "POST / HTTP/1.1\r\n" + H + "Content-Length: 3, 3\r\n\r\nabc", 400));
        c.add(bad("non-numeric Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: abc\r\n\r\n", 400));
        c.add(bad("negative Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n", 400));
        c.add(bad("Content-Length with plus sign", "POST / HTTP/1.1\r\n" + H + "Content-Length: +3\r\n\r\nabc", 400));
        c.add(bad("empty Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length:\r\n\r\n", 400));
        c.add(bad("Transfer-Encoding not ending in chunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400));
        c.add(bad("Transfer-Encoding identity", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: identity\r\n\r\n", 400));
        c.add(bad("chunked twice", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(bad("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(bad("unsupported coding before chunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501));
        c.add(bad("invalid chunk size", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400));
        c.add(bad("chunk size with leading space", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n", 400));
        c.add(bad("negative chunk size", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n", 400));
        c.add(bad("chunk size overflowing", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n10000000000000003\r\nabc\r\n0\r\n\r\n", 400));
        c.add(bad("chunk extension without a name", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3;=x\r\nabc\r\n0\r\n\r\n", 400));
        c.add(bad("chunk data longer than its size", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400));
        c.add(bad("control character in a trailer value", "POST /t HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: \u000b\r\n\r\n", 400));
        c.add(bad("chunk size line with bare LF", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400));
        c.add(bad("obs-fold", "GET / HTTP/1.1\r\n" + H + "X-A: 1\r\n 2\r\n\r\n", 400));
        c.add(bad("whitespace before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400));
        c.add(bad("tab before the colon", "GET / HTTP/1.1\r\n" + H + "X-A\t: 1\r\n\r\n", 400));
        c.add(bad("control character in a value", "GET / HTTP/1.1\r\n" + H + "X-A: a\u0001b\r\n\r\n", 400));
        c.add(bad("DEL in a value", "GET / HTTP/1.1\r\n" + H + "X-A: a\u007fb\r\n\r\n", 400));
        c.add(bad("NUL in a value", "GET / HTTP/1.1\r\n" + H + "X-A: a\u0000b\r\n\r\n", 400));
        c.add(bad("control character in a name", "GET / HTTP/1.1\r\n" + H + "X\u0001A: 1\r\n\r\n", 400));
        c.add(bad("empty header name", "GET / HTTP/1.1\r\n" + H + ": 1\r\n\r\n", 400));
        c.add(bad("header line without a colon", "GET / HTTP/1.1\r\n" + H + "NoColon\r\n\r\n", 400));
        c.add(bad("bare LF line endings", "GET / HTTP/1.1\n" + "Host: a\n\n", 400));
        c.add(bad("bare LF in the header section", "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400));
        // ---- request line
        c.add(bad("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400));
        c.add(bad("two Host fields", "GET / HTTP/1.1\r\n" + H + H + "\r\n", 400));
        // found by fuzzing: the Host value was not checked (RFC 9112 section 3.2 requires a 400)
        c.add(bad("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400));
        c.add(bad("Host with userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400));
        c.add(bad("Host with a second header in it", "GET / HTTP/1.1\r\nHost: aransfer-Encoding: chunked\r\n\r\n", 400));
        c.add(bad("Host with a bad port", "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400));
        c.add(bad("Host with a bad percent-escape", "GET / HTTP/1.1\r\nHost: a%g1\r\n\r\n", 400));
        c.add(bad("HTTP/2.0", "GET / HTTP/2.0\r\n" + H + "\r\n", 505));
        c.add(bad("HTTP/1.2", "GET / HTTP/1.2\r\n" + H + "\r\n", 505));
        c.add(bad("lower-case protocol name", "GET / http/1.1\r\n" + H + "\r\n", 400));
        c.add(bad("HTTP/0.9 style request", "GET /\r\n\r\n", 400));
        c.add(bad("invalid character in method", "G@T / HTTP/1.1\r\n" + H + "\r\n", 400));
        c.add(bad("two spaces after the method", "GET  / HTTP/1.1\r\n" + H + "\r\n", 400));
        c.add(bad("space inside the target", "GET /a b HTTP/1.1\r\n" + H + "\r\n", 400));
        c.add(bad("NUL in the target", "GET /a\u0000b HTTP/1.1\r\n" + H + "\r\n", 400));
        c.add(bad("bad percent-encoding in the query", "GET /q?x=%zz HTTP/1.1\r\n" + H + "\r\n", 400));
        c.add(bad("bad percent-encoding in the path", "GET /%zz HTTP/1.1\r\n" + H + "\r\n", 400));
        c.add(bad("TLS ClientHello on the plain port", "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000", 400));
        // ---- limits
        c.add(bad("request line too long", "GET /" + "a".repeat(2000) + " HTTP/1.1\r\n" + H + "\r\n", 414));
        c.add(bad("header section too large", "GET / HTTP/1.1\r\n" + H + "X-Big: " + "b".repeat(3000) + "\r\n\r\n", 431));
        c.add(bad("too many small headers", "GET / HTTP/1.1\r\n" + H + "X-A: 1234567890\r\n".repeat(200) + "\r\n", 431));
        c.add(bad("Content-Length above the maximum", "POST / HTTP/1.1\r\n" + H + "Content-Length: 100000\r\n\r\n", 413));
        c.add(bad("chunked body above the maximum", "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n7D0\r\n" + "x".repeat(2000) + "\r\n0\r\n\r\n", 413));
        c.add(bad("unknown expectation", "POST / HTTP/1.1\r\n" + H + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417));
        return c;
    }

    @BeforeAll
    static void startServer() throws Exception {
        runner = ServerRunner.start((req, resp) -> {
            StringBuilder b = new StringBuilder(req.method()).append(' ').append(req.target()).append(' ');
            if (req.path().equals("/ignore")) {
                resp.send("ignored body");
                return;
            }
            byte[] body = req.bodyBytes();
            b.append(body.length).append(':').append(new String(body, java.nio.charset.StandardCharsets.ISO_8859_1));
            b.append(" path=").append(req.path());
            if (req.query() != null) {
                req.queryParams().forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            }
            if (req.header("X-Sum") != null) {
                b.append(" trailer=").append(req.header("X-Sum"));
            }
            resp.send(b.toString());
        }, s -> s.maxRequestLine(1024).maxHeaderBytes(2048).maxBodySize(1000));
    }

    @AfterAll
    static void stopServer() throws Exception {
        runner.close();
    }

    @Test
    void theTableHasAtLeastFortyCases() {
        assertTrue(cases().size() >= 40, "cases: " + cases().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersAndClosesAsSpecified(Case c) throws Exception {
        try (RawClient client = new RawClient(runner.port())) {
            client.send(c.keepsConnection() ? c.request() + NEXT : c.request());
            RawClient.Resp r = client.read();
            assertEquals(c.status(), r.status(), () -> c.name() + ": " + r.statusLine() + " " + r.body());
            if (c.keepsConnection()) {
                assertTrue(r.body().contains(c.bodyContains()), () -> c.name() + ": body " + r.body());
                RawClient.Resp next = client.read();
                assertEquals(200, next.status(), c.name() + ": second request on the same connection");
                assertTrue(next.body().startsWith("GET /next "), next.body());
            } else {
                assertEquals("close", r.header("Connection"), c.name() + ": error responses announce the close");
                assertTrue(!r.body().contains("Exception") && !r.body().contains("\tat "), r.body());
            }
            assertTrue(client.closedByServer(), c.name() + ": connection closed by the server");
        }
    }
}
