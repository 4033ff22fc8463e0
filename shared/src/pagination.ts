/**
 * `?limit&cursor` of every cursor-paginated list the platform serves: 1-100 items (20 when
 * not given) after an opaque cursor from the previous page. One schema, so the lists and
 * their OpenAPI documents cannot drift apart.
 */
import * as z from 'zod/mini';

export const pageQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

/** What each attribute of a cursor's key must be (the key the list gave out). */
export type CursorShape = Record<string, (value: string) => boolean>;

/**
 * The DynamoDB start key inside an opaque cursor (base64url JSON, as the lists encode
 * `LastEvaluatedKey`), when it is exactly the shape a list gives out: an object with the
 * shape's attributes and no other, each a string its check accepts (`optional` ones may
 * be absent). Anything else is `undefined`, so that a tampered cursor is a 400 naming
 * `cursor`, never an ExclusiveStartKey DynamoDB refuses (a 500) or one that reads
 * outside the caller's partition.
 */
export function decodeCursorKey(
  cursor: string,
  shape: CursorShape,
  optional: readonly string[] = [],
): Record<string, string> | undefined {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (key === null || typeof key !== 'object' || Array.isArray(key)) return undefined;
  const entries = Object.entries(key);
  if (entries.some(([name]) => !Object.hasOwn(shape, name))) return undefined;
  for (const [name, check] of Object.entries(shape)) {
    const value = (key as Record<string, unknown>)[name];
    if (!Object.hasOwn(key, name) && optional.includes(name)) continue;
    if (!Object.hasOwn(key, name) || typeof value !== 'string' || !check(value)) return undefined;
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
