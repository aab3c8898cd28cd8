"""gevent's StreamServer echo server for scripts/echo_compare.sh: python3 gevent_echo.py PORT.

Run from a scratch venv with gevent installed (the script makes one); gevent is a baseline to
measure against, never a dependency of genpipe.
"""
import sys

from gevent.server import StreamServer


def echo(sock, _address):
    while True:
        data = sock.recv(4096)
        if not data:
            return
        sock.sendall(data)


server = StreamServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), echo)
server.start()
print(f"echo server on 127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
