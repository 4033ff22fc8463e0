/**
 * API keys and usage plans for methods with ApiKeyRequired: the key (the `x-api-key`
 * header, or the authorizer's usageIdentifierKey when the API's key source is
 * AUTHORIZER) must be enabled and belong to a usage plan that lists this API and stage;
 * else 403 Forbidden. The plan's Throttle is a token bucket per key (BurstLimit tokens,
 * refilled at RateLimit per second) and its Quota a count per key and period; running
 * out of either is a 429.
 */
import { GatewayError } from './gateway-responses';
import type { ApiKey, Model, RestApi, UsagePlan } from './model';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

function periodOf(period: 'DAY' | 'WEEK' | 'MONTH', now: number): string {
  const d = new Date(now);
  if (period === 'MONTH') return d.toISOString().slice(0, 7);
  if (period === 'DAY') return d.toISOString().slice(0, 10);
  // Weeks start on Monday (UTC), as usage plan quotas do by default.
  const monday = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)),
  );
  return `W${monday.toISOString().slice(0, 10)}`;
}

export class UsagePlans {
  private readonly buckets = new Map<string, Bucket>();
  private readonly quotaUsed = new Map<string, number>();

  constructor(
    private readonly model: Model,
    private readonly now: () => number = Date.now,
  ) {}

  /** Admits one call with `keyValue` to `api`, or throws the gateway error API Gateway answers. */
  admit(api: RestApi, keyValue: string | undefined): ApiKey {
    const key = keyValue ? this.model.apiKeys.find((k) => k.value === keyValue && k.enabled) : undefined;
    const plan = key && this.plansOf(api).find((p) => p.keyIds.has(key.id));
    if (!key || !plan) throw new GatewayError('INVALID_API_KEY');
    this.throttle(plan, key);
    this.countQuota(plan, key);
    return key;
  }

  private plansOf(api: RestApi): UsagePlan[] {
    return this.model.usagePlans.filter((p) =>
      p.apiStages.some((s) => s.apiId === api.id && api.stageNames.has(s.stage)),
    );
  }

  private throttle(plan: UsagePlan, key: ApiKey): void {
    if (!plan.throttle) return;
    const { rateLimit, burstLimit } = plan.throttle;
    const capacity = Math.max(burstLimit, 1);
    const now = this.now();
    const id = `${plan.id}/${key.id}`;
    const bucket = this.buckets.get(id) ?? { tokens: capacity, updatedAt: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rateLimit);
    bucket.updatedAt = now;
    this.buckets.set(id, bucket);
    if (bucket.tokens < 1) throw new GatewayError('THROTTLED');
    bucket.tokens -= 1;
  }

  private countQuota(plan: UsagePlan, key: ApiKey): void {
    if (!plan.quota) return;
    const id = `${plan.id}/${key.id}/${periodOf(plan.quota.period, this.now())}`;
    const used = this.quotaUsed.get(id) ?? 0;
    if (used >= plan.quota.limit) throw new GatewayError('QUOTA_EXCEEDED');
    this.quotaUsed.set(id, used + 1);
  }
}
