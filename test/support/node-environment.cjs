// Jest gives each test file its own realm, so a Float32Array made in a test is not an
// instance of the Float32Array that native addons (onnxruntime-node) check against.
// Sharing the host realm's typed-array constructors keeps those checks true.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
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

  // Each CDK App synthesizes into a fresh cdk.out* folder of the system temp dir that nothing removes: the test
  // file's Apps share one folder instead (CDK_OUTDIR), removed when the file is done.
  async setup() {
    await super.setup();
    this.cdkOut = mkdtempSync(join(tmpdir(), 'mmdo-test-cdk-out-'));
    this.global.process.env.CDK_OUTDIR = this.cdkOut;
  }

  async teardown() {
    if (this.cdkOut) rmSync(this.cdkOut, { recursive: true, force: true });
    await super.teardown();
  }
}

module.exports = MmdoNodeEnvironment;
