/**
 * zod's JSON Schema output, as the contract documents publish it: draft 2020-12 (what
 * OpenAPI 3.1 embeds), without the `format`s zod invents (`starts_with`, `ends_with`...),
 * which other validators reject or warn about; the `pattern` zod writes beside them
 * already says the same.
 */
import * as z from 'zod/mini';

const STANDARD_FORMATS = new Set([
  'date-time',
  'date',
  'time',
  'duration',
  'email',
  'idn-email',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'iri',
  'iri-reference',
  'uuid',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
  'regex',
]);

/**
 * `input`: what a sender may send (defaults optional); `output`: what a reader gets.
 * A refinement has no JSON Schema form: it stays a runtime check (unrepresentable: any).
 *
 * zod closes every plain `z.object` in its output view (`additionalProperties: false`).
 * For a response that would promise more than the platform keeps: fields are added
 * within a version (X4), so a client must read past unknown ones. `openObjects` leaves
 * plain objects open and keeps `strictObject`s (a real promise: nothing else) closed.
 */
export function jsonSchemaOf(
  schema: z.ZodMiniType,
  io: 'input' | 'output',
  opts: { openObjects?: boolean } = {},
): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (typeof jsonSchema.format === 'string' && !STANDARD_FORMATS.has(jsonSchema.format))
        delete jsonSchema.format;
      const def = zodSchema._zod.def as { type: string; catchall?: unknown };
      if (opts.openObjects && def.type === 'object' && def.catchall === undefined)
        delete jsonSchema.additionalProperties;
    },
  }) as Record<string, unknown>;
}
