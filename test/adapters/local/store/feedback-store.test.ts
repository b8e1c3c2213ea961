import { SqliteFeedbackStore } from '../../../../lambdas/adapters/local/store/feedback-store.js';
import { feedbackStoreContract } from '../../../support/feedback-store-contract.js';

describe('SqliteFeedbackStore', () => {
  let store: SqliteFeedbackStore;
  beforeAll(() => { store = new SqliteFeedbackStore(':memory:'); });
  afterAll(() => store.close());
  feedbackStoreContract(() => store);
});
