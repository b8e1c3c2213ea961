import { uploadIdempotencyKey } from '../../../lambdas/application/pipeline/state.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';
import { triggerFromEventBridge, triggerIfEvent, uploadsFromNotification } from '../../../lambdas/handlers/support/s3-upload-events.js';

describe('EventBridge Object Created events', () => {
  const event = {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    time: '2026-11-25T10:00:00Z',
    account: '123456789012',
    region: 'eu-west-1',
    resources: ['arn:aws:s3:::mmdo-uploads-123-eu-west-1'],
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: {
      version: '0',
      bucket: { name: 'mmdo-uploads-123-eu-west-1' },
      object: { key: 'acme/uploads/a.tif', size: 1024, etag: 'abc', 'version-id': 'v1', sequencer: '00' },
      'request-id': 'R1', requester: '123456789012',
      reason: 'PutObject',
    },
  };

  test('parses into the uploaded object version, keyed by version id', () => {
    const { upload } = triggerFromEventBridge(event);
    expect(upload).toEqual({ bucket: 'mmdo-uploads-123-eu-west-1', key: 'acme/uploads/a.tif', size: 1024, etag: 'abc', versionId: 'v1' });
    expect(uploadIdempotencyKey(upload)).toBe('mmdo-uploads-123-eu-west-1/acme/uploads/a.tif#v1');
  });

  test('the ingest trigger carries the event id (the claim owner) and time', () => {
    const trigger = triggerFromEventBridge(event);
    expect(trigger).toEqual({ upload: triggerFromEventBridge(event).upload, eventId: event.id, time: event.time });
    const { id: _id, ...withoutId } = event;
    expect(() => triggerFromEventBridge(withoutId)).toThrow();
  });

  test('rejects other events', () => {
    expect(() => triggerFromEventBridge({ ...event, 'detail-type': 'Object Deleted' })).toThrow(ValidationError);
    expect(triggerIfEvent({ job: {} })).toBeUndefined();
  });
});

describe('S3 event notifications', () => {
  test('keeps object-created records and decodes their keys', () => {
    const record = (eventName: string, key: string) => ({ eventName, s3: { bucket: { name: 'b' }, object: { key, size: 3, eTag: 'e1' } } });
    const uploads = uploadsFromNotification({ Records: [record('ObjectCreated:Put', 'acme/p/sample+01%281%29.png'), record('ObjectRemoved:Delete', 'acme/p/x.png')] });
    expect(uploads).toEqual([{ bucket: 'b', key: 'acme/p/sample 01(1).png', size: 3, etag: 'e1', versionId: undefined }]);
  });

  test('rejects anything else', () => {
    expect(() => uploadsFromNotification({ Records: [] })).toThrow(ValidationError);
  });
});

describe('idempotency keys', () => {
  test('without a version id the ETag stands in; with neither the upload is refused', () => {
    expect(uploadIdempotencyKey({ bucket: 'b', key: 'k', size: 1, etag: '"abc"' })).toBe('b/k#etag:abc');
    expect(() => uploadIdempotencyKey({ bucket: 'b', key: 'k', size: 1 })).toThrow(ValidationError);
  });
});
