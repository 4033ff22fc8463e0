/**
 * GET a JSON resource from another service's HTTP API, honouring the caller's abort
 * signal (the aggregator's per-part timeout) and forwarding the caller's Authorization
 * header, so the downstream applies its own access rules to the same principal.
 */
import { PartFailedError } from '../domain/dashboard';
import type { PartCall } from '../domain/ports';

export interface HttpJsonOptions {
  /** Name used in the error marker ("orders responded 503"). */
  name: string;
  headers?: Record<string, string | undefined>;
  fetchImpl?: typeof fetch;
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export function buildHttpJsonCall<T = unknown>(url: string, opts: HttpJsonOptions): PartCall<T> {
  const doFetch = opts.fetchImpl ?? fetch;
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = v;
  return async (signal) => {
    const response = await doFetch(url, { method: 'GET', headers, signal });
    if (!response.ok) {
      // Drain the body so the socket can be reused; its content is not ours to echo.
      await response.body?.cancel().catch(() => undefined);
      throw new PartFailedError(`${opts.name} responded ${response.status}`);
    }
    try {
      return (await response.json()) as T;
    } catch (error) {
      if (signal.aborted) throw error;
      throw new PartFailedError(`${opts.name} sent a body that is not JSON`);
    }
  };
}
