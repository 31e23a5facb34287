"""A Python client of Strata's public gRPC API, run by AnyLanguageClientTest.

Produces COUNT records (key "py-key-<i>", value "python-<i>") to PRODUCE_TOPIC with acks=all, then
joins consumer group GROUP on CONSUME_TOPIC from the earliest offset, polls until EXPECT records
arrived, commits and leaves. Prints one line per record produced and consumed:
    PRODUCED <partition> <offset>
    CONSUMED <partition> <offset> <value>
Exits non-zero with a message on stderr on any error.

Stubs are generated from proto/ beforehand (Debian: protobuf-compiler, protobuf-compiler-grpc):
    protoc -I proto/src/main/proto --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
        --python_out=OUT --grpc_python_out=OUT strata/v1/common.proto strata/v1/producer.proto strata/v1/consumer.proto

usage: roundtrip.py STUBS_DIR GATEWAY PRODUCE_TOPIC COUNT CONSUME_TOPIC EXPECT GROUP
"""
import itertools
import queue
import sys
import time

stubs, gateway, produce_topic, count, consume_topic, expect, group = sys.argv[1:8]
sys.path.insert(0, stubs)

import grpc  # noqa: E402
from strata.v1 import common_pb2, consumer_pb2, consumer_pb2_grpc, producer_pb2, producer_pb2_grpc  # noqa: E402

DEADLINE_S = 60


def produce(channel):
    records = [common_pb2.Record(key=b"py-key-%d" % i, value=b"python-%d" % i) for i in range(int(count))]
    response = producer_pb2_grpc.ProducerStub(channel).Produce(
        producer_pb2.ProduceRequest(topic=produce_topic, records=records, acks=common_pb2.ACKS_ALL),
        timeout=DEADLINE_S)
    for position in response.records:
        print("PRODUCED %d %d" % (position.partition, position.offset))


class Session:
    """One Subscribe stream: requests go through a queue, answers are matched by request_id."""

    def __init__(self, channel):
        self.requests = queue.Queue()
        self.ids = itertools.count(1)
        self.responses = consumer_pb2_grpc.ConsumerStub(channel).Subscribe(self._outgoing(), timeout=DEADLINE_S * 2)

    def _outgoing(self):
        while True:
            request = self.requests.get()
            if request is None:
                return
            yield request

    def call(self, **op):
        request = consumer_pb2.SubscribeRequest(request_id=next(self.ids), **op)
        self.requests.put(request)
        for response in self.responses:
            if response.request_id != request.request_id:
                continue  # an assignment the gateway pushed
            if response.HasField("error"):
                raise RuntimeError("%s: %s" % (common_pb2.ErrorReason.Name(response.error.reason),
                                               response.error.message))
            return response
        raise RuntimeError("the gateway closed the session")

    def close(self):
        self.requests.put(None)


def consume(channel):
    session = Session(channel)
    try:
        session.call(join=consumer_pb2.Join(group=group, topics=[consume_topic], client_id="python-roundtrip",
                                            auto_offset_reset=common_pb2.OFFSET_RESET_EARLIEST))
        received = 0
        give_up = time.monotonic() + DEADLINE_S
        while received < int(expect):
            if time.monotonic() > give_up:
                raise RuntimeError("only %d of %s records arrived within %d s" % (received, expect, DEADLINE_S))
            polled = session.call(poll=consumer_pb2.Poll(max_records=500, max_wait_ms=1000))
            for r in polled.records.records:
                print("CONSUMED %d %d %s" % (r.partition, r.offset, r.value.decode("utf-8")))
                received += 1
        session.call(commit=consumer_pb2.Commit())  # empty: the session's current positions
        session.call(leave=consumer_pb2.Leave())
    finally:
        session.close()


def main():
    with grpc.insecure_channel(gateway) as channel:
        produce(channel)
        consume(channel)
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line a person can read, as the CLI does
        print("error: %s" % e, file=sys.stderr)
        sys.exit(1)
