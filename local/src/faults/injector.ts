/**
 * The fault injector: decides, from a profile and a seeded PRNG, which invocation fails,
 * which delivery is repeated, and when an engine or the payment provider goes away and
 * comes back. It only decides and keeps count; the Lambda host, the event sources and
 * the platform act on its answers.
 *
 * Repeatable: each function and each source draws from its own generator (pure-rand's
 * xoroshiro128+, seeded with the profile's seed and the name), so the faults one function
 * sees depend on its own sequence of invocations, not on how they interleave with others.
 * Outages follow the injected clock: `tick()` starts and ends them (the platform ticks a
 * few times a second, the tests move the clock themselves).
 *
 * Every fault is one line in the runner's log stream, from source `fault`, as a JSON line
 * with a `fault` field (the stream prints it `WARN injected … fault=handler-error …`):
 * an injected failure is never mistaken for a real one.
 */
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import type { LogSink } from '../types';
import {
  matches,
  parseProfile,
  type FaultProfile,
  type AwsError,
  type AwsWindow,
  type CarrierWindow,
  type FunctionFaults,
  type ProviderWindow,
} from './profile';

export type FaultKind =
  | 'handler-error'
  | 'latency'
  | 'timeout'
  | 'environment-killed'
  | 'duplicate-delivery'
  | 'early-redelivery'
  | 'postgres-outage'
  | 'redis-outage'
  | 'provider-outage'
  | 'carrier-outage'
  | 'aws-outage'
  | 'aws-error';

/** What the Lambda host does to one invocation. */
export type InvocationFault =
  | { kind: 'handler-error' }
  | { kind: 'latency'; ms: number }
  | { kind: 'timeout' }
  | { kind: 'environment-killed'; afterMs: number };

export type DeliveryFault = 'duplicate-delivery' | 'early-redelivery';

export interface FaultEvent {
  /** ISO time the fault was injected (or the outage started / ended). */
  at: string;
  fault: FaultKind;
  /** The function, source, engine or provider it hit. */
  target: string;
  detail: string;
}

/** What an outage switches off and back on. */
export interface OutageTargets {
  postgres?: { pause(): Promise<void>; resume(): Promise<void> };
  redis?: { pause(): Promise<void>; resume(): Promise<void> };
  provider?: ThirdParty;
  carrier?: ThirdParty;
}

/** A simulated third party a window changes and then puts back as it was. */
export interface ThirdParty {
  settings(): object;
  control(patch: Record<string, unknown>): unknown;
}

type WindowKind = 'postgres-outage' | 'redis-outage' | 'provider-outage' | 'carrier-outage' | 'aws-outage';

/** A window's change to a simulated third party: the settings it sets, the ones it puts back. */
interface PartyChange {
  party: 'provider' | 'carrier';
  /** What the window sets (only the fields the profile gave). */
  patch: Record<string, unknown>;
  /** The fields it may change, each with the value to put back when the party had none. */
  restore: Record<string, unknown>;
}

interface WindowState {
  kind: WindowKind;
  target: string;
  atMs: number;
  forMs: number;
  change?: PartyChange;
  aws?: AwsWindow;
  state: 'waiting' | 'active' | 'over';
  /** The third party's settings before the window, put back when it ends. */
  saved?: Record<string, unknown>;
}

/** The fields of a window that are set, as a patch. */
const given = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

const providerChange = (w: ProviderWindow): PartyChange => ({
  party: 'provider',
  patch: given({ mode: w.mode, webhooks: w.webhooks }),
  restore: { mode: undefined, webhooks: {} },
});

const carrierChange = (w: CarrierWindow): PartyChange => ({
  party: 'carrier',
  patch: given({ mode: w.mode, updates: w.updates }),
  restore: { mode: undefined, updates: {} },
});

export interface FaultInjectorOptions {
  log: LogSink;
  targets?: OutageTargets;
  /** The clock outages follow (tests inject their own). */
  now?: () => number;
}

const KEEP_EVENTS = 5_000;

