"""Connections from Linux to an echo service, all open at once; prints how many echoed their own line.

usage: many_connections.py HOST N [SOURCE,SOURCE,...]

A hundred connects in flight at a time, each from the next source address in turn (Linux's choice
without any); then every connection sends "hello I" and reads it back; then all close.
"""
import concurrent.futures as cf
import socket
import sys

host, n = sys.argv[1], int(sys.argv[2])
sources = sys.argv[3].split(",") if len(sys.argv) > 3 else [""]


def connect(i):
    return socket.create_connection((host, 7), timeout=120, source_address=(sources[i % len(sources)], 0))


with cf.ThreadPoolExecutor(100) as pool:      # a hundred SYNs in flight at a time
    socks = list(pool.map(connect, range(n)))  # and all n open together at the end
for i, s in enumerate(socks):
    s.sendall(b"hello %d\n" % i)
good = 0
for i, s in enumerate(socks):
    want, got = b"hello %d\n" % i, b""
    while len(got) < len(want):
        part = s.recv(64)
        if not part:
            break
        got += part
    good += got == want
for s in socks:
    s.close()
print(good)
