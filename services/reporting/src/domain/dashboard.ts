/**
 * The customer dashboard aggregator (P11): one request fans out to several sources in
 * parallel, each with its own timeout, and answers with whatever arrived in time. Every
 * part carries a marker, so a client can tell "no invoices" from "billing did not
 * answer". The slowest possible answer is the largest part timeout, far below API
 * Gateway's 29 s limit.
 */
import type { Principal } from '@order-platform/shared/principal';
import type { DashboardPart, DashboardSources, PartCall } from './ports';
import { assertMayReadCustomer } from './reports';

export type PartStatus = 'ok' | 'timeout' | 'error' | 'unavailable';

export interface PartResult<T = unknown> {
  status: PartStatus;
  data?: T;
  error?: string;
  durationMs: number;
}

export interface PartSpec<T = unknown> {
  timeoutMs: number;
  /** Undefined when the source is not configured in this stage (status `unavailable`). */
  call: PartCall<T> | undefined;
}

/** A downstream answered, but not with what we asked for. The message is safe to show. */
export class PartFailedError extends Error {
  override name = 'PartFailedError';
}

/** The source exists but cannot serve this request (not deployed, switched off). */
export class PartUnavailableError extends Error {
  override name = 'PartUnavailableError';
}

class PartTimeoutError extends Error {
  override name = 'PartTimeoutError';
}

export async function runPart<T>(
  spec: PartSpec<T>,
  onError: (error: unknown) => void = () => undefined,
  now: () => number = Date.now,
): Promise<PartResult<T>> {
  const started = now();
  const elapsed = () => now() - started;
  if (!spec.call) return { status: 'unavailable', error: 'not configured', durationMs: 0 };
  const signal = AbortSignal.timeout(spec.timeoutMs);
  // The race makes the deadline hold even for a call that ignores its signal.
  const deadline = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new PartTimeoutError()), { once: true });
  });
  try {
    const data = await Promise.race([spec.call(signal), deadline]);
    return { status: 'ok', data, durationMs: elapsed() };
  } catch (error) {
    if (error instanceof PartTimeoutError || signal.aborted) {
      return { status: 'timeout', error: `no answer within ${spec.timeoutMs} ms`, durationMs: elapsed() };
    }
    if (error instanceof PartUnavailableError)
      return { status: 'unavailable', error: error.message, durationMs: elapsed() };
    // The response says only what is safe to show; the log gets the real error.
    onError(error);
    return {
      status: 'error',
      error: error instanceof PartFailedError ? error.message : 'request failed',
      durationMs: elapsed(),
    };
  }
}

export interface Dashboard<P extends string> {
  customerId: string;
  partial: boolean;
  parts: Record<P, PartResult>;
}

export async function aggregate<P extends string>(
  customerId: string,
  parts: Record<P, PartSpec>,
  onError: (part: P, error: unknown) => void = () => undefined,
): Promise<Dashboard<P>> {
  const names = Object.keys(parts) as P[];
  // runPart never rejects, so Promise.all waits for every part (each bounded by its timeout).
  const results = await Promise.all(
    names.map((name) => runPart(parts[name], (error) => onError(name, error))),
  );
  const out = Object.fromEntries(names.map((name, i) => [name, results[i]!])) as Record<P, PartResult>;
  return { customerId, partial: results.some((r) => r.status !== 'ok'), parts: out };
}

/** The longest a dashboard can take: the parts run in parallel. */
export function budgetMs(parts: Record<string, PartSpec>): number {
  return Math.max(0, ...Object.values(parts).map((p) => p.timeoutMs));
}

/** How long each part of the customer dashboard may take, unless configured otherwise. */
export const DEFAULT_TIMEOUTS_MS: Record<DashboardPart, number> = {
  orders: 2_000,
  summary: 1_500,
  billing: 1_500,
};

export interface CustomerDashboard extends Dashboard<DashboardPart> {
  /** No part could be loaded: the caller answers 503 (with the markers) rather than 200. */
  unavailable: boolean;
}

/**
 * GET /customers/{customerId}/dashboard (P11): a customer reads their own dashboard (an
 * admin any); recent orders, the reporting summary and invoices are loaded in parallel,
 * each within its timeout. One part failing makes the answer partial, not an error.
 */
export function customerDashboard(
  timeoutsMs: Record<DashboardPart, number>,
  onError: (part: DashboardPart, error: unknown) => void = () => undefined,
) {
  return async (
    principal: Principal,
    customerId: string,
    sources: DashboardSources,
  ): Promise<CustomerDashboard> => {
    assertMayReadCustomer(principal, customerId);
    const dashboard = await aggregate(
      customerId,
      {
        orders: { timeoutMs: timeoutsMs.orders, call: sources.orders },
        summary: { timeoutMs: timeoutsMs.summary, call: sources.summary },
        billing: { timeoutMs: timeoutsMs.billing, call: sources.billing },
      },
      onError,
    );
    return { ...dashboard, unavailable: Object.values(dashboard.parts).every((p) => p.status !== 'ok') };
  };
}
