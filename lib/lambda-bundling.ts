import { fileURLToPath } from 'node:url';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** The repository root (ends with '/'): handler entries are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * How every MM-DO Lambda is bundled: one minified ES module with source maps for nodejs22.x. The SDK is bundled so
 * the versions tested here are the ones deployed; ESM output needs a `require` for CommonJS dependencies.
 */
export function esmBundling(externalModules: string[] = []): Pick<nodejs.NodejsFunctionProps, 'projectRoot' | 'depsLockFilePath' | 'bundling'> {
  return {
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: 'node22',
      minify: true,
      sourceMap: true,
      mainFields: ['module', 'main'],
      ...(externalModules.length ? { externalModules } : {}),
      banner: "import { createRequire as __mmdoCreateRequire } from 'node:module'; const require = __mmdoCreateRequire(import.meta.url);",
    },
  };
}
