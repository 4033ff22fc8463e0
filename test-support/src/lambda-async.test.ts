import { describe, expect, it } from 'vitest';
import { invokeAsync, type EventInvokeConfig } from './lambda-async';

const config: EventInvokeConfig = {
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  maximumRetryAttempts: 2,
  timeoutMs: 1_000,
};

/** Fails `failures` times, then succeeds; records when each attempt started. */
function flaky(failures: number) {
  const starts: number[] = [];
  const handler = async () => {
    starts.push(Date.now());
    if (starts.length <= failures) throw new Error(`attempt ${starts.length} failed`);
    return { ok: true };
  };
  return { handler, starts };
}

describe('async invocation retries', () => {
  it('waits the given delays before the first and second retry', async () => {
    // Arrange
    const { handler, starts } = flaky(2);

    // Act
    const outcome = await invokeAsync(handler, {}, config, {}, { retryDelaysMs: [80, 160] });

    // Assert
    expect(outcome).toMatchObject({ condition: 'Success', attempts: 3 });
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(75);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(155);
  });

  it('retries back to back when no delays are given', async () => {
    const { handler } = flaky(3);
    const outcome = await invokeAsync(handler, {}, config);
    expect(outcome).toMatchObject({ condition: 'RetriesExhausted', attempts: 3 });
  });

  it('drops the retries still waiting when aborted', async () => {
    // Arrange
    const { handler, starts } = flaky(3);
    const stop = new AbortController();

    // Act
    const run = invokeAsync(
      handler,
      {},
      config,
      {},
      { retryDelaysMs: [10_000, 10_000], signal: stop.signal },
    );
    setTimeout(() => stop.abort(new Error('stopping')), 50);

    // Assert
    await expect(run).rejects.toThrow('stopping');
    expect(starts).toHaveLength(1);
  });
});
