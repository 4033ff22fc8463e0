/**
 * The caller as established by the gatekeeper (the Lambda authorizer's context). A plain
 * type, so domain code can reason about who asks without importing the HTTP adapter
 * (`http.ts` reads it off the API Gateway event with `principalOf`).
 */
export interface Principal {
  customerId: string;
  role: 'customer' | 'admin';
  /** The token's `email` claim, when the identity provider sets one. */
  email?: string;
}