/** FNV-1a: a name's contribution to its generator's seed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class FaultInjector {
  private profile: FaultProfile | undefined;
  private readonly generators = new Map<string, RandomGenerator>();
  private windows: WindowState[] = [];
  private startedAt = 0;
  private kills = new Map<string, number>();
  private ticking: Promise<void> = Promise.resolve();
  readonly counts: Partial<Record<FaultKind, number>> = {};
  /** Real (not injected) failures of each function while an outage was open, by outage. */
  readonly failuresDuringOutages: Record<string, Partial<Record<FaultKind, number>>> = {};
  readonly events: FaultEvent[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: FaultInjectorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The profile in force (undefined: no faults). */
  current(): FaultProfile | undefined {
    return this.profile;
  }

  /**
   * Puts a profile in force (or none): outages in progress end first (engines restarted,
   * the provider restored), the generators restart from the seed, the window clock from now.
   */
  async set(raw: unknown): Promise<void> {
    const profile = raw === undefined ? undefined : parseProfile(raw);
    await this.ticking;
    await this.endAll();
    this.profile = profile;
    this.generators.clear();
    this.kills.clear();
    this.startedAt = this.now();
    this.windows = profile ? this.windowsOf(profile) : [];
    this.opts.log.line(
      'fault',
      profile
        ? `fault profile in force (seed ${profile.seed})${profile.description ? `: ${profile.description}` : ''}`
        : 'no fault profile: nothing is injected',
    );
    await this.tick();
  }

  private windowsOf(p: FaultProfile): WindowState[] {
    return [
      ...p.engines.postgres.map((w) => ({ ...w, kind: 'postgres-outage' as const, target: 'postgres' })),
      ...p.engines.redis.map((w) => ({ ...w, kind: 'redis-outage' as const, target: 'redis' })),
      ...p.provider.map((w) => ({
        atMs: w.atMs,
        forMs: w.forMs,
        change: providerChange(w),
        kind: 'provider-outage' as const,
        target: 'payment-provider',
      })),
      ...p.carrier.map((w) => ({
        atMs: w.atMs,
        forMs: w.forMs,
        change: carrierChange(w),
        kind: 'carrier-outage' as const,
        target: 'carrier',
      })),
      ...p.aws.map((w) => ({
        atMs: w.atMs,
        forMs: w.forMs,
        aws: w,
        kind: 'aws-outage' as const,
        target: `aws:${w.service}${w.operation ? `.${w.operation}` : ''}`,
      })),
    ].map((w) => ({ ...w, state: 'waiting' as const }));
  }

  private draw(key: string): number {
    let g = this.generators.get(key);
    if (!g) {
      g = xoroshiro128plus((this.profile?.seed ?? 1) ^ hash(key));
      this.generators.set(key, g);
    }
    return (g.unsafeNext() >>> 0) / 2 ** 32;
  }

  private record(fault: FaultKind, target: string, detail: string, correlationId?: string): void {
    this.counts[fault] = (this.counts[fault] ?? 0) + 1;
    this.events.push({ at: new Date(this.now()).toISOString(), fault, target, detail });
    if (this.events.length > KEEP_EVENTS) this.events.splice(0, this.events.length - KEEP_EVENTS);
    this.opts.log.line(
      'fault',
      JSON.stringify({ level: 'WARN', message: `injected: ${detail}`, fault, target }),
      correlationId,
    );
  }

  private functionFaults(fn: string): FunctionFaults[] {
    return Object.entries(this.profile?.functions ?? {})
      .filter(([pattern]) => matches(pattern, fn))
      .map(([, f]) => f);
  }

  /** What happens to this invocation of `fn` (undefined: it runs as usual). */
  forInvocation(fn: string, correlationId?: string): InvocationFault | undefined {
    if (!this.profile) return undefined;
    const faults = this.functionFaults(fn);
    if (!faults.length) return undefined;
    const kill = faults.find((f) => f.kill)?.kill;
    if (kill) {
      const done = this.kills.get(fn) ?? 0;
      if (done < kill.max && this.draw(`${fn}#kill`) < kill.rate) {
        this.kills.set(fn, done + 1);
        this.record(
          'environment-killed',
          fn,
          `${fn}: execution environment killed ${kill.afterMs} ms into the invocation`,
          correlationId,
        );
        return { kind: 'environment-killed', afterMs: kill.afterMs };
      }
    }
    const errorRate = faults.find((f) => f.errorRate !== undefined)?.errorRate ?? 0;
    const timeoutRate = faults.find((f) => f.timeoutRate !== undefined)?.timeoutRate ?? 0;
    const latency = faults.find((f) => f.latency)?.latency;
    const r = this.draw(fn);
    if (r < errorRate) {
      this.record('handler-error', fn, `${fn}: handler exception`, correlationId);
      return { kind: 'handler-error' };
    }
    if (r < errorRate + timeoutRate) {
      this.record('timeout', fn, `${fn}: runs past its timeout`, correlationId);
      return { kind: 'timeout' };
    }
    if (latency && r < errorRate + timeoutRate + latency.rate) {
      this.record('latency', fn, `${fn}: ${latency.ms} ms added latency`, correlationId);
      return { kind: 'latency', ms: latency.ms };
    }
    return undefined;
  }

  /**
   * A function failed on its own (no fault injected into that invocation): if an outage
   * is open, the failure is put down to it, so a dead letter it causes can be explained.
   */
  noteFailure(fn: string): void {
    for (const w of this.windows) {
      // An AWS window explains only the calls it failed (each an `aws-error` against its caller).
      if (w.state !== 'active' || w.kind === 'aws-outage') continue;
      const mine = (this.failuresDuringOutages[fn] ??= {});
      mine[w.kind] = (mine[w.kind] ?? 0) + 1;
    }
  }

  /** Whether this batch from `source` to `fn` is delivered twice, and how. */
  forDelivery(source: string, fn: string): DeliveryFault | undefined {
    if (!this.profile) return undefined;
    const faults = Object.entries(this.profile.sources)
      .filter(([pattern]) => matches(pattern, source) || matches(pattern, fn))
      .map(([, f]) => f);
    if (!faults.length) return undefined;
    const duplicate = faults.find((f) => f.duplicateRate !== undefined)?.duplicateRate ?? 0;
    const early = faults.find((f) => f.earlyRedeliveryRate !== undefined)?.earlyRedeliveryRate ?? 0;
    const r = this.draw(`${source}->${fn}`);
    if (r < duplicate) {
      this.record('duplicate-delivery', fn, `${source} -> ${fn}: batch delivered twice`);
      return 'duplicate-delivery';
    }
    if (r < duplicate + early) {
      this.record('early-redelivery', fn, `${source} -> ${fn}: batch redelivered while the first copy runs`);
      return 'early-redelivery';
    }
    return undefined;
  }

  /**
   * Whether AWS answers this call with an error (an `aws` window open for its service,
   * operation and caller, and the draw within the window's rate): the IAM gateway asks
   * before forwarding each call a function makes.
   */
  forAwsCall(service: string, operation: string, fn: string, correlationId?: string): AwsError | undefined {
    for (const w of this.windows) {
      const a = w.aws;
      if (w.state !== 'active' || !a || a.service !== service) continue;
      if (a.operation && a.operation !== operation) continue;
      if (a.function && !matches(a.function, fn)) continue;
      if (a.rate < 1 && this.draw(`aws:${service}:${fn}`) >= a.rate) continue;
      this.record('aws-error', fn, `${fn}: ${service}.${operation} answered ${a.error}`, correlationId);
      return a.error;
    }
    return undefined;
  }

  /** Outages whose window is open now. */
  active(): string[] {
    return this.windows.filter((w) => w.state === 'active').map((w) => w.kind);
  }

  /** Starts the outages whose time has come and ends those whose time is up. */
  tick(): Promise<void> {
    this.ticking = this.ticking
      .then(async () => {
        const elapsed = this.now() - this.startedAt;
        for (const w of this.windows) {
          if (w.state === 'waiting' && elapsed >= w.atMs) await this.begin(w);
          if (w.state === 'active' && elapsed >= w.atMs + w.forMs) await this.end(w);
        }
      })
      .catch((e: Error) =>
        this.opts.log.line('fault', `an outage could not be started or ended: ${e.message}`),
      );
    return this.ticking;
  }

  private async begin(w: WindowState): Promise<void> {
    w.state = 'active';
    const t = this.opts.targets;
    if (w.kind === 'postgres-outage') await t?.postgres?.pause();
    if (w.kind === 'redis-outage') await t?.redis?.pause();
    const party = w.change && t?.[w.change.party];
    if (w.change && party) {
      const before = party.settings() as Record<string, unknown>;
      w.saved = Object.fromEntries(
        Object.entries(w.change.restore).map(([k, none]) => [k, before[k] ?? none]),
      );
      party.control(w.change.patch);
    }
    const what = w.change
      ? `${w.target} ${Object.entries(w.change.patch)
          .map(([k, v]) => (typeof v === 'string' ? v : `${k} ${JSON.stringify(v)}`))
          .join(', ')}`
      : w.aws
        ? `${w.target} answered ${w.aws.error}${w.aws.rate < 1 ? ` ${Math.round(w.aws.rate * 100)}% of the time` : ''}${w.aws.function ? ` to ${w.aws.function}` : ''}`
        : `${w.target} stopped`;
    this.record(w.kind, w.target, `${what} for ${w.forMs} ms`);
  }

  private async end(w: WindowState): Promise<void> {
    w.state = 'over';
    const t = this.opts.targets;
    if (w.kind === 'postgres-outage') await t?.postgres?.resume();
    if (w.kind === 'redis-outage') await t?.redis?.resume();
    const party = w.change && t?.[w.change.party];
    if (party && w.saved) party.control(w.saved);
    this.opts.log.line(
      'fault',
      JSON.stringify({
        level: 'WARN',
        message: `ended: ${w.kind} of ${w.target}`,
        fault: w.kind,
        target: w.target,
      }),
    );
  }

  private async endAll(): Promise<void> {
    for (const w of this.windows) if (w.state === 'active') await this.end(w);
  }

  /** What GET /_local/faults answers. */
  snapshot() {
    return {
      profile: this.profile ?? null,
      startedAt: this.profile ? new Date(this.startedAt).toISOString() : null,
      active: this.active(),
      windows: this.windows.map(({ kind, target, atMs, forMs, state }) => ({
        kind,
        target,
        atMs,
        forMs,
        state,
      })),
      counts: { ...this.counts },
      failuresDuringOutages: structuredClone(this.failuresDuringOutages),
      events: [...this.events],
    };
  }
}
