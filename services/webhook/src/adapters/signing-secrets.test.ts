import { describe, expect, it, vi } from 'vitest';

const getSecret = vi.fn();
const getParameter = vi.fn();
vi.mock('@aws-lambda-powertools/parameters/secrets', () => ({ getSecret }));
vi.mock('@aws-lambda-powertools/parameters/ssm', () => ({ getParameter }));

const { buildSigningSecrets, parseSecrets } = await import('./signing-secrets');

describe('signing secrets (P31)', () => {
  it('parses one secret, or several by line or comma, newest first', () => {
    expect(parseSecrets('whsec_a')).toEqual(['whsec_a']);
    expect(parseSecrets('whsec_b\nwhsec_a\n')).toEqual(['whsec_b', 'whsec_a']);
    expect(parseSecrets(' whsec_b , whsec_a ')).toEqual(['whsec_b', 'whsec_a']);
    expect(parseSecrets(new TextEncoder().encode('whsec_bin'))).toEqual(['whsec_bin']);
    expect(parseSecrets(undefined)).toEqual([]);
  });

  it('reads Secrets Manager through Powertools with a cache age, forcing a re-read at most once per interval', async () => {
    getSecret.mockResolvedValue('whsec_a');
    let clock = 1_000_000;
    const secrets = buildSigningSecrets({
      secretId: 'arn:secret',
      maxAgeSeconds: 300,
      minRefreshIntervalSeconds: 30,
      now: () => clock,
    });
    await secrets();
    await secrets({ refresh: true });
    await secrets({ refresh: true }); // too soon: served from the cache
    clock += 30_000;
    await secrets({ refresh: true });
    expect(getSecret.mock.calls.map(([, o]) => o)).toEqual([
      { maxAge: 300, forceFetch: false },
      { maxAge: 300, forceFetch: true },
      { maxAge: 300, forceFetch: false },
      { maxAge: 300, forceFetch: true },
    ]);
  });

  it('reads an SSM SecureString with decryption when configured so', async () => {
    getParameter.mockResolvedValue('whsec_ssm');
    const secrets = buildSigningSecrets({ parameterName: '/op/dev/webhook/signing' });
    expect(await secrets()).toEqual(['whsec_ssm']);
    expect(getParameter).toHaveBeenCalledWith('/op/dev/webhook/signing', {
      decrypt: true,
      maxAge: 300,
      forceFetch: false,
    });
  });

  it('fails loudly on an empty secret or an ambiguous configuration', async () => {
    getSecret.mockResolvedValue('  ');
    await expect(buildSigningSecrets({ secretId: 'arn:empty' })()).rejects.toThrow(/empty/);
    expect(() => buildSigningSecrets({})).toThrow(/exactly one/);
    expect(() => buildSigningSecrets({ secretId: 'a', parameterName: 'b' })).toThrow(/exactly one/);
  });
});
