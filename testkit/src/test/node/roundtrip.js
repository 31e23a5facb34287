// A Node.js client of Strata's public gRPC API, run by AnyLanguageClientTest.
//
// Produces COUNT records (key "node-key-<i>", value "node-<i>") to PRODUCE_TOPIC with acks=all, then
// joins consumer group GROUP on CONSUME_TOPIC from the earliest offset, polls until EXPECT records
// arrived, commits and leaves. Prints one line per record produced and consumed:
//   PRODUCED <partition> <offset>
//   CONSUMED <partition> <offset> <value>
// The .proto files are loaded at run time (@grpc/proto-loader), no code generation.
//
// usage: node roundtrip.js PROTO_DIR GATEWAY PRODUCE_TOPIC COUNT CONSUME_TOPIC EXPECT GROUP
'use strict';

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const path = require('path');

const [protoDir, gateway, produceTopic, count, consumeTopic, expect, group] = process.argv.slice(2);
const DEADLINE_MS = 60000;

const definition = protoLoader.loadSync(['strata/v1/producer.proto', 'strata/v1/consumer.proto'], {
  includeDirs: [path.resolve(protoDir)], keepCase: true, longs: String, enums: String, defaults: true,
});
const v1 = grpc.loadPackageDefinition(definition).strata.v1;

function deadline() {
  return new Date(Date.now() + DEADLINE_MS);
}

function produce(producer) {
  const records = [];
  for (let i = 0; i < Number(count); i++) {
    records.push({ key: Buffer.from(`node-key-${i}`), value: Buffer.from(`node-${i}`) });
  }
  return new Promise((resolve, reject) => {
    producer.Produce({ topic: produceTopic, records, acks: 'ACKS_ALL' }, { deadline: deadline() }, (err, res) => {
      if (err) {
        reject(err);
        return;
      }
      for (const p of res.records) {
        console.log(`PRODUCED ${p.partition} ${p.offset}`);
      }
      resolve();
    });
  });
}

// One Subscribe stream: each request waits for the response carrying its request_id.
function openSession(consumer) {
  const call = consumer.Subscribe({ deadline: new Date(Date.now() + 2 * DEADLINE_MS) });
  const waiting = new Map();
  let nextId = 1;
  let ended = null;
  call.on('data', (response) => {
    const pending = waiting.get(String(response.request_id));
    if (!pending) {
      return; // an assignment the gateway pushed
    }
    waiting.delete(String(response.request_id));
    if (response.error) {
      pending.reject(new Error(`${response.error.reason}: ${response.error.message}`));
    } else {
      pending.resolve(response);
    }
  });
  const fail = (err) => {
    ended = err || new Error('the gateway closed the session');
    for (const pending of waiting.values()) {
      pending.reject(ended);
    }
    waiting.clear();
  };
  call.on('error', fail);
  call.on('end', () => fail(null));
  return {
    request(op) {
      if (ended) {
        return Promise.reject(ended);
      }
      const id = String(nextId++);
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        call.write({ request_id: id, ...op });
      });
    },
    close() {
      call.end();
    },
  };
}

async function consume(consumer) {
  const session = openSession(consumer);
  try {
    await session.request({ join: { group, topics: [consumeTopic], client_id: 'node-roundtrip',
      auto_offset_reset: 'OFFSET_RESET_EARLIEST' } });
    let received = 0;
    const giveUp = Date.now() + DEADLINE_MS;
    while (received < Number(expect)) {
      if (Date.now() > giveUp) {
        throw new Error(`only ${received} of ${expect} records arrived within ${DEADLINE_MS} ms`);
      }
      const polled = await session.request({ poll: { max_records: 500, max_wait_ms: 1000 } });
      for (const r of polled.records.records) {
        console.log(`CONSUMED ${r.partition} ${r.offset} ${Buffer.from(r.value).toString('utf8')}`);
        received++;
      }
    }
    await session.request({ commit: {} }); // empty: the session's current positions
    await session.request({ leave: {} });
  } finally {
    session.close();
  }
}

async function main() {
  const producer = new v1.Producer(gateway, grpc.credentials.createInsecure());
  const consumer = new v1.Consumer(gateway, grpc.credentials.createInsecure());
  try {
    await produce(producer);
    await consume(consumer);
  } finally {
    producer.close();
    consumer.close();
  }
}

main().catch((err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
