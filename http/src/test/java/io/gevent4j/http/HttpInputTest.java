package io.gevent4j.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The head parser and body framing, fed in one piece and one byte at a time. */
class HttpInputTest {

    private static InputStream bytes(String s, boolean trickle) {
        InputStream in = new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
        if (!trickle) {
            return in;
        }
        return new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(1, len));
            }
        };
    }

    private static HttpInput input(String s, boolean trickle) {
        return new HttpInput(bytes(s, trickle), 100, 400);
    }

    @Test
    void parsesPipelinedRequestsWithBodies() throws IOException {
        for (boolean trickle : new boolean[] {false, true}) {
            HttpInput in = input("\r\nPOST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-A: 1\r\nx-a:  2 \r\n\r\nhello"
                    + "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3;name=\"v\\\"q\"\r\nabc\r\n2\r\nde\r\n0\r\nTrailer-X: t\r\n\r\n"
                    + "GET / HTTP/1.0\r\n\r\n", trickle);
            RequestHead a = in.readHead();
            assertEquals("POST", a.method());
            assertEquals("/a?x=1", a.target());
            assertEquals(1, a.minorVersion());
            assertEquals(java.util.List.of("1", "2"), a.headers().getAll("X-A"));
            BodyInputStream body = new BodyInputStream(in, a, 1000);
            assertEquals("hello", new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
            RequestHead b = in.readHead();
            assertTrue(b.chunked());
            BodyInputStream chunks = new BodyInputStream(in, b, 1000);
            assertEquals("abcde", new String(chunks.readAllBytes(), StandardCharsets.ISO_8859_1));
            assertEquals("t", b.headers().get("trailer-x"));
            RequestHead c = in.readHead();
            assertEquals(0, c.minorVersion());
            assertNull(in.readHead());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no host                | GET / HTTP/1.1\\r\\n\\r\\n                                                  | 400",
        "two hosts              | GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n                          | 400",
        "CL and TE              | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
        "two CL                 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1\\r\\nContent-Length: 1\\r\\n\\r\\n | 400",
        "CL list                | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 1, 1\\r\\n\\r\\n          | 400",
        "CL sign                | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: +1\\r\\n\\r\\n            | 400",
        "TE not final chunked   | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n | 400",
        "TE gzip chunked        | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n | 501",
        "TE twice chunked       | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
        "TE in 1.0              | POST / HTTP/1.0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n                | 400",
        "space before colon     | GET / HTTP/1.1\\r\\nHost : a\\r\\n\\r\\n                                   | 400",
        "obs-fold               | GET / HTTP/1.1\\r\\nHost: a\\r\\nX: 1\\r\\n 2\\r\\n\\r\\n                     | 400",
        "bare LF                | GET / HTTP/1.1\\nHost: a\\n\\n                                         | 400",
        "ctl in value           | GET / HTTP/1.1\\r\\nHost: a\\r\\nX: a\\u0001b\\r\\n\\r\\n                   | 400",
        "ctl in target          | GET /a\\u0001 HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n                             | 400",
        "version 2.0            | GET / HTTP/2.0\\r\\nHost: a\\r\\n\\r\\n                                     | 505",
        "version garbage        | GET / HTTQ/1.1\\r\\nHost: a\\r\\n\\r\\n                                     | 400",
        "two spaces             | GET  / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n                                    | 400",
        "long request line      | GET /" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n | 414",
    })
    void rejects(String name, String request, int status) {
        for (boolean trickle : new boolean[] {false, true}) {
            HttpInput in = input(request.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0001", "\u0001"), trickle);
            HttpStatusException e = assertThrows(HttpStatusException.class, in::readHead, name);
            assertEquals(status, e.status(), name + ": " + e.getMessage());
        }
    }

    @Test
    void tooManyHeaderBytesIs431() {
        String req = "GET / HTTP/1.1\r\nHost: a\r\n" + "X-Long: " + "v".repeat(500) + "\r\n\r\n";
        assertEquals(431, assertThrows(HttpStatusException.class, () -> input(req, false).readHead()).status());
    }

    @Test
    void bodyOverTheLimitIs413() throws IOException {
        HttpInput in = input("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n", false);
        RequestHead h = in.readHead();
        assertEquals(413, assertThrows(HttpStatusException.class, () -> new BodyInputStream(in, h, 1000)).status());
        HttpInput in2 = input("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n", false);
        RequestHead h2 = in2.readHead();
        BodyInputStream b = new BodyInputStream(in2, h2, 1000);
        assertEquals(413, assertThrows(HttpStatusException.class, b::readAllBytes).status());
    }

    /** Found by fuzzing: a body cut after a CR (or right after chunk data) was diagnosed as a bad chunk (400). */
    @Test
    void chunkedBodyCutAtACrlfIsAnEarlyClose() throws IOException {
        for (String cut : new String[] {"5\r", "5\r\nhello", "5\r\nhello\r", "0\r\nX-T: 1\r", "0\r"}) {
            for (boolean trickle : new boolean[] {false, true}) {
                HttpInput in = input("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + cut, trickle);
                BodyInputStream b = new BodyInputStream(in, in.readHead(), 1 << 20);
                assertThrows(java.io.EOFException.class, b::readAllBytes, cut);
            }
        }
    }

    @Test
    void badChunksAre400() throws IOException {
        for (String chunk : new String[] {"zz\r\n", "5 \r\n", "-1\r\n", "1;=x\r\n", "1;a=\"x\r\n", "ffffffffffffffff\r\n", "1\r\nab\r\n"}) {
            HttpInput in = input("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + "0\r\n\r\n", false);
            RequestHead h = in.readHead();
            BodyInputStream b = new BodyInputStream(in, h, 1 << 20);
            assertEquals(400, assertThrows(HttpStatusException.class, b::readAllBytes, chunk).status(), chunk);
        }
    }
}
