/**
 * Renders the carrier integration's request template the way API Gateway does, for
 * the few constructs it uses ($util.urlEncode($input.body), $util.urlEncode($context.requestId)).
 * Java's URLEncoder (API Gateway) encodes a space as "+", as URLSearchParams expects.
 */
export function renderCarrierTemplate(template: string, input: { body: string; requestId: string }): string {
  const javaUrlEncode = (s: string) =>
    encodeURIComponent(s)
      .replace(/%20/g, '+')
      .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const rendered = template
    .replace(/\$util\.urlEncode\(\$input\.body\)/g, javaUrlEncode(input.body))
    .replace(/\$util\.urlEncode\(\$context\.requestId\)/g, javaUrlEncode(input.requestId));
  if (/\$[a-z]/i.test(rendered)) throw new Error(`Unrendered VTL left in: ${rendered}`);
  return rendered;
}
