/**
 * DEV ONLY. The issuer and audience of tokens minted by `npm run token`. The dev and
 * localstack stages of serverless.yml trust exactly these values (keep them in step; the
 * template test checks it), and local runs and tests import them from here.
 *
 * The `.invalid` top-level domain can never resolve, so nobody can mistake this issuer
 * for a real identity provider or host a JWKS under it.
 */
export const DEV_ISSUER = 'https://dev-issuer.order-platform.invalid';
export const DEV_AUDIENCE = 'order-platform-api';
export const DEV_ALGORITHM = 'ES256';
/** The SSM parameter the dev stage reads the public key from (`--publish-ssm` writes it). */
export const devKeyParameterName = (stage = 'dev') => `/order-platform/${stage}/auth/jwt-public-key`;
