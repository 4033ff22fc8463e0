/**
 * The webhook service's published client: the `Payment-Signature` scheme a sender signs
 * with (the simulated payment provider, the end-to-end client) and this service verifies.
 * The scheme itself is domain code (../domain/signature.ts, node:crypto only); this is
 * the surface other services may import (eslint.config.mjs, "Layering").
 */
export {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  computeSignature,
  signPayload,
  verifySignature,
  type SignatureFailure,
  type VerifyInput,
  type VerifyResult,
} from '../domain/signature';
