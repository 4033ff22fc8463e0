/**
 * The circuit breaker's state machine (P20), as pure functions of (state, time).
 *
 *   CLOSED --N failures or slow calls within the window--> OPEN (cool-down = base)
 *   OPEN --cool-down over: exactly one caller wins the probe--> HALF_OPEN (probe lease)
 *   HALF_OPEN --probe succeeds--> CLOSED (cool-down back to base)
 *   HALF_OPEN --probe fails--> OPEN (cool-down x multiplier, capped)
 *   HALF_OPEN --probe lease expires (prober died)--> next caller may take over the probe
 *
 * While OPEN, and while HALF_OPEN for everyone but the prober, calls fail fast without
 * touching the provider. Storage (and "exactly one" across containers) is the
 * orchestrator's job: these functions only say what the next state is.
 */

export type BreakerStatus = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface BreakerConfig {
  /** Failures (errors or slow calls) within `windowMs` that open the circuit. */
  failureThreshold: number;
  windowMs: number;
  /** A call that succeeds but takes at least this long counts as a failure. */
  slowCallMs: number;
  /** First cool-down after opening. */
  coolDownMs: number;
  /** Cool-down multiplier after each failed probe, and its cap. */
  backoffMultiplier: number;
  maxCoolDownMs: number;
  /** How long a probe may take before another caller may probe instead (> provider timeout). */
  probeLeaseMs: number;
}

/** The platform's numbers for the payment provider (README). */
export const DEFAULT_BREAKER_CONFIG: BreakerConfig = {
  failureThreshold: 5,
  windowMs: 30_000,
  slowCallMs: 2_500,
  coolDownMs: 10_000,
  backoffMultiplier: 2,
  maxCoolDownMs: 300_000,
  probeLeaseMs: 6_000,
};

export interface BreakerState {
  status: BreakerStatus;
  /** Times (ms) of recent failures while CLOSED, newest last, at most `failureThreshold`. */
  failures: number[];
  /** The current cool-down; grows with each failed probe, back to base on close. */
  coolDownMs: number;
  openedAt?: number;
  /** OPEN: when a probe may go. */
  retryAt?: number;
  /** HALF_OPEN: who holds the probe, and until when. */
  probeId?: string;
  probeExpiresAt?: number;
}

export const closedState = (config: BreakerConfig): BreakerState => ({
  status: 'CLOSED',
  failures: [],
  coolDownMs: config.coolDownMs,
});

export type Admission =
  | { decision: 'call' }
  /** The caller must claim `next` atomically; if it does, it is the one probe. */
  | { decision: 'probe'; next: BreakerState }
  | { decision: 'reject'; retryAt: number };

export function admit(state: BreakerState, now: number, probeId: string, config: BreakerConfig): Admission {
  const probe = (): Admission => ({
    decision: 'probe',
    next: { ...state, status: 'HALF_OPEN', probeId, probeExpiresAt: now + config.probeLeaseMs },
  });
  switch (state.status) {
    case 'CLOSED':
      return { decision: 'call' };
    case 'OPEN':
      return now < (state.retryAt ?? 0) ? { decision: 'reject', retryAt: state.retryAt! } : probe();
    case 'HALF_OPEN':
      return now < (state.probeExpiresAt ?? 0)
        ? { decision: 'reject', retryAt: state.probeExpiresAt! }
        : probe();
  }
}

export type Outcome = 'success' | 'failure';
export type Role = { kind: 'call' } | { kind: 'probe'; probeId: string };

/** A slow success is a failure for the breaker (the caller still gets its result). */
export function classify(failed: boolean, durationMs: number, config: BreakerConfig): Outcome {
  return failed || durationMs >= config.slowCallMs ? 'failure' : 'success';
}

function open(now: number, coolDownMs: number): BreakerState {
  return { status: 'OPEN', failures: [], coolDownMs, openedAt: now, retryAt: now + coolDownMs };
}

/**
 * The state after a call ends, or undefined when nothing changes (no write needed):
 * successes while CLOSED, and late results of calls admitted before the circuit opened.
 */
export function afterCall(
  state: BreakerState,
  outcome: Outcome,
  role: Role,
  now: number,
  config: BreakerConfig,
): BreakerState | undefined {
  if (role.kind === 'probe') {
    // Our lease ran out and someone else is probing now: their result decides.
    if (state.status !== 'HALF_OPEN' || state.probeId !== role.probeId) return undefined;
    if (outcome === 'success') return closedState(config);
    return open(now, Math.min(state.coolDownMs * config.backoffMultiplier, config.maxCoolDownMs));
  }
  if (state.status !== 'CLOSED' || outcome === 'success') return undefined;
  const failures = [...state.failures.filter((t) => t > now - config.windowMs), now].slice(
    -config.failureThreshold,
  );
  if (failures.length >= config.failureThreshold) return open(now, config.coolDownMs);
  return { ...state, failures };
}
