import { reportIdFor } from '../../../lambdas/application/pipeline/state.js';
import { parseUploadKey } from '../../../lambdas/application/pipeline/upload-key.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';

describe('upload keys and report ids', () => {
  test('keys name tenant, profile and optional version', () => {
    expect(parseUploadKey('acme/cathode-sem/batch 7/img-001.tif')).toEqual({ tenant: 'acme', profile: 'cathode-sem', name: 'batch 7/img-001.tif' });
    expect(parseUploadKey('acme/cathode-sem@3/img.png')).toEqual({ tenant: 'acme', profile: 'cathode-sem', version: 3, name: 'img.png' });
    for (const bad of ['img.png', 'acme/img.png', '../x/y/z.png', 'acme/../y.png']) expect(() => parseUploadKey(bad)).toThrow(ValidationError);
  });

  test('one object version maps to one report id', () => {
    expect(reportIdFor('b/k#etag:1')).toBe(reportIdFor('b/k#etag:1'));
    expect(reportIdFor('b/k#etag:1')).not.toBe(reportIdFor('b/k#etag:2'));
    expect(reportIdFor('b/k#etag:1')).toMatch(/^[0-9a-f]{32}$/);
  });
});
