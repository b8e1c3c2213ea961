import { classifyResponse, DEFAULT_RETRY_POLICY, maxAttempts, nextRetryDelayMs } from '../../../lambdas/domain/webhooks/retry.js';

describe('webhook retry schedule', () => {
  test('delays follow the schedule and grow; jitter stays within its bounds; none after the last retry', () => {
    const policy = { scheduleMs: [1000, 4000, 16000], jitter: 0.25 };
    expect([1, 2, 3].map((n) => nextRetryDelayMs(policy, n, () => 0.5))).toEqual([1000, 4000, 16000]);
    expect(nextRetryDelayMs(policy, 2, () => 0)).toBe(3000);
    expect(nextRetryDelayMs(policy, 2, () => 0.999999)).toBeCloseTo(5000, -1);
    expect(nextRetryDelayMs(policy, 4)).toBeUndefined();
    expect(maxAttempts(policy)).toBe(4);
    expect(() => nextRetryDelayMs(policy, 0)).toThrow(RangeError);
  });

  test('the default schedule backs off to hours and spans more than a day', () => {
    const delays = DEFAULT_RETRY_POLICY.scheduleMs;
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3600 * 1000);
  });

  test('2xx is delivered, 410 stops, everything else (and no answer) is retried', () => {
    expect([200, 204, 299].map(classifyResponse)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(classifyResponse(410)).toBe('gone');
    expect([undefined, 301, 400, 401, 404, 408, 429, 500, 503].map(classifyResponse)).toEqual(Array(9).fill('retry'));
  });
});
