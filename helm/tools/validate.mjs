// Validates rendered Kubernetes objects (a multi-document YAML stream on stdin) against the
// Kubernetes API schemas in kubernetes-models, and the Prometheus Operator CRD schemas for
// monitoring.coreos.com objects. Prints one line per object; exits 1 if any object is invalid.
//
// The published schemas leave additionalProperties open, so a misspelt field ("imagePullPolicyy")
// would pass them. A field is therefore also reported when the schema of its object knows other
// fields but not this one: the compiled validators read every property their schema declares,
// so each object is wrapped in a Proxy that records which keys were read.
import { parseAllDocuments } from "yaml";

const text = await new Promise((resolve, reject) => {
  let data = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (data += chunk));
  process.stdin.on("end", () => resolve(data));
  process.stdin.on("error", reject);
});

/** The module holding the model class of apiVersion/kind. */
function modulePath(apiVersion, kind) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  }
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Wraps value so that reads of its properties (also of missing ones) are recorded in reads. */
function tracked(value, path, reads) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  const seen = new Set();
  reads.push({ path, value, seen });
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key === "string") {
        seen.add(key);
      }
      const child = Reflect.get(target, key, receiver);
      return typeof key === "string" ? tracked(child, `${path}/${key}`, reads) : child;
    },
  });
}

/** Keys of objects whose schema declares properties (some key was read) but not these. */
function unknownFields(reads) {
  const found = [];
  const checked = new Set();
  for (const { path, value, seen } of reads) {
    if (Array.isArray(value) || seen.size === 0 || checked.has(path)) {
      continue;
    }
    checked.add(path);
    for (const key of Object.keys(value)) {
      const alsoSeen = reads.some((r) => r.path === path && r.seen.has(key));
      if (!alsoSeen) {
        found.push(`${path}/${key}`);
      }
    }
  }
  return found;
}

let failures = 0;
let count = 0;
for (const doc of parseAllDocuments(text)) {
  if (doc.errors.length > 0) {
    console.log(`INVALID yaml: ${doc.errors.map((e) => e.message).join("; ")}`);
    failures++;
    continue;
  }
  const object = doc.toJS();
  if (object === null || object === undefined) {
    continue;
  }
  count++;
  const id = `${object.kind}/${object.metadata?.name}`;
  if (!object.apiVersion || !object.kind) {
    console.log(`INVALID ${id}: no apiVersion or kind`);
    failures++;
    continue;
  }
  let Model;
  try {
    Model = (await import(modulePath(object.apiVersion, object.kind)))[object.kind];
  } catch (e) {
    console.log(`INVALID ${id}: no schema for ${object.apiVersion} ${object.kind}`);
    failures++;
    continue;
  }
  const reads = [];
  const errors = [];
  try {
    Model.prototype.validate.call(tracked(object, "", reads));
  } catch (e) {
    errors.push(e.message);
  }
  for (const field of unknownFields(reads)) {
    errors.push(`${field} is not a field of ${object.apiVersion} ${object.kind}`);
  }
  if (errors.length > 0) {
    console.log(`INVALID ${id}: ${errors.join("; ")}`);
    failures++;
  } else {
    console.log(`ok ${object.apiVersion} ${id}`);
  }
}
if (count === 0) {
  console.log("INVALID: no objects on stdin");
  failures++;
}
process.exit(failures > 0 ? 1 : 0);
