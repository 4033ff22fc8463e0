/**
 * The circuit breaker shared by every container (P20): the state lives in a store with
 * compare-and-set (a versioned DynamoDB item in production), the transitions are the
 * pure functions of breaker.ts, the clock is injected.
 *
 * - Closed, happy path: one read per call, no write.
 * - Exactly one probe: every caller that sees "cool-down over" tries to move the stored
 *   state to HALF_OPEN with its own probe id, conditional on the version it read. One
 *   write wins; the others re-read, see HALF_OPEN with a live lease, and fail fast.
 * - Store trouble never blocks payments: if the state cannot be read, the call goes
 *   through unguarded (fail open) and the problem is reported; a failed write of an
 *   outcome is reported and dropped.
 */
import {
  admit,
  afterCall,
  classify,
  closedState,
  type BreakerConfig,
  type BreakerState,
  type Outcome,
  type Role,
} from './breaker';

export interface StoredBreaker {
  state: BreakerState;
  version: number;
}

export interface BreakerStore {
  load(opts: { consistent: boolean }): Promise<StoredBreaker | undefined>;
  /** Writes `next` only if the stored version is still `expectedVersion` (undefined: only if absent). */
  compareAndSet(next: BreakerState, expectedVersion: number | undefined): Promise<boolean>;
}

/** The circuit is open: the provider was not called. Transient: retry after `retryAt`. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError';
  constructor(
    readonly breaker: string,
    readonly retryAt: number,
  ) {
    super(`Circuit ${breaker} is open; no call made (retry after ${new Date(retryAt).toISOString()})`);
  }
}

export interface CircuitBreakerDeps {
  name: string;
  store: BreakerStore;
  config: BreakerConfig;
  now: () => number;
  newProbeId: () => string;
  /** Which errors count against the provider (others, like a card decline, mean it is healthy). */
  isFailure: (error: unknown) => boolean;
  onTransition?: (from: BreakerState['status'], to: BreakerState) => void;
  onStoreError?: (error: unknown, during: 'admit' | 'record') => void;
}

const CAS_ATTEMPTS = 5;

export interface CircuitBreaker {
  execute<T>(call: () => Promise<T>): Promise<T>;
  /** The stored state (for tests, health checks and dashboards). */
  current(): Promise<BreakerState>;
}

export function createCircuitBreaker(deps: CircuitBreakerDeps): CircuitBreaker {
  const { config, store, now } = deps;

  async function admitCall(): Promise<Role | undefined> {
    const probeId = deps.newProbeId();
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      let stored: StoredBreaker | undefined;
      try {
        stored = await store.load({ consistent: attempt > 0 });
      } catch (error) {
        deps.onStoreError?.(error, 'admit');
        return undefined; // fail open: unguarded call
      }
      const state = stored?.state ?? closedState(config);
      const admission = admit(state, now(), probeId, config);
      if (admission.decision === 'reject') throw new CircuitOpenError(deps.name, admission.retryAt);
      if (admission.decision === 'call') return { kind: 'call' };
      let won: boolean;
      try {
        won = await store.compareAndSet(admission.next, stored?.version);
      } catch (error) {
        deps.onStoreError?.(error, 'admit');
        throw new CircuitOpenError(deps.name, now());
      }
      if (won) {
        deps.onTransition?.(state.status, admission.next);
        return { kind: 'probe', probeId };
      }
      // Someone changed the state since we read it (most likely: claimed the probe). Look again.
    }
    throw new CircuitOpenError(deps.name, now());
  }

  async function record(outcome: Outcome, role: Role): Promise<void> {
    // An ordinary call that went well never changes the state: no read, no write.
    if (role.kind === 'call' && outcome === 'success') return;
    try {
      for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
        const stored = await store.load({ consistent: true });
        const state = stored?.state ?? closedState(config);
        const next = afterCall(state, outcome, role, now(), config);
        if (!next) return;
        if (await store.compareAndSet(next, stored?.version)) {
          if (next.status !== state.status) deps.onTransition?.(state.status, next);
          return;
        }
      }
      deps.onStoreError?.(
        new Error(`Gave up recording a ${outcome} after ${CAS_ATTEMPTS} conflicting writes`),
        'record',
      );
    } catch (error) {
      deps.onStoreError?.(error, 'record');
    }
  }

  return {
    async execute<T>(call: () => Promise<T>): Promise<T> {
      const role = await admitCall();
      const started = now();
      let result: T;
      try {
        result = await call();
      } catch (error) {
        if (role) await record(classify(deps.isFailure(error), now() - started, config), role);
        throw error;
      }
      if (role) await record(classify(false, now() - started, config), role);
      return result;
    },
    async current() {
      return (await store.load({ consistent: true }))?.state ?? closedState(config);
    },
  };
}
