export interface Route {
  method: string;
  path: string;
  auth: 'token (gatekeeper)' | 'API key (x-api-key)' | 'signature (Payment-Signature)' | 'none';
}
export function routesOf(template: unknown): Route[];
