import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import {
  correlationIdOf,
  currentCorrelationId,
  logger,
  setCorrelationId,
  withCorrelationId,
  withObservability,
} from './observability';

const context = {
  functionName: 'f',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 1000,
} as unknown as Context;

afterEach(() => vi.restoreAllMocks());

describe('correlation ids (X2)', () => {
  it('are found in HTTP headers, event envelopes, workflow input and SQS-wrapped envelopes', () => {
    expect(correlationIdOf({ headers: { 'X-Correlation-Id': 'h-1' } })).toBe('h-1');
    expect(correlationIdOf({ detail: { metadata: { correlationId: 'eb-1' } } })).toBe('eb-1');
    expect(correlationIdOf({ correlationId: 'sfn-1' })).toBe('sfn-1');
    expect(correlationIdOf({ metadata: { correlationId: 'msg-1' } })).toBe('msg-1');
    expect(correlationIdOf({ requestContext: { requestId: 'apigw-1' } })).toBe('apigw-1');
  });

  it('are stamped on every log line and echoed to HTTP callers', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // The logger writes through its own console; capture that too.
    const cons = (logger as unknown as { console: { info: (...a: unknown[]) => void } }).console;
    if (cons)
      vi.spyOn(cons, 'info').mockImplementation(
        (...a: unknown[]) => void lines.push(a.map(String).join(' ')),
      );
    logger.setLogLevel('INFO');

    const handler = withObservability(async () => {
      logger.info('doing work');
      return { statusCode: 200, body: currentCorrelationId() };
    });
    const res = (await handler({ headers: { 'x-correlation-id': 'abc-123' } }, context)) as unknown as {
      headers: Record<string, string>;
      body: string;
    };

    expect(res.body).toBe('abc-123');
    expect(res.headers['x-correlation-id']).toBe('abc-123');
    const entry = lines
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return undefined;
        }
      })
      .find((l) => l?.message === 'doing work');
    expect(entry).toMatchObject({ correlationId: 'abc-123', level: 'INFO' });
  });

  it('are generated when the trigger carries none', async () => {
    const handler = withObservability(async () => currentCorrelationId());
    const id = await handler({}, context);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('per-record correlation scopes', () => {
  it('keep the ids of records that interleave apart, in code and on log lines', async () => {
    const logged: unknown[] = [];
    const cons = (logger as unknown as { console: { info: (...a: unknown[]) => void } }).console;
    vi.spyOn(cons, 'info').mockImplementation(
      (...a: unknown[]) => void logged.push(JSON.parse(String(a[0]))),
    );
    logger.setLogLevel('INFO');
    // Each record waits for the other before logging, so their awaits interleave.
    let releaseA!: () => void;
    let releaseB!: () => void;
    const aWaits = new Promise<void>((r) => (releaseA = r));
    const bWaits = new Promise<void>((r) => (releaseB = r));
    const record = (id: string, wait: Promise<void>, release: () => void) =>
      withCorrelationId(id, async () => {
        release();
        await wait;
        logger.info('record done');
        return currentCorrelationId();
      });
    const seen = await Promise.all([record('rec-a', aWaits, releaseB), record('rec-b', bWaits, releaseA)]);
    expect(seen).toEqual(['rec-a', 'rec-b']);
    expect(logged.map((l) => (l as { correlationId: string }).correlationId).sort()).toEqual([
      'rec-a',
      'rec-b',
    ]);
  });

  it('let a record replace only its own id (from the envelope it parsed)', async () => {
    setCorrelationId('invocation-1');
    await withCorrelationId('msg-1', async () => {
      setCorrelationId('envelope-1');
      expect(currentCorrelationId()).toBe('envelope-1');
    });
    expect(currentCorrelationId()).toBe('invocation-1');
  });
});

describe('metrics (X2)', () => {
  it('carry the correlation id of the invocation that recorded them, as metadata', async () => {
    const { metrics } = await import('./observability');
    const added = vi.spyOn(metrics, 'addMetadata');
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = withObservability(async () => {
      metrics.addMetric('Something', 'Count', 1);
      return {};
    });
    await handler({ detail: { metadata: { correlationId: 'ord-corr-1' } } }, context);
    expect(added).toHaveBeenCalledWith('correlationId', 'ord-corr-1');
  });
});
