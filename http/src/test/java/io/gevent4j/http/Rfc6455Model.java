package io.gevent4j.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A strict reading of RFC 6455 section 5 (framing) and 7.4 (close codes), written from the RFC for the
 * fuzz targets, independent of {@link WebSocket}: what an endpoint must make of the bytes its peer
 * sent on an established connection, then the end of the stream.
 *
 * <p>Where the RFC leaves the moment of failure open, the {@link Ending} lists every acceptable
 * outcome: a frame both broken and cut may fail at once or end as cut; an invalid UTF-8 prefix in a
 * fragmented text message may fail (1007) as soon as it is seen or when the message is complete; a
 * frame that breaks two rules may be failed for either. Non-minimal length encodings are accepted (the
 * RFC asks senders for minimal ones and does not ask receivers to refuse others).
 */
final class Rfc6455Model {
    /** Valid close codes a peer may send (RFC 6455 section 7.4 and the IANA registry: 1012-1014). */
    static boolean validCloseCode(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    /** One whole message. */
    record Msg(boolean text, byte[] payload) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Msg m && m.text == text && Arrays.equals(m.payload, payload);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload) * 31 + (text ? 1 : 0);
        }

        @Override
        public String toString() {
            return (text ? "text " : "binary ") + payload.length;
        }
    }

    /** How the connection ends. */
    enum Kind {
        /** The peer's valid close frame: {@link Ending#code()} (1005 if none) and reason. */
        CLOSED,
        /** A protocol failure, with one of {@link Ending#failCodes()}. */
        FAILED,
        /** The stream ended without a close frame. */
        DROPPED
    }

    /**
     * The expected end: {@code kind} is the reading that takes every frame as far as it goes; a failure
     * with one of {@code failCodes} (beside a FAILED kind's own) or, when {@code dropOk}, a drop are
     * acceptable too.
     */
    record Ending(Kind kind, int code, String reason, Set<Integer> failCodes, boolean dropOk) {
        @Override
        public String toString() {
            return kind + (kind == Kind.CLOSED ? " " + code + " '" + reason + "'" : "") + " fail" + failCodes
                    + (dropOk ? " or drop" : "");
        }
    }

    /** Everything a receiver makes of a stream: the messages, the pings to answer, the end. */
    record Reading(List<Msg> messages, List<byte[]> pings, Ending ending) {
    }

    private final byte[] b;
    private final boolean peerMasks;
    private final int maxMessage;
    private int pos;
    private final List<Msg> messages = new ArrayList<>();
    private final List<byte[]> pings = new ArrayList<>();
    /** Opcode of the message being reassembled (1 text, 2 binary), 0 between messages. */
    private int msgOp;
    private byte[] msg = new byte[0];
    /** Failure codes a receiver may already have reported (1007 once a text prefix is invalid). */
    private final Set<Integer> early = new HashSet<>();

    private Rfc6455Model(byte[] b, boolean peerMasks, int maxMessage) {
        this.b = b;
        this.peerMasks = peerMasks;
        this.maxMessage = maxMessage;
    }

    /**
     * Reads {@code stream} as the peer's frames.
     *
     * @param peerMasks true on the server side (client frames must be masked), false on the client side
     * @param maxMessage the largest message accepted (larger: 1009)
     */
    static Reading read(byte[] stream, boolean peerMasks, int maxMessage) {
        Rfc6455Model m = new Rfc6455Model(stream, peerMasks, maxMessage);
        Ending e = m.run();
        return new Reading(m.messages, m.pings, e);
    }

    private Ending cut(Set<Integer> visible) {
        Set<Integer> codes = new HashSet<>(visible);
        codes.addAll(early);
        return new Ending(Kind.DROPPED, 1006, null, codes, true);
    }

    private Ending fail(Set<Integer> codes) {
        Set<Integer> all = new HashSet<>(codes);
        all.addAll(early);
        return new Ending(Kind.FAILED, 0, null, all, false);
    }

    private Ending run() {
        while (true) {
            int start = pos;
            if (start == b.length) {
                return cut(Set.of());
            }
            // what the header says, rule by rule, as far as its bytes are there
            Set<Integer> errors = new HashSet<>();
            int b0 = b[start] & 0xff;
            boolean fin = (b0 & 0x80) != 0;
            int op = b0 & 0x0f;
            boolean control = op >= 8;
            if ((b0 & 0x70) != 0) {
                errors.add(1002); // no extension was negotiated
            }
            if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 && op != 10) {
                errors.add(1002);
            }
            if (control && !fin) {
                errors.add(1002);
            }
            if (op == 0 && msgOp == 0 || (op == 1 || op == 2) && msgOp != 0) {
                errors.add(1002);
            }
            if (start + 1 >= b.length) {
                return cut(errors);
            }
            int b1 = b[start + 1] & 0xff;
            boolean masked = (b1 & 0x80) != 0;
            if (masked != peerMasks) {
                errors.add(1002);
            }
            int len7 = b1 & 0x7f;
            int lengthBytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            int at = start + 2;
            if (at + lengthBytes > b.length) {
                return cut(errors);
            }
            long length = len7;
            if (lengthBytes > 0) {
                if (lengthBytes == 8 && (b[at] & 0x80) != 0) {
                    errors.add(1002); // the most significant bit must be 0
                }
                length = 0;
                for (int i = 0; i < lengthBytes; i++) {
                    length = (length << 8) | (b[at + i] & 0xff);
                }
                at += lengthBytes;
            }
            if (control && (length < 0 || length > 125)) {
                errors.add(1002); // the payload length, however encoded
            }
            boolean data = op == 0 || op == 1 || op == 2;
            if (data && (length < 0 || msg.length + length > maxMessage)) {
                errors.add(1009);
            }
            int maskAt = at;
            if (masked) {
                at += 4;
            }
            if (at > b.length) {
                return cut(errors);
            }
            if (!errors.isEmpty()) {
                return fail(errors);
            }
            // the header is sound: the payload
            int n = (int) length;
            int have = Math.min(n, b.length - at);
            byte[] payload = Arrays.copyOfRange(b, at, at + have);
            if (masked) {
                for (int i = 0; i < have; i++) {
                    payload[i] ^= b[maskAt + (i & 3)];
                }
            }
            if (data && (op == 1 || msgOp == 1)) {
                byte[] soFar = concat(msg, payload);
                if (Utf8.check(soFar, 0, soFar.length) == Utf8.INVALID) {
                    early.add(1007);
                }
            }
            if (have < n) {
                return cut(Set.of());
            }
            pos = at + n;
            if (data) {
                if (op != 0) {
                    msgOp = op;
                }
                msg = concat(msg, payload);
                if (fin) {
                    if (msgOp == 1 && Utf8.check(msg, 0, msg.length) != Utf8.VALID) {
                        return fail(Set.of(1007));
                    }
                    messages.add(new Msg(msgOp == 1, msg));
                    msg = new byte[0];
                    msgOp = 0;
                }
            } else if (op == 9) {
                pings.add(payload);
            } else if (op == 8) {
                return closed(payload);
            }
            // a pong needs nothing
        }
    }

    private Ending closed(byte[] p) {
        if (p.length == 0) {
            return new Ending(Kind.CLOSED, 1005, null, Set.copyOf(early), false);
        }
        if (p.length == 1) {
            return fail(Set.of(1002));
        }
        int code = (p[0] & 0xff) << 8 | (p[1] & 0xff);
        if (!validCloseCode(code)) {
            return fail(Set.of(1002));
        }
        if (Utf8.check(p, 2, p.length) != Utf8.VALID) {
            // RFC 6455 8.1: invalid UTF-8 fails the connection; 1007 fits, 1002 is not wrong
            return fail(Set.of(1007, 1002));
        }
        return new Ending(Kind.CLOSED, code, new String(p, 2, p.length - 2, StandardCharsets.UTF_8), Set.copyOf(early), false);
    }

    private static byte[] concat(byte[] a, byte[] c) {
        byte[] r = Arrays.copyOf(a, a.length + c.length);
        System.arraycopy(c, 0, r, a.length, c.length);
        return r;
    }

    /** UTF-8 as RFC 3629 defines it (no overlong forms, no surrogates, nothing past U+10FFFF). */
    static final class Utf8 {
        static final int VALID = 0;
        /** Valid but for a sequence cut at the end. */
        static final int INCOMPLETE = 1;
        static final int INVALID = 2;

        private Utf8() {
        }

        static int check(byte[] s, int from, int to) {
            int i = from;
            while (i < to) {
                int c = s[i] & 0xff;
                int more;
                int lo = 0x80;
                int hi = 0xbf;
                if (c < 0x80) {
                    i++;
                    continue;
                } else if (c >= 0xc2 && c <= 0xdf) {
                    more = 1;
                } else if (c >= 0xe0 && c <= 0xef) {
                    more = 2;
                    if (c == 0xe0) {
                        lo = 0xa0; // overlong
                    } else if (c == 0xed) {
                        hi = 0x9f; // surrogates
                    }
                } else if (c >= 0xf0 && c <= 0xf4) {
                    more = 3;
                    if (c == 0xf0) {
                        lo = 0x90; // overlong
                    } else if (c == 0xf4) {
                        hi = 0x8f; // past U+10FFFF
                    }
                } else {
                    return INVALID;
                }
                for (int k = 1; k <= more; k++) {
                    if (i + k >= to) {
                        return INCOMPLETE;
                    }
                    int t = s[i + k] & 0xff;
                    int min = k == 1 ? lo : 0x80;
                    int max = k == 1 ? hi : 0xbf;
                    if (t < min || t > max) {
                        return INVALID;
                    }
                }
                i += more + 1;
            }
            return VALID;
        }
    }
}
