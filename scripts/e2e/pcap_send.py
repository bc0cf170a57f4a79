"""Sends the frames of a classic pcap file (Ethernet link type) out of a network
interface through an AF_PACKET socket, in file order, for scripts/e2e/replay_live.sh.

    python3 pcap_send.py IFACE FILE [GAP_US]      prints "sent N frames, B bytes"

GAP_US (default 300) is the pause between frames: the receiving capture's ring sees
them one by one, in order, at a bounded rate. Frames longer than the interface's
MTU + 14 are an error (raise the MTU), never silently cut.
"""
import socket
import struct
import sys
import time

iface, path = sys.argv[1], sys.argv[2]
gap = (int(sys.argv[3]) if len(sys.argv) > 3 else 300) / 1e6
with open(path, "rb") as f:
    data = f.read()
magic = data[:4]
if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
    endian = "<"
elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
    endian = ">"
else:
    sys.exit(f"{path}: not a classic pcap file (pcapng is not supported here)")
linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
if linktype != 1:
    sys.exit(f"{path}: link type {linktype}, only Ethernet (1) can be sent on an interface")
with open(f"/sys/class/net/{iface}/mtu") as f:
    mtu = int(f.read())
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
off, n, total = 24, 0, 0
while off + 16 <= len(data):
    _sec, _frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
    off += 16
    frame = data[off:off + incl]
    off += incl
    if len(frame) != incl:
        sys.exit(f"{path}: truncated record at frame {n + 1}")
    if incl < orig:
        sys.exit(f"{path}: frame {n + 1} was cut by the snaplen ({incl} of {orig} bytes)")
    if incl > mtu + 14:
        sys.exit(f"{path}: frame {n + 1} has {incl} bytes, over {iface}'s MTU {mtu} + 14")
    s.send(frame)
    n += 1
    total += incl
    time.sleep(gap)
print(f"sent {n} frames, {total} bytes")
