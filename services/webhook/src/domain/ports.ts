import type { Envelope } from '@order-platform/shared/events/envelope';
import type { LedgerEntry } from './ledger';
import type { LedgerMessage } from './messages';
import type { CaptureBalance, Finding, OrderOutcome } from './reconcile';
import type { CarrierUpdate } from './shipments';

/** The signing secrets in force (several during a rotation); `refresh` bypasses the cache. */
export type SigningSecrets = (opts?: { refresh?: boolean }) => Promise<string[]>;

/** Puts one message on the payments queue. */
export type EnqueueLedgerMessage = (
  message: LedgerMessage,
  attributes: Record<string, string>,
) => Promise<void>;

export interface RecordResult {
  /** Entry ids that were new (duplicates are absent). */
  inserted: string[];
  /** Outbox rows written for the new entries, to publish after commit. */
  outboxIds: number[];
}

/** Writes entries and their outbox rows in one transaction; duplicates are no-ops. */
export type RecordEntries = (entries: readonly LedgerEntry[]) => Promise<RecordResult>;

export interface PublishResult {
  published: number;
  failed: number;
}

/** Publishes these pending outbox rows and marks them published (after the ledger commit). */
export type PublishOutbox = (ids: readonly number[]) => Promise<PublishResult>;

/** Publishes leftovers: rows still pending after `olderThanSeconds` (a crash between commit and publish). */
export type RelayOutbox = (opts: { olderThanSeconds: number; limit: number }) => Promise<PublishResult>;

/** Publishes envelopes (bus, billing topic: domain/publishing.ts); returns, per envelope, whether it was accepted. */
export type PublishEnvelopes = (events: readonly Envelope<unknown>[]) => Promise<boolean[]>;

/** Records a carrier update once per carrier event id; false when it was a duplicate. */
export type RecordShipmentUpdate = (update: CarrierUpdate, correlationId: string) => Promise<boolean>;

// ---- the reconciler (P29) --------------------------------------------------------------

export interface ReconciliationFacts {
  balances: CaptureBalance[];
  outcomes: OrderOutcome[];
}

/** The facts for one run, bounded to a look-back window (seconds). */
export type LoadReconciliationFacts = (lookbackSeconds: number) => Promise<ReconciliationFacts>;

/**
 * Records a run's findings (known ones keep their state), resolves the window's findings
 * that no longer hold, and returns the new findings plus the refunds still to ask for.
 */
export type RememberFindings = (
  findings: readonly Finding[],
  lookbackSeconds: number,
) => Promise<{ fresh: Finding[]; toRefund: Finding[]; resolved: number }>;

/** Marks an open finding as refund-requested (with the refund id, when one was made). */
export type MarkRefundRequested = (findingId: string, refundId: string | undefined) => Promise<void>;

export interface RefundCaptureRequest {
  orderId: string;
  paymentId: string;
  amount: number;
  currency: string;
  idempotencyKey: string;
  reason: string;
  correlationId?: string;
}

export interface RefundCaptureAnswer {
  status: 'REFUNDED' | 'NOTHING_TO_REFUND';
  refund?: { refundId: string };
}

/** Refunds (part of) a capture through the payments service, idempotent per key. */
export type RefundCapture = (request: RefundCaptureRequest) => Promise<RefundCaptureAnswer>;
