/** What the handlers need from the outside world; adapters/ implements each. */
import type { Envelope } from '@order-platform/shared/events/envelope';
import type { FulfilLineV1, LineView } from './fulfilment';

/** Asynchronous Invoke (InvocationType Event) of one task with one command. */
export type InvokeTask = (task: string, command: Envelope<FulfilLineV1>) => Promise<void>;

/** `claimed`: this attempt does the work; `resume`: an earlier attempt stopped half-way; `done`: nothing to do. */
export type ClaimOutcome = 'claimed' | 'resume' | 'done';

export interface StoredLine extends Omit<LineView, 'download' | 'giftCard'> {
  orderId: string;
  customerId: string;
  fileKey?: string;
  codeLast4?: string;
  pendingCode?: string;
  redeemedAt?: string;
  duplicates?: number;
  /** Why the last attempt failed (the line stays `processing` until one succeeds). */
  lastError?: string;
}

export interface FulfilmentStore {
  /** Conditional put on `orderId#lineNo`; a line already fulfilled counts one more duplicate. */
  claim(line: FulfilLineV1, now: Date): Promise<ClaimOutcome>;
  shipmentBooked(
    line: FulfilLineV1,
    shipment: { carrier: string; trackingNumber: string },
    now: Date,
  ): Promise<void>;
  downloadReady(line: FulfilLineV1, fileKey: string, now: Date): Promise<void>;
  /** The card (by hash) and the line's status in one transaction; the code waits on the line for its one reveal. */
  giftCardIssued(line: FulfilLineV1, code: { hash: string; plain: string }, now: Date): Promise<void>;
  /** Moves the line shipped with this tracking number forward; false when it is not newer. */
  shipmentUpdated(
    orderId: string,
    trackingNumber: string,
    status: string,
    occurredAt: string,
  ): Promise<boolean>;
  /** Notes on a line still `processing` why its last attempt failed. */
  attemptFailed(line: FulfilLineV1, reason: string, now: Date): Promise<void>;
  lines(orderId: string): Promise<StoredLine[]>;
  /** Takes the plaintext code off the line (only the first caller gets it). */
  revealCode(orderId: string, lineNo: number, now: Date): Promise<string | undefined>;
  /** Marks the card redeemed once: `redeemed`, or why not. */
  redeem(
    hash: string,
    customerId: string,
    now: Date,
  ): Promise<
    | { outcome: 'redeemed'; orderId: string; lineNo: number; amount: number; currency: string }
    | { outcome: 'unknown' }
    | { outcome: 'already'; redeemedAt: string }
  >;
}

/** The carrier's booking API (the simulated carrier locally). */
export type BookShipment = (req: {
  reference: string;
  orderId: string;
  customerId: string;
  sku: string;
  quantity: number;
}) => Promise<{ carrier: string; trackingNumber: string }>;

/** The product's file in the fulfilment bucket: its key, or undefined when there is none. */
export type FindProductFile = (sku: string) => Promise<string | undefined>;

/** A presigned GET URL for a key, valid for `ttlSeconds`. */
export type PresignDownload = (key: string, ttlSeconds: number) => Promise<string>;
