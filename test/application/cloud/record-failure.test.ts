import { recordFailureStep } from '../../../lambdas/application/cloud/steps.js';
import { ValidationError } from '../../../lambdas/domain/errors.js';

describe('record-failure step', () => {
  test('a state with neither an ingested job nor a triggering upload cannot be filed (no store is touched)', async () => {
    const state = { error: { Error: 'corrupt_image', Cause: 'bad' } };
    // The stores are never reached: the step refuses before reading or writing anything.
    await expect(recordFailureStep(state, {} as never)).rejects.toBeInstanceOf(ValidationError);
  });
});
