import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { buildApiKeySource } from './api-key';

describe('provider API key from Secrets Manager (P31)', () => {
  it('is read once per container and cached, and refetched on demand', async () => {
    // Prepare
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'sk_one' })
      .resolves({ SecretString: 'sk_two' });
    const apiKey = buildApiKeySource(
      new SecretsProvider({ awsSdkV3Client: client }),
      'arn:aws:secretsmanager:us-east-1:1:secret:key',
    );
    // Act + Assess
    expect(await apiKey()).toBe('sk_one');
    expect(await apiKey()).toBe('sk_one');
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(await apiKey({ forceFetch: true })).toBe('sk_two');
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(mock.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:key',
    });
  });

  it('refuses an empty secret', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    mockClient(client).on(GetSecretValueCommand).resolves({ SecretString: '  ' });
    await expect(buildApiKeySource(new SecretsProvider({ awsSdkV3Client: client }), 's')()).rejects.toThrow(
      'holds no API key',
    );
  });
});
