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
