import type { Email } from './messages';

/**
 * One delivery per key. `claimed`: this caller owns the delivery now (a lease);
 * `sent`: it went out already; `in-progress`: another attempt holds a live lease.
 */
export type ClaimState = 'claimed' | 'sent' | 'in-progress';
export type ClaimDelivery = (key: string, now: Date) => Promise<ClaimState>;
export type CompleteDelivery = (key: string, messageId: string, now: Date) => Promise<void>;
/** Gives the claim back after a failed send, so the retry can claim it at once. */
export type ReleaseDelivery = (key: string) => Promise<void>;
/** Sends one email; resolves to the provider's message id. */
export type SendEmail = (email: Email) => Promise<string>;

/** The address a customer last paid with, learned from billing records (newest wins). */
export type RememberContact = (customerId: string, email: string, asOf: string) => Promise<void>;
export type FindContact = (customerId: string) => Promise<string | undefined>;
