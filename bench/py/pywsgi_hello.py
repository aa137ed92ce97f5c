"""Baseline for bench/run-all.sh: gevent's own WSGI server (pywsgi) answering Hello, World!.
Usage: /usr/bin/python3 pywsgi_hello.py PORT   (Debian's python3-gevent)"""
import sys
from gevent.pywsgi import WSGIServer

BODY = b"Hello, World!"


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]


if __name__ == "__main__":
    server = WSGIServer(("127.0.0.1", int(sys.argv[1])), app, log=None, backlog=4096)
    print("pywsgi on", server.address, flush=True)
    server.serve_forever()
