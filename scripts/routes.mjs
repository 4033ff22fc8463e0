// The HTTP routes of a packaged CloudFormation template (method, path, authentication),
// read from its API Gateway resources. Shared by the README route table
// (docs-routes.mjs) and the OpenAPI contract tests (tests/template.contracts.test.ts):
// importing it has no side effects, unlike docs-routes.mjs, which writes the README.

/** The logical id a Ref / GetAtt points at. */
const target = (v) => v?.Ref ?? (Array.isArray(v?.['Fn::GetAtt']) ? v['Fn::GetAtt'][0] : undefined);

export function routesOf(template) {
  const resources = template.Resources ?? {};
  const pathOf = (id) => {
    if (!id || !resources[id] || resources[id].Type !== 'AWS::ApiGateway::Resource') return '';
    const r = resources[id].Properties;
    return `${pathOf(target(r.ParentId))}/${r.PathPart}`;
  };
  const routes = [];
  for (const [, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ApiGateway::Method') continue;
    const p = r.Properties;
    if (p.HttpMethod === 'OPTIONS') continue;
    const path = pathOf(target(p.ResourceId)) || '/';
    const auth =
      p.AuthorizationType === 'CUSTOM'
        ? 'token (gatekeeper)'
        : p.ApiKeyRequired
          ? 'API key (x-api-key)'
          : path.startsWith('/webhooks/payments')
            ? 'signature (Payment-Signature)'
            : 'none';
    routes.push({ method: p.HttpMethod, path, auth });
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
