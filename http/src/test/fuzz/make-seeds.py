#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the HTTP fuzz targets (HttpParserFuzzTest, HttpConnectionFuzzTest).

Each file is one connection: a leading read-mode byte ('0': whole reads, '@'..'O': 1..16 bytes per read),
then what the client sends. Run from the http module: python3 src/test/fuzz/make-seeds.py
"""
import os

H = "Host: a\r\n"
seeds = {
    "get": "GET /x HTTP/1.1\r\n" + H + "\r\n",
    "get-close": "GET /x?q=1 HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n",
    "http10-keepalive": "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
    "head": "HEAD /h HTTP/1.1\r\n" + H + "\r\n",
    "post-length": "POST /p HTTP/1.1\r\n" + H + "Content-Length: 5\r\n\r\nhello",
    "post-chunked": "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;a=b;c=\"d;\\\"e\"\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n",
    "pipelined": "GET /1 HTTP/1.1\r\n" + H + "\r\nPOST /2 HTTP/1.1\r\n" + H + "Content-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\n" + H + "\r\n",
    "empty-lines": "\r\n\r\nGET /x HTTP/1.1\r\n" + H + "\r\n\r\nGET /y HTTP/1.1\r\n" + H + "\r\n",
    "expect": "POST /e HTTP/1.1\r\n" + H + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
    "expect-unknown": "POST /e HTTP/1.1\r\n" + H + "Expect: 200-ok\r\nContent-Length: 2\r\n\r\nok",
    "cl-te": "POST / HTTP/1.1\r\n" + H + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te-gzip": "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "cl-list": "POST / HTTP/1.1\r\n" + H + "Content-Length: 3, 3\r\n\r\nabc",
    "obs-fold": "GET / HTTP/1.1\r\n" + H + "X-A: 1\r\n 2\r\n\r\n",
    "bare-lf": "GET / HTTP/1.1\nHost: a\n\n",
    "space-colon": "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    "version": "GET / HTTP/2.0\r\n" + H + "\r\n",
    "no-host": "GET / HTTP/1.1\r\n\r\n",
    "host-odd": "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\nGET / HTTP/1.1\r\nHost: a%41.b:\r\n\r\n",
    "chunk-big": "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nfff\r\n" + "x" * 4095 + "\r\n2\r\nxy\r\n0\r\n\r\n",
    "chunk-bad": "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
    "trailer-bad": "POST /c HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n0\r\nX T: 1\r\n\r\n",
    "cut-head": "GET /x HTTP/1.1\r\nHos",
    "cut-body": "POST /p HTTP/1.1\r\n" + H + "Content-Length: 10\r\n\r\nabc",
    "long-line": "GET /" + "a" * 300 + " HTTP/1.1\r\n" + H + "\r\n",
    "long-headers": "GET / HTTP/1.1\r\n" + H + ("X-A: 1234567890\r\n" * 70) + "\r\n",
    "tls-hello": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00" * 40,
}
out = "src/test/resources/io/gevent4j/http/HttpParserFuzzTestInputs/parser"
conn = "src/test/resources/io/gevent4j/http/HttpConnectionFuzzTestInputs/connection"
for d in (out, conn):
    os.makedirs(d, exist_ok=True)
for name, req in seeds.items():
    for mode in ("0", "C"):
        data = (mode + req).encode("latin-1")
        with open(os.path.join(out, "seed-%s-%s" % (name, mode)), "wb") as f:
            f.write(data)
    with open(os.path.join(conn, "seed-%s" % name), "wb") as f:
        f.write(("0" + req).encode("latin-1"))
