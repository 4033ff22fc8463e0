import { bearerTokenOf, principalFromClaims } from './claims';
import { policyFor, type AuthorizerResult } from './policy';
import type { VerifyToken } from './ports';

export interface AuthorizeDeps {
  verifyToken: VerifyToken;
}

/** The gatekeeper's one use case: Authorization header + method ARN in, IAM policy out. */
export function authorize(deps: AuthorizeDeps) {
  return async (authorization: string | undefined, methodArn: string): Promise<AuthorizerResult> => {
    const token = bearerTokenOf(authorization);
    const claims = await deps.verifyToken(token);
    return policyFor(principalFromClaims(claims), methodArn);
  };
}
