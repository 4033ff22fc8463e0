/**
 * A stand-in for a parcel carrier, started by `npm run dev` and the tests like the
 * simulated payment provider. It books shipments (POST /shipments, one per
 * Idempotency-Key) and then reports each one's progress to the platform's carrier
 * endpoint (POST /webhooks/carrier with its API key, P28): label_created, in_transit,
 * out_for_delivery, delivered, `stepMs` apart.
 *
 * Control (tests, demo, the fault injector): POST /_control { stepMs?, refuseCustomers?,
 * mode?, updates? } changes how it answers (a refused customer's booking is a 422);
 * GET /_shipments?orderId= lists the bookings and the updates delivered for them.
 *
 * Faults a real carrier has, for `npm run chaos` (local/src/faults):
 *   mode `unavailable`  every booking answered 503 (an outage the task retries through)
 *   mode `down`         every connection closed without an answer
 *   mode `hang`         bookings never answered; the client's deadline decides
 *   mode `lost-answer`  a new shipment is booked, then the connection closes unanswered
 *                       (the retry with the same Idempotency-Key gets it: one shipment, not two)
 *   mode `refuse`       every booking refused (422): the line needs an operator
 *   updates `{ repeat, lateMs, outOfOrder }`  each status update delivered `repeat` more
 *                       times (same event id), `lateMs` later, and/or each pair of updates
 *                       swapped (in_transit before label_created): tracking must move forward only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export const CARRIER_NAME = 'simcarrier';
export const CARRIER_STEPS = ['label_created', 'in_transit', 'out_for_delivery', 'delivered'] as const;

export const CARRIER_MODES = ['up', 'unavailable', 'down', 'hang', 'lost-answer', 'refuse'] as const;
export type CarrierMode = (typeof CARRIER_MODES)[number];

/** Faults of a shipment's status updates (checked by the carrier and by the fault profile). */
export const UpdateFaultsSchema = z
  .object({
    /** Each update delivered this many more times, with the same event id. */
    repeat: z.number().int().min(0).max(5).optional(),
    /** Each update sent this much later than its step. */
    lateMs: z.number().int().min(0).optional(),
    /** Each pair of consecutive updates sent in the wrong order. */
    outOfOrder: z.boolean().optional(),
  })
  .strict();
export type UpdateFaults = z.infer<typeof UpdateFaultsSchema>;

export interface CarrierSettings {
  /** Time between two status updates of a shipment. */
  stepMs: number;
  /** Customers whose bookings the carrier refuses (422): how a test makes the task fail. */
  refuseCustomers: string[];
  /** How bookings are answered (`up`: as they should be). */
  mode: CarrierMode;
  /** Faults of the status updates of shipments booked while they are set. */
  updates: UpdateFaults;
}

const CarrierControlSchema = z
  .object({
    stepMs: z.number().int().min(0),
    refuseCustomers: z.array(z.string()),
    mode: z.enum(CARRIER_MODES),
    updates: UpdateFaultsSchema,
  })
  .partial()
  .strict();

/** Checks a /_control body (or a fault window's patch); the error names every field that is wrong. */
export function parseCarrierControl(raw: unknown): Partial<CarrierSettings> {
  const r = CarrierControlSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `invalid carrier control: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined));
}

/** The order a shipment's updates are sent in: swapped in pairs when out of order. */
export function updateOrder(outOfOrder: boolean | undefined): string[] {
  const steps: string[] = [...CARRIER_STEPS];
  if (!outOfOrder) return steps;
  for (let i = 0; i + 1 < steps.length; i += 2) [steps[i], steps[i + 1]] = [steps[i + 1]!, steps[i]!];
  return steps;
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
  /** Whether the answer to the request that booked it was lost on purpose (mode `lost-answer`). */
  answerLost: boolean;
}

export interface SimulatedCarrier {
  url: string;
  bookings: Map<string, Booking>;
  settings: CarrierSettings;
  /** Changes how it answers (what POST /_control does); returns the settings in force. */
  control(patch: Partial<CarrierSettings>): CarrierSettings;
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
  const settings: CarrierSettings = {
    stepMs: 500,
    refuseCustomers: [],
    mode: 'up',
    updates: {},
    ...opts.settings,
  };
  const bookings = new Map<string, Booking>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const post = async (booking: Booking, status: string, eventId: string) => {
    if (!opts.webhookUrl) return;
    const body = {
      eventId,
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

  /** Sends a shipment's updates one after another, with the update faults set at booking. */
  const schedule = (booking: Booking) => {
    const faults = { ...settings.updates };
    const steps = updateOrder(faults.outOfOrder);
    let i = 0;
    const next = () => {
      if (stopped || i >= steps.length) return;
      const t = setTimeout(
        () => {
          timers.delete(t);
          const status = steps[i++]!;
          const eventId = `sim_${randomUUID()}`;
          void (async () => {
            for (let n = 0; n <= (faults.repeat ?? 0) && !stopped; n++) await post(booking, status, eventId);
          })().then(next);
        },
        settings.stepMs + (faults.lateMs ?? 0),
      );
      timers.add(t);
    };
    next();
  };

  const control = (patch: Partial<CarrierSettings>) => Object.assign(settings, patch);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://carrier');
    if (req.method === 'POST' && url.pathname === '/shipments') {
      const body = await readJson(req);
      if (settings.mode === 'down') return req.socket.destroy();
      if (settings.mode === 'hang') return; // never answered: the client gives up
      if (settings.mode === 'unavailable')
        return send(res, 503, { message: 'the carrier is unavailable, try again later' });
      const reference = String(req.headers['idempotency-key'] ?? body.reference ?? '');
      if (!reference) return send(res, 400, { message: 'an Idempotency-Key header is required' });
      const known = bookings.get(reference);
      if (known) return send(res, 200, { carrier: CARRIER_NAME, trackingNumber: known.trackingNumber });
      if (settings.mode === 'refuse')
        return send(res, 422, { message: 'the carrier takes no new shipments today' });
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
        answerLost: settings.mode === 'lost-answer',
      };
      bookings.set(reference, booking);
      schedule(booking);
      if (booking.answerLost) return req.socket.destroy();
      return send(res, 201, { carrier: CARRIER_NAME, trackingNumber: booking.trackingNumber });
    }
    if (req.method === 'POST' && url.pathname === '/_control') {
      let patch: Partial<CarrierSettings>;
      try {
        patch = parseCarrierControl(await readJson(req));
      } catch (e) {
        return send(res, 400, { message: (e as Error).message });
      }
      return send(res, 200, control(patch));
    }
    if (req.method === 'GET' && url.pathname === '/_control') return send(res, 200, settings);
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
    control,
    stop: () =>
      new Promise<void>((ok) => {
        stopped = true;
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
