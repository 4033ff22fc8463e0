import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { carrierUpdateJsonSchema, carrierUpdateSchema } from './shipments';

// ajv-draft-04 is CommonJS (module.exports = Ajv); take the class whichever way it arrives.
const Ajv = ((AjvDraft04 as unknown as { default?: typeof AjvDraft04 }).default ??
  AjvDraft04) as typeof AjvDraft04;

const valid = {
  eventId: 'evt-1',
  orderId: 'ord_01JAAAAAAAAAAAAAAAAAAAAAAA',
  carrier: 'DHL',
  trackingNumber: 'TRK-1234',
  status: 'in_transit',
  occurredAt: '2026-12-01T10:00:00Z',
};

/** Bodies the gateway (the JSON Schema) and the consumer (zod) must judge alike. */
const samples: [string, unknown][] = [
  ['a valid update', valid],
  ['milliseconds', { ...valid, occurredAt: '2026-12-01T10:00:00.123Z' }],
  ['an unknown field', { ...valid, notes: 'x' }],
  ['a __proto__ field', JSON.parse(`{"__proto__":{"a":1},${JSON.stringify(valid).slice(1)}`)],
  ['a date that is only 20 characters of something', { ...valid, occurredAt: 'not-a-date-at-all-xx' }],
  ['an offset instead of Z', { ...valid, occurredAt: '2026-12-01T10:00:00+01:00' }],
  ['February 30', { ...valid, occurredAt: '2026-02-30T10:00:00Z' }],
  ['hour 24', { ...valid, occurredAt: '2026-12-01T24:00:00Z' }],
  ['a space for the T', { ...valid, occurredAt: '2026-12-01 10:00:00Z' }],
  ['no seconds', { ...valid, occurredAt: '2026-12-01T10:00Z' }],
  ['29 February of a leap year', { ...valid, occurredAt: '2028-02-29T00:00:00Z' }],
  ['29 February of a common year', { ...valid, occurredAt: '2027-02-29T00:00:00Z' }],
];

describe('the carrier update contract', () => {
  const gateway = new Ajv({ strict: false }).compile(carrierUpdateJsonSchema);

  it.each(samples)('the gateway model and the consumer agree on %s', (_name, body) => {
    expect(gateway(body)).toBe(carrierUpdateSchema.safeParse(body).success);
  });

  it('is closed: an unknown field is refused by both, so nothing unbounded reaches the queue', () => {
    expect(gateway({ ...valid, notes: 'n'.repeat(2_000_000) })).toBe(false);
    expect(carrierUpdateSchema.safeParse({ ...valid, notes: 'x' }).success).toBe(false);
    expect(gateway(valid)).toBe(true);
  });
});
