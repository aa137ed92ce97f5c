"""Baseline for bench/run-all.sh: a gevent StreamServer echo (one greenlet per connection).
Usage: /usr/bin/python3 gevent_echo.py PORT   (Debian's python3-gevent)"""
import sys
from gevent.server import StreamServer


def echo(sock, address):
    sock.setsockopt(6, 1, 1)  # TCP_NODELAY
    while True:
        data = sock.recv(4096)
        if not data:
            break
        sock.sendall(data)


if __name__ == "__main__":
    server = StreamServer(("127.0.0.1", int(sys.argv[1])), echo, backlog=4096)
    print("gevent echo on", server.address, flush=True)
    server.serve_forever()
