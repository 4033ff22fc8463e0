import type { Envelope } from '@order-platform/shared/events/envelope';
import type { LedgerEntry } from './ledger';
import type { LedgerMessage } from './messages';
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
