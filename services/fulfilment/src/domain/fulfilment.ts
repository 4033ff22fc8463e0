/**
 * Fulfilment's model (P16 router): an order's confirmed lines, each routed by its
 * product kind to one task, each fulfilled once per `orderId#lineNo`. Pure: no SDK here.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { envelope, type Envelope } from '@order-platform/shared/events/envelope';
import {
  fulfilLineV1,
  lineKey,
  type FulfilLineV1,
} from '@order-platform/shared/events/fulfilment/fulfilLine.v1';
import type { OrderConfirmedV1 } from '@order-platform/shared/events/orders';
import { PermanentError } from '@order-platform/shared/errors';

export { fulfilLineV1, lineKey, type FulfilLineV1 };

/** A kind the order carries but no task is configured for: the router's failure destination gets it. */
export class NoTaskForKindError extends PermanentError {
  override name = 'NoTaskForKindError';
}

/** An OrderConfirmed without its lines (a producer older than the field): nothing to route. */
export class LinesMissingError extends PermanentError {
  override name = 'LinesMissingError';
}

export interface RoutedLine {
  task: string;
  command: Envelope<FulfilLineV1>;
}

/**
 * Each line of a confirmed order -> the task configured for its kind, as a FulfilLine
 * command keyed `orderId#lineNo`. Lines whose kind has no task are returned apart: the
 * caller dispatches the rest, then fails with a reason naming them.
 */
export function routeOrder(
  confirmed: Envelope<OrderConfirmedV1>,
  tasks: Partial<Record<string, string>>,
): { routed: RoutedLine[]; unroutable: { lineNo: number; sku: string; kind: string }[] } {
  const { orderId, customerId, currency, lines } = confirmed.data;
  if (!lines?.length)
    throw new LinesMissingError(`OrderConfirmed for ${orderId} carries no lines: nothing can be routed`);
  const routed: RoutedLine[] = [];
  const unroutable: { lineNo: number; sku: string; kind: string }[] = [];
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const task = Object.hasOwn(tasks, line.kind) ? tasks[line.kind] : undefined;
    if (!task) {
      unroutable.push({ lineNo, sku: line.sku, kind: line.kind });
      return;
    }
    routed.push({
      task,
      command: envelope(
        fulfilLineV1,
        {
          orderId,
          customerId,
          lineNo,
          sku: line.sku,
          kind: line.kind,
          quantity: line.quantity,
          unitPrice: line.unitPrice,
          currency,
        },
        {
          correlationId: confirmed.metadata.correlationId,
          idempotencyKey: lineKey(orderId, lineNo),
          occurredAt: confirmed.metadata.occurredAt,
        },
      ),
    });
  });
  return { routed, unroutable };
}

export function unroutableReason(orderId: string, lines: { lineNo: number; sku: string; kind: string }[]) {
  return `No fulfilment task for ${lines
    .map((l) => `kind "${l.kind}" (line ${l.lineNo}, ${l.sku})`)
    .join(', ')} of order ${orderId}; the other lines were routed`;
}

// ---- line status -------------------------------------------------------------------

export const SHIPMENT_PROGRESS = [
  'booked',
  'label_created',
  'in_transit',
  'out_for_delivery',
  'delivered',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_PROGRESS)[number] | 'exception';

/** A carrier update moves a shipment forward only: a late `in_transit` never undoes `delivered`. */
export function shipmentRank(status: string): number {
  if (status === 'exception') return SHIPMENT_PROGRESS.length; // sticks until a later, higher status
  return SHIPMENT_PROGRESS.indexOf(status as (typeof SHIPMENT_PROGRESS)[number]);
}

/** Every status a line can show. */
export type LineStatus =
  | 'processing'
  | ShipmentStatus
  | 'ready' // digital: the download is available
  | 'issued' // gift card: the code exists
  | 'redeemed';

export interface LineView {
  lineNo: number;
  sku: string;
  kind: string;
  quantity: number;
  status: LineStatus;
  updatedAt: string;
  shipment?: { carrier: string; trackingNumber: string };
  download?: { url: string; expiresAt: string };
  giftCard?: { code: string; revealed: boolean; redeemedAt?: string };
  /** Repeated commands for this line that found it fulfilled and did nothing (at-least-once delivery, visible). */
  duplicatesIgnored?: number;
  /** While `processing`: why the last attempt failed (it is retried, then kept for an operator). */
  problem?: string;
}

// ---- gift cards --------------------------------------------------------------------

const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

/** A new gift card code: 80 random bits as 16 Crockford characters, grouped `XXXX-XXXX-XXXX-XXXX`. */
export function newGiftCardCode(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(16);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b & 31]!).join('');
  return chars.match(/.{4}/g)!.join('-');
}

export const giftCardCodeSchema = z
  .string()
  .check(z.regex(/^[0-9A-Za-z]{4}(-?[0-9A-Za-z]{4}){3}$/, 'must be a gift card code (XXXX-XXXX-XXXX-XXXX)'));

/** What is stored: a SHA-256 of the normalised code (the code itself has 80 random bits). */
export function giftCardHash(code: string): string {
  const normalised = code.replace(/-/g, '').toUpperCase();
  return createHash('sha256').update(normalised).digest('hex');
}

/** What a later read shows: the last four characters only. */
export function maskCode(lastFour: string): string {
  return `XXXX-XXXX-XXXX-${lastFour}`;
}

export const redeemInputSchema = z.strictObject({ code: giftCardCodeSchema });
