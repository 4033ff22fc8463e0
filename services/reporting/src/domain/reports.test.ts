import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '@order-platform/shared/errors';
import type { ReadThrough } from './cache';
import {
  customerSummaryReport,
  dailySalesReport,
  daysBetween,
  namespacesFor,
  salesQuerySchema,
  topProductsReport,
  topQuerySchema,
} from './reports';

const passThrough: ReadThrough = async (_spec, compute) => ({ value: await compute(), source: 'bypass' });
const admin = { customerId: 'ops-1', role: 'admin' as const };
const alice = { customerId: 'alice', role: 'customer' as const };

describe('sales query', () => {
  it.each([
    [{ from: '2026-01-01', to: '2026-01-31' }, true],
    [{ from: '2025-01-01', to: '2026-01-01' }, true], // 366 days
    [{ from: '2025-01-01', to: '2026-01-02' }, false], // 367 days
    [{ from: '2026-02-01', to: '2026-01-01' }, false],
    [{ from: '2026-02-30', to: '2026-03-01' }, false],
    [{ from: '2026-1-1', to: '2026-01-02' }, false],
    [{ from: '2026-01-01' }, false],
    [{ from: '2026-01-01', to: '2026-01-02', extra: 'x' }, false],
  ])('%j valid: %s', (query, ok) => {
    expect(salesQuerySchema.safeParse(query).success).toBe(ok);
  });

  it('counts days inclusively', () => {
    expect(daysBetween('2026-01-01', '2026-01-01')).toBe(1);
    expect(daysBetween('2024-01-01', '2024-12-31')).toBe(366);
  });
});

describe('top query', () => {
  it.each([
    [{}, 10],
    [{ limit: '1' }, 1],
    [{ limit: '50' }, 50],
  ])('%j -> limit %d', (q, limit) => {
    expect(topQuerySchema.parse(q).limit).toBe(limit);
  });
  it.each([{ limit: '0' }, { limit: '51' }, { limit: '2.5' }, { limit: 'ten' }])('%j is rejected', (q) => {
    expect(topQuerySchema.safeParse(q).success).toBe(false);
  });
});

describe('access rules', () => {
  it('keeps the sales and top products reports for admins', async () => {
    await expect(
      dailySalesReport(passThrough, async () => ({}) as never)(
        { from: '2026-01-01', to: '2026-01-02' },
        alice,
      ),
    ).rejects.toThrow(ForbiddenError);
    await expect(topProductsReport(passThrough, async () => [])({ limit: 5 }, alice)).rejects.toThrow(
      ForbiddenError,
    );
    await expect(topProductsReport(passThrough, async () => [])({ limit: 5 }, admin)).resolves.toMatchObject({
      value: [],
    });
  });

  it("lets a customer read only their own summary, and an admin anyone's", async () => {
    const report = customerSummaryReport(passThrough, async (id) => ({ customerId: id }) as never);
    await expect(report('alice', alice)).resolves.toMatchObject({ value: { customerId: 'alice' } });
    await expect(report('bob', alice)).rejects.toThrow(ForbiddenError);
    await expect(report('bob', admin)).resolves.toMatchObject({ value: { customerId: 'bob' } });
  });
});

describe('namespacesFor', () => {
  it('drops the sales namespace only when a day changed, and each changed customer', () => {
    expect(namespacesFor({ days: ['2026-01-01'], customers: ['a', 'b'] })).toEqual([
      'sales',
      'customer:a',
      'customer:b',
    ]);
    expect(namespacesFor({ days: [], customers: ['a'] })).toEqual(['customer:a']);
  });
});
