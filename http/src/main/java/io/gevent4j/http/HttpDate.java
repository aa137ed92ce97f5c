package io.gevent4j.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The {@code Date} header line, formatted once per second (IMF-fixdate, RFC 9110 section 5.6.7). */
final class HttpDate {
    private record Entry(long second, byte[] line, String text) {
    }

    private static volatile Entry current = make(System.currentTimeMillis() / 1000);

    private HttpDate() {
    }

    private static Entry make(long second) {
        String text = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochSecond(second).atOffset(ZoneOffset.UTC));
        // RFC_1123 omits the leading zero of the day: IMF-fixdate wants two digits.
        if (text.charAt(6) == ' ') {
            text = text.substring(0, 5) + "0" + text.substring(5);
        }
        return new Entry(second, ("Date: " + text + "\r\n").getBytes(StandardCharsets.ISO_8859_1), text);
    }

    private static Entry entry() {
        long second = System.currentTimeMillis() / 1000;
        Entry e = current;
        if (e.second != second) {
            e = make(second);
            current = e;
        }
        return e;
    }

    /** {@code "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"} for the current second. */
    static byte[] line() {
        return entry().line;
    }
}
