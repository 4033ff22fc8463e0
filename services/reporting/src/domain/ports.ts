/**
 * The reporting service's ports: function types the domain calls, implemented by the
 * factories in ../adapters (Postgres, Redis, HTTP) and by fakes in unit tests.
 */
import type { Failure } from '@order-platform/shared/consumers/failures';
import type { OrderRow } from './order-item';

// ---- Read model (Postgres) -------------------------------------------------------------

/** The keys whose aggregates a write touched. */
export interface AffectedKeys {
  days: string[];
  customers: string[];
}

/**
 * Applies rows with the guard, in one transaction, and recomputes the aggregates of the
 * days and customers whose rows moved. `applied` counts rows that moved forward.
 */
export type ApplyRows = (rows: readonly OrderRow[]) => Promise<{ applied: number; affected: AffectedKeys }>;

/** Parks a record that can never be projected (contract violation), with why. */
export type ParkPoison = (
  item: { id: string; source?: string; change: unknown },
  failure: Failure,
) => Promise<void>;

/** Called after a commit that moved rows: drops the cached reports those rows feed. */
export type ReadModelChanged = (affected: AffectedKeys) => Promise<void>;

/** Recomputes the aggregates of a day range from the rows; `corrected` counts the days and customers whose aggregates changed. */
export type RecomputeDays = (
  fromDay: string,
  toDay: string,
) => Promise<{ days: number; customers: number; corrected: number; affected: AffectedKeys }>;

export interface DailySalesRow {
  day: string;
  currency: string;
  orders: number;
  units: number;
  revenue: number;
}

export interface DailySalesReport {
  from: string;
  to: string;
  days: DailySalesRow[];
  totals: { currency: string; orders: number; units: number; revenue: number }[];
}

export interface CustomerSummary {
  customerId: string;
  orders: { total: number; confirmed: number; cancelled: number; failed: number; open: number };
  spent: { currency: string; amount: number }[];
  firstOrderAt: string | null;
  lastOrderAt: string | null;
}

export interface TopProduct {
  sku: string;
  units: number;
  orders: number;
  revenue: Record<string, number>;
}

export type QueryDailySales = (from: string, to: string) => Promise<DailySalesReport>;
export type QueryCustomerSummary = (customerId: string) => Promise<CustomerSummary>;
export type QueryTopProducts = (limit: number) => Promise<TopProduct[]>;

// ---- Cache (Redis) ---------------------------------------------------------------------

/**
 * The primitives cache-aside needs. Every method may throw when the cache is down; the
 * algorithm in cache.ts turns that into a read straight from the source.
 */
export interface CacheStore {
  /** The current generation of a namespace (created if missing). Part of every key. */
  generation(namespace: string): Promise<string>;
  /** Starts new generations: every key of those namespaces is unreachable from now on. */
  bump(namespaces: readonly string[]): Promise<void>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** SET NX PX: true when this caller now holds the lock. */
  tryLock(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock only if the token still holds it. */
  unlock(key: string, token: string): Promise<void>;
}

// ---- Aggregator (HTTP) -----------------------------------------------------------------

/** One downstream call of the dashboard; it must honour the signal (abort on timeout). */
export type PartCall<T> = (signal: AbortSignal) => Promise<T>;

/** The customer dashboard's parts. */
export type DashboardPart = 'orders' | 'summary' | 'billing';

/** Each part's call for one request; undefined when this stage has no such source. */
export type DashboardSources = Record<DashboardPart, PartCall<unknown> | undefined>;
