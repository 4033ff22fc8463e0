/**
 * Checks a compact JWT (signature, allowed algorithm, issuer, audience, lifetime) and
 * returns its claims. Throws AccessRejectedError for a token that must get a 401; any
 * other error means the check itself could not run (key source down) and is a fault.
 */
export type VerifyToken = (token: string) => Promise<Record<string, unknown>>;
