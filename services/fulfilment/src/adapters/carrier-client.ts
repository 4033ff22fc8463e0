/**
 * The carrier's booking API over HTTP: POST /shipments with the line's key as the
 * Idempotency-Key, so a retried task books one shipment, not two. A 4xx is the
 * carrier's refusal (it says why); anything else is a temporary failure.
 */
import type { BookShipment } from '../domain/ports';

export class CarrierRefusedError extends Error {
  override name = 'CarrierRefusedError';
}

export function buildBookShipment(baseUrl: string, opts: { timeoutMs: number }): BookShipment {
  return async (req) => {
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': req.reference },
      body: JSON.stringify(req),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await res.text();
    if (res.status >= 400 && res.status < 500)
      throw new CarrierRefusedError(`The carrier refused shipment ${req.reference}: ${res.status} ${text}`);
    if (!res.ok) throw new Error(`The carrier answered ${res.status} for ${req.reference}`);
    const body = JSON.parse(text) as { carrier: string; trackingNumber: string };
    return { carrier: body.carrier, trackingNumber: body.trackingNumber };
  };
}
