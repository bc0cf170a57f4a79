"""gRPC server and client for scripts/e2e/protocols_live.sh (grpcio, insecure h2c).

No generated stubs (no grpc_tools needed): messages are hand-encoded protobuf
(field 1, a string), passed as bytes with identity serializers.

    python3 grpc_peer.py server ADDR:PORT
    python3 grpc_peer.py client ADDR:PORT N      prints "ok K" (K replies received)
"""
import sys
from concurrent import futures

import grpc

METHOD = "/mizu.e2e.Greeter/SayHello"


def pb_string(s):
    b = s.encode()
    return b"\x0a" + bytes([len(b)]) + b          # field 1, wire type 2; len < 128


def pb_read_string(b):
    if len(b) < 2 or b[0] != 0x0A:
        return ""
    return b[2:2 + b[1]].decode(errors="replace")


def say_hello(request, _ctx):
    return pb_string("hello " + pb_read_string(request))


def server(addr):
    handler = grpc.method_handlers_generic_handler("mizu.e2e.Greeter", {
        "SayHello": grpc.unary_unary_rpc_method_handler(say_hello),
    })
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    srv.add_generic_rpc_handlers((handler,))
    srv.add_insecure_port(addr)
    srv.start()
    srv.wait_for_termination(timeout=300)


def client(addr, n):
    ok = 0
    with grpc.insecure_channel(addr) as ch:
        call = ch.unary_unary(METHOD)
        for i in range(n):
            reply = call(pb_string(f"e2e-{i}"), timeout=10)
            if pb_read_string(reply) == f"hello e2e-{i}":
                ok += 1
    print(f"ok {ok}")


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2])
    else:
        client(sys.argv[2], int(sys.argv[3]))
