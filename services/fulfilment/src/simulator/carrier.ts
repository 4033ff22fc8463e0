/**
 * A stand-in for a parcel carrier, started by `npm run dev` and the tests like the
 * simulated payment provider. It books shipments (POST /shipments, one per
 * Idempotency-Key) and then reports each one's progress to the platform's carrier
 * endpoint (POST /webhooks/carrier with its API key, P28): label_created, in_transit,
 * out_for_delivery, delivered, `stepMs` apart.
 *
 * Control (tests, demo): POST /_control { stepMs?, refuseCustomers? } changes how it
 * answers (a refused customer's booking is a 422); GET /_shipments?orderId= lists the
 * bookings and the updates delivered for them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CARRIER_NAME = 'simcarrier';
export const CARRIER_STEPS = ['label_created', 'in_transit', 'out_for_delivery', 'delivered'] as const;

export interface CarrierSettings {
  /** Time between two status updates of a shipment. */
  stepMs: number;
  /** Customers whose bookings the carrier refuses (422): how a test makes the task fail. */
  refuseCustomers: string[];
}

export interface Booking {
  reference: string;
  orderId: string;
  customerId: string;
  sku: string;
  quantity: number;
  trackingNumber: string;
  bookedAt: string;
  /** Updates the platform's endpoint accepted (202), in order. */
  delivered: string[];
  /** Updates it did not accept, with the status code or error. */
  failed: string[];
}

export interface SimulatedCarrier {
  url: string;
  bookings: Map<string, Booking>;
  settings: CarrierSettings;
  stop(): Promise<void>;
}

export interface CarrierOptions {
  host?: string;
  port?: number;
  /** Where updates go (the webhook API's /webhooks/carrier); none: bookings only. */
  webhookUrl?: string;
  apiKey?: string;
  settings?: Partial<CarrierSettings>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startSimulatedCarrier(opts: CarrierOptions = {}): Promise<SimulatedCarrier> {
  const settings: CarrierSettings = { stepMs: 500, refuseCustomers: [], ...opts.settings };
  const bookings = new Map<string, Booking>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const post = async (booking: Booking, status: string) => {
    if (!opts.webhookUrl) return;
    const body = {
      eventId: `sim_${randomUUID()}`,
      orderId: booking.orderId,
      carrier: CARRIER_NAME,
      trackingNumber: booking.trackingNumber,
      status,
      occurredAt: new Date().toISOString(),
    };
    // A carrier retries a refused delivery a few times (same event id), then gives up.
    for (let attempt = 1; attempt <= 3 && !stopped; attempt++) {
      try {
        const res = await fetch(opts.webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(opts.apiKey ? { 'x-api-key': opts.apiKey } : {}),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5_000),
        });
        await res.text();
        if (res.status === 202 || res.status === 200) {
          booking.delivered.push(status);
          return;
        }
        booking.failed.push(`${status}: ${res.status}`);
      } catch (e) {
        booking.failed.push(`${status}: ${(e as Error).message}`);
      }
    }
  };

  const schedule = (booking: Booking) => {
    let i = 0;
    const next = () => {
      if (stopped || i >= CARRIER_STEPS.length) return;
      const t = setTimeout(() => {
        timers.delete(t);
        void post(booking, CARRIER_STEPS[i++]!).then(next);
      }, settings.stepMs);
      timers.add(t);
    };
    next();
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://carrier');
    if (req.method === 'POST' && url.pathname === '/shipments') {
      const body = await readJson(req);
      const reference = String(req.headers['idempotency-key'] ?? body.reference ?? '');
      if (!reference) return send(res, 400, { message: 'an Idempotency-Key header is required' });
      const known = bookings.get(reference);
      if (known) return send(res, 200, { carrier: CARRIER_NAME, trackingNumber: known.trackingNumber });
      if (settings.refuseCustomers.includes(String(body.customerId)))
        return send(res, 422, {
          message: `no service to the address of customer ${String(body.customerId)}`,
        });
      const booking: Booking = {
        reference,
        orderId: String(body.orderId),
        customerId: String(body.customerId),
        sku: String(body.sku),
        quantity: Number(body.quantity),
        trackingNumber: `SIM-${randomUUID().slice(0, 12).toUpperCase()}`,
        bookedAt: new Date().toISOString(),
        delivered: [],
        failed: [],
      };
      bookings.set(reference, booking);
      schedule(booking);
      return send(res, 201, { carrier: CARRIER_NAME, trackingNumber: booking.trackingNumber });
    }
    if (req.method === 'POST' && url.pathname === '/_control') {
      const patch = (await readJson(req)) as Partial<CarrierSettings>;
      if (patch.stepMs !== undefined) settings.stepMs = Number(patch.stepMs);
      if (patch.refuseCustomers !== undefined) settings.refuseCustomers = [...patch.refuseCustomers];
      return send(res, 200, settings);
    }
    if (req.method === 'GET' && url.pathname === '/_shipments') {
      const orderId = url.searchParams.get('orderId');
      return send(res, 200, {
        shipments: [...bookings.values()].filter((b) => !orderId || b.orderId === orderId),
      });
    }
    return send(res, 404, { message: `the carrier has no ${req.method} ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { message: String(e) }));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, ok);
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    bookings,
    settings,
    stop: () =>
      new Promise<void>((ok) => {
        stopped = true;
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
