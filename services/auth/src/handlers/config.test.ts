import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@order-platform/shared/config';
import { loadAuthConfig } from './config';

const base = {
  JWT_ISSUER: 'https://issuer.test.invalid',
  JWT_AUDIENCE: 'aud',
  JWT_JWKS_URL: '',
  JWT_PUBLIC_KEY_PARAMETER: '',
};

function withEnv(env: Record<string, string>) {
  for (const [name, value] of Object.entries({ ...base, ...env })) vi.stubEnv(name, value);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadAuthConfig', () => {
  it('uses the JWKS of a real identity provider when JWT_JWKS_URL is set', () => {
    withEnv({
      JWT_JWKS_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
    });

    const config = loadAuthConfig();

    expect(config.keySource.kind).toBe('jwks');
    expect(config.issuer).toBe(base.JWT_ISSUER);
  });

  it('otherwise reads the public key from the SSM parameter', () => {
    withEnv({ JWT_PUBLIC_KEY_PARAMETER: '/order-platform/dev/auth/jwt-public-key' });

    expect(loadAuthConfig().keySource).toEqual({
      kind: 'ssm-parameter',
      parameterName: '/order-platform/dev/auth/jwt-public-key',
    });
  });

  it.each([
    [{ JWT_ISSUER: '' }, /JWT_ISSUER/],
    [{ JWT_AUDIENCE: '' }, /JWT_AUDIENCE/],
    [{}, /JWT_JWKS_URL or JWT_PUBLIC_KEY_PARAMETER/],
    [{ JWT_JWKS_URL: 'http://idp.example.com/jwks.json' }, /https/],
    [{ JWT_JWKS_URL: 'not a url' }, /not a URL/],
    [{ JWT_PUBLIC_KEY_PARAMETER: 'relative-name' }, /starting with "\/"/],
  ])('fails fast on %j', (env, message) => {
    withEnv(env);

    expect(() => loadAuthConfig()).toThrow(ConfigError);
    expect(() => loadAuthConfig()).toThrow(message);
  });

  it('allows plain http for a JWKS on loopback (local runs)', () => {
    withEnv({ JWT_JWKS_URL: 'http://127.0.0.1:4010/jwks.json' });

    expect(loadAuthConfig().keySource.kind).toBe('jwks');
  });
});
