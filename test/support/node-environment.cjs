// Jest gives each test file its own realm, so a Float32Array made in a test is not an
// instance of the Float32Array that native addons (onnxruntime-node) check against.
// Sharing the host realm's typed-array constructors keeps those checks true.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array', 'Int16Array',
  'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'DataView',
];

class MmdoNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
    this.global.process.env.ORT_DISABLE_TELEMETRY = '1';
    // aws-local-stepfunctions calls Promise.withResolvers (Node 22); Node 20 lacks it.
    const RealmPromise = this.global.Promise;
    if (typeof RealmPromise.withResolvers !== 'function') {
      RealmPromise.withResolvers = function withResolvers() {
        let resolve;
        let reject;
        const promise = new RealmPromise((res, rej) => {
          resolve = res;
          reject = rej;
        });
        return { promise, resolve, reject };
      };
    }
  }
}

module.exports = MmdoNodeEnvironment;
