/**
 * A fault profile: which failures the local platform injects, how often and when. One
 * JSON file (`npm run dev -- --faults <file>`, or POST /_local/faults at run time),
 * checked here before anything is injected: a typo in a rate is refused, never ignored.
 *
 * Keys of `functions` and `sources` are name patterns where `*` stands for any run of
 * characters (`op-inventory-local-*`, `*-queue`); every pattern that matches applies, the
 * first one that matches a kind of fault decides it. Times in windows count from the
 * moment the profile was set (the platform ready, or the POST).
 */
import { z } from 'zod';
import { PROVIDER_MODES } from '../../../services/payments/src/simulator/provider';
import { CARRIER_MODES, UpdateFaultsSchema } from '../../../services/fulfilment/src/simulator/carrier';

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0);

export const FunctionFaultsSchema = z
  .object({
    /** Share of invocations that fail as a handler exception (the handler does not run). */
    errorRate: rate.optional(),
    /** Share of invocations delayed by `ms` before the handler runs. */
    latency: z
      .object({ rate, ms: ms.min(1) })
      .strict()
      .optional(),
    /**
     * Share of invocations that run, then outlive the function's Timeout: the work is done,
     * the caller sees `Sandbox.Timedout` and the environment is thrown away.
     */
    timeoutRate: rate.optional(),
    /**
     * The execution environment dies `afterMs` into the handler (the batch in hand is
     * lost to the caller, whatever the handler got done): at most `max` times per profile.
     */
    kill: z
      .object({ rate: rate.default(1), max: z.number().int().min(1).default(1), afterMs: ms.default(20) })
      .strict()
      .optional(),
  })
  .strict();

export const SourceFaultsSchema = z
  .object({
    /** Share of batches delivered a second time once the first delivery ended. */
    duplicateRate: rate.optional(),
    /** Share of batches delivered twice at once (redelivered before the first copy finished). */
    earlyRedeliveryRate: rate.optional(),
  })
  .strict();

export const WindowSchema = z.object({ atMs: ms, forMs: ms.min(1) }).strict();

export const ProviderWindowSchema = z
  .object({
    atMs: ms,
    forMs: ms.min(1),
    /** The simulated provider's mode during the window (fail, hang, timeout-after-charge-once…). */
    mode: z.enum(PROVIDER_MODES).optional(),
    /** Webhooks during the window: each sent `repeat` more times, and/or `lateMs` later. */
    webhooks: z
      .object({ repeat: z.number().int().min(0).max(5).optional(), lateMs: ms.optional() })
      .strict()
      .optional(),
  })
  .strict();

export const CarrierWindowSchema = z
  .object({
    atMs: ms,
    forMs: ms.min(1),
    /** How the simulated carrier answers bookings during the window (unavailable, down, hang, lost-answer, refuse). */
    mode: z.enum(CARRIER_MODES).optional(),
    /** Status updates of shipments booked during the window: repeated, late, out of order. */
    updates: UpdateFaultsSchema.optional(),
  })
  .strict();

export const AWS_ERRORS = ['unavailable', 'throttled'] as const;

/**
 * AWS answering a service's calls with errors for a while (the mail service, SES, down;
 * SQS throttling): the local IAM gateway every function's SDK goes through answers the
 * service's own 503 or throttling error instead of forwarding the call. The SDK retries
 * them as it would on AWS; what it cannot absorb, the function's caller sees.
 */
export const AwsWindowSchema = z
  .object({
    atMs: ms,
    forMs: ms.min(1),
    /** The service as calls are signed for it (SigV4 name): ses, sqs, dynamodb, events, s3, states… */
    service: z.string().regex(/^[a-z0-9-]+$/, 'a SigV4 service name in lower case, e.g. ses'),
    /** One operation only (SendEmail); every operation of the service when absent. */
    operation: z.string().min(1).optional(),
    /** Calls from the functions this pattern matches only; every caller when absent. */
    function: z.string().min(1).optional(),
    /** Share of the matching calls answered with the error. */
    rate: rate.default(1),
    /** `unavailable`: 503 ServiceUnavailable; `throttled`: the service's throttling error. */
    error: z.enum(AWS_ERRORS).default('unavailable'),
  })
  .strict();

export const FaultProfileSchema = z
  .object({
    description: z.string().optional(),
    /** The PRNG seed: the same profile, seed and sequence of calls inject the same faults. */
    seed: z.number().int().default(1),
    functions: z.record(z.string().min(1), FunctionFaultsSchema).default({}),
    sources: z.record(z.string().min(1), SourceFaultsSchema).default({}),
    engines: z
      .object({ postgres: z.array(WindowSchema).default([]), redis: z.array(WindowSchema).default([]) })
      .strict()
      .default({ postgres: [], redis: [] }),
    provider: z.array(ProviderWindowSchema).default([]),
    carrier: z.array(CarrierWindowSchema).default([]),
    aws: z.array(AwsWindowSchema).default([]),
  })
  .strict();

export type FaultProfile = z.infer<typeof FaultProfileSchema>;
export type FunctionFaults = z.infer<typeof FunctionFaultsSchema>;
export type SourceFaults = z.infer<typeof SourceFaultsSchema>;
export type ProviderWindow = z.infer<typeof ProviderWindowSchema>;
export type CarrierWindow = z.infer<typeof CarrierWindowSchema>;
export type AwsWindow = z.infer<typeof AwsWindowSchema>;
export type AwsError = (typeof AWS_ERRORS)[number];

/** Parses and checks a profile; the error names every field that is wrong. */
export function parseProfile(raw: unknown): FaultProfile {
  const r = FaultProfileSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `invalid fault profile: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

/** `*` matches any run of characters, anything else itself. */
export function matches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
  return re.test(name);
}

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
