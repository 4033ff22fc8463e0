import { describe, expect, it } from 'vitest';
import { CARRIER_REQUEST_TEMPLATE } from './test-fixtures';
import { escapeJavaScript, jsonPath, renderTemplate, urlEncode, type TemplateInput } from './vtl';

const input = (body: string, extra: Partial<TemplateInput> = {}): TemplateInput => ({
  body,
  params: { path: { orderId: 'o-1' }, querystring: { q: 'shoes' }, header: { 'X-Tenant': 't-1' } },
  context: {
    requestId: 'req-1',
    identity: { sourceIp: '10.0.0.1' },
    authorizer: { principalId: 'c-1', role: 'admin' },
  },
  stageVariables: null,
  ...extra,
});

describe('renderTemplate', () => {
  it('renders the webhook carrier template into an SQS SendMessage form body', () => {
    const body = JSON.stringify({ orderId: 'ord_1', status: 'in transit', note: "a&b=c'(x)~*" });
    const out = renderTemplate(CARRIER_REQUEST_TEMPLATE, input(body));
    const form = new URLSearchParams(out);
    expect(form.get('Action')).toBe('SendMessage');
    expect(form.get('MessageBody')).toBe(body);
    expect(form.get('MessageAttribute.1.Name')).toBe('correlationId');
    expect(form.get('MessageAttribute.1.Value.StringValue')).toBe('req-1');
    expect(form.get('MessageAttribute.2.Value.StringValue')).toBe('carrier.update');
    // Java URLEncoder: spaces as '+', and ' ( ) ~ escaped.
    expect(out).toContain('%22in+transit%22');
    expect(out).toContain('%27%28x%29%7E*');
  });

  it('implements $input.json, $input.path, $input.params and $context', () => {
    const body = JSON.stringify({
      items: [
        { sku: 'a', qty: 2 },
        { sku: 'b', qty: 1 },
      ],
      customer: { id: 'c-1' },
    });
    const template = [
      '{"items":$input.json(\'$.items\'),"first":"$input.path(\'$.items[0].sku\')",',
      '"count":$input.path(\'$.items\').size(),"skus":$input.json(\'$.items[*].sku\'),',
      '"order":"$input.params(\'orderId\')","q":"$input.params(\'q\')","tenant":"$input.params(\'x-tenant\')",',
      '"hdr":"$input.params().header.get(\'X-Tenant\')","ip":"$context.identity.sourceIp",',
      '"role":"$context.authorizer.role","missing":"$context.authorizer.nothing$input.params(\'nope\')"}',
    ].join('');
    expect(JSON.parse(renderTemplate(template, input(body)))).toEqual({
      items: [
        { sku: 'a', qty: 2 },
        { sku: 'b', qty: 1 },
      ],
      first: 'a',
      count: 2,
      skus: ['a', 'b'],
      order: 'o-1',
      q: 'shoes',
      tenant: 't-1',
      hdr: 't-1',
      ip: '10.0.0.1',
      role: 'admin',
      missing: '',
    });
  });

  it('implements $util helpers and #foreach over parsed JSON', () => {
    const body = '{"name":"O\'Brien \\"Bob\\"","tags":["x","y"]}';
    const template = [
      '#set($b = $util.parseJson($input.body))',
      '"$util.escapeJavaScript($b.name)"|$util.base64Encode("hi")|$util.base64Decode("aGk=")|',
      '$util.urlDecode("a+b%26c")|#foreach($t in $b.tags)$t#if($foreach.hasNext),#end#end',
    ].join('');
    expect(renderTemplate(template, input(body))).toBe('"O\\\'Brien \\"Bob\\""|aGk=|hi|a b&c|x,y');
  });
});

describe('helpers', () => {
  it('escapeJavaScript escapes like Java StringEscapeUtils', () => {
    expect(escapeJavaScript('a/b\n\t"é')).toBe('a\\/b\\n\\t\\"\\u00E9');
  });

  it('urlEncode matches java.net.URLEncoder', () => {
    expect(urlEncode('a b+c/d?*.-_~!')).toBe('a+b%2Bc%2Fd%3F*.-_%7E%21');
  });

  it('jsonPath supports brackets, indexes and wildcards', () => {
    const doc = { a: { 'b-c': [1, 2] } };
    expect(jsonPath(doc, "$.a['b-c'][1]")).toBe(2);
    expect(jsonPath(doc, '$')).toBe(doc);
    expect(jsonPath(doc, '$.a.*')).toEqual([[1, 2]]);
    expect(jsonPath(doc, '$.x.y')).toBeUndefined();
  });
});
