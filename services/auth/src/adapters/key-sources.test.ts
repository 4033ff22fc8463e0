import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { exportJWK, exportPKCS8, exportSPKI, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessRejectedError } from '../domain/errors';
import { AUDIENCE, ISSUER, newKeyPair, signToken, type TestKeyPair } from '../testing/tokens';
import { buildVerifyToken } from './jwt-verifier';
import { parsePublicKey, remoteJwksKeySource, ssmPublicKeySource, UnusableKeyError } from './key-sources';

const PARAMETER = '/order-platform/test/auth/jwt-public-key';
const expectations = { issuer: ISSUER, audience: AUDIENCE };

let es: TestKeyPair;
let rs: TestKeyPair;
beforeAll(async () => {
  [es, rs] = await Promise.all([newKeyPair('ES256'), newKeyPair('RS256')]);
});

const reasonOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof AccessRejectedError ? error.reason : error;
  }
};

describe('ssmPublicKeySource (SSM through Powertools Parameters)', () => {
  const ssm = mockClient(SSMClient);
  const provider = () => new SSMProvider({ awsSdkV3Client: new SSMClient({ region: 'eu-west-1' }) });
  const parameterHolds = (value: string) =>
    ssm
      .on(GetParameterCommand, { Name: PARAMETER })
      .resolves({ Parameter: { Name: PARAMETER, Value: value, Type: 'String' } });

  afterEach(() => {
    ssm.reset();
  });

  it('verifies ES256 tokens against a PEM public key', async () => {
    // Prepare
    parameterHolds(await exportSPKI(es.publicKey));
    const verify = buildVerifyToken(ssmPublicKeySource(provider(), PARAMETER), expectations);

    // Act
    const claims = await verify(await signToken(es, { sub: 'c-777' }));

    // Assess
    expect(claims.sub).toBe('c-777');
  });

  it('verifies RS256 tokens against a JWK public key', async () => {
    parameterHolds(JSON.stringify(await exportJWK(rs.publicKey)));
    const verify = buildVerifyToken(ssmPublicKeySource(provider(), PARAMETER), expectations);

    expect((await verify(await signToken(rs))).sub).toBe('c-123');
  });

  it('reads the parameter once per cache period, not once per token', async () => {
    parameterHolds(await exportSPKI(es.publicKey));
    const verify = buildVerifyToken(ssmPublicKeySource(provider(), PARAMETER), expectations);

    for (let i = 0; i < 3; i++) await verify(await signToken(es));

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('picks up a rotated key once the cached value has expired', async () => {
    // Prepare: a zero max age stands in for "five minutes later"
    parameterHolds(await exportSPKI(es.publicKey));
    const verify = buildVerifyToken(ssmPublicKeySource(provider(), PARAMETER, 0), expectations);
    await verify(await signToken(es));
    const rotated = await newKeyPair('ES256');
    parameterHolds(await exportSPKI(rotated.publicKey));

    // Act / Assess
    expect((await verify(await signToken(rotated))).sub).toBe('c-123');
    expect(await reasonOf(verify(await signToken(es)))).toBe('bad-signature');
  });

  it('refuses a token whose alg does not fit the stored key', async () => {
    parameterHolds(await exportSPKI(es.publicKey));
    const verify = buildVerifyToken(ssmPublicKeySource(provider(), PARAMETER), expectations);

    expect(await reasonOf(verify(await signToken(rs)))).toBe('algorithm-not-allowed');
  });

  it('treats a private key in the parameter as a fault, not as a bad token', async () => {
    parameterHolds(await exportPKCS8(es.privateKey));
    const verify = buildVerifyToken(ssmPublicKeySource(provider(), PARAMETER), expectations);

    expect(await reasonOf(verify(await signToken(es)))).toBeInstanceOf(UnusableKeyError);
  });

  it('lets a missing parameter surface as a fault (API Gateway 500), not a 401', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const verify = buildVerifyToken(ssmPublicKeySource(provider(), PARAMETER), expectations);

    const outcome = await reasonOf(verify(await signToken(es)));

    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(AccessRejectedError);
  });
});

describe('parsePublicKey', () => {
  it('derives the one algorithm each key may verify', async () => {
    expect(parsePublicKey(await exportSPKI(es.publicKey)).alg).toBe('ES256');
    expect(parsePublicKey(JSON.stringify(await exportJWK(rs.publicKey))).alg).toBe('RS256');
  });

  it('refuses keys too weak or of another kind', () => {
    const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    const ed = generateKeyPairSync('ed25519').publicKey;

    expect(() => parsePublicKey(pem(rsa1024))).toThrow(/too short/);
    expect(() => parsePublicKey(pem(p384))).toThrow(UnusableKeyError);
    expect(() => parsePublicKey(pem(ed))).toThrow(UnusableKeyError);
  });

  it('refuses a private JWK', async () => {
    expect(() => parsePublicKey(JSON.stringify({ kty: 'EC', crv: 'P-256', d: 'secret' }))).toThrow(
      /private JWK/,
    );
  });
});

describe('remoteJwksKeySource (a real identity provider)', () => {
  let server: Server;
  let jwks: unknown;
  let status = 200;

  beforeAll(async () => {
    jwks = { keys: [{ ...(await exportJWK(rs.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }] };
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const url = () =>
    new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
  const signWithKid = (kid: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('c-555')
      .setExpirationTime('5m')
      .sign(rs.privateKey);

  it('verifies a token by its kid', async () => {
    status = 200;
    const verify = buildVerifyToken(remoteJwksKeySource(url()), expectations);

    expect((await verify(await signWithKid('rsa-1'))).sub).toBe('c-555');
  });

  it('rejects a token whose kid is not in the set', async () => {
    status = 200;
    const verify = buildVerifyToken(remoteJwksKeySource(url()), expectations);

    expect(await reasonOf(verify(await signWithKid('unknown')))).toBe('unknown-key');
  });

  it('treats a failing JWKS endpoint as a fault, not as a bad token', async () => {
    status = 503;
    const verify = buildVerifyToken(remoteJwksKeySource(url()), expectations);

    const outcome = await reasonOf(verify(await signToken(rs)));

    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(AccessRejectedError);
  });
});
