"""pika client for scripts/e2e/protocols_live.sh: declares queue `e2e.q`, publishes
N messages to it through the default exchange with routing key `e2e.q` and
message ids m1..mN, reads them back with Basic.Get, then deletes the queue.

    python3 amqp_peer.py HOST N      prints "ok PUBLISHED GOT"
"""
import sys

import pika

HOST, N = sys.argv[1], int(sys.argv[2])
params = pika.ConnectionParameters(host=HOST, port=5672, heartbeat=0,
                                   credentials=pika.PlainCredentials("guest", "guest"),
                                   connection_attempts=3, retry_delay=1)
conn = pika.BlockingConnection(params)
ch = conn.channel()
ch.queue_declare(queue="e2e.q")
for i in range(1, N + 1):
    ch.basic_publish(exchange="", routing_key="e2e.q", body=f"message {i}".encode(),
                     properties=pika.BasicProperties(message_id=f"m{i}"))
got = 0
for _ in range(N):
    method, _props, _body = ch.basic_get(queue="e2e.q", auto_ack=True)
    if method is not None:
        got += 1
ch.queue_delete(queue="e2e.q")
conn.close()
print(f"ok {N} {got}")
