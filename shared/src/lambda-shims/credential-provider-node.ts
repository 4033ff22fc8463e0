/**
 * Lambda-only stand-in for `@aws-sdk/credential-provider-node`, swapped in at bundle
 * time by the `alias` in serverless.common.yml (`esbuild:`). Never import it directly.
 *
 * Why: every SDK client's runtime config imports the full default credential chain,
 * which drags SSO, ini/profile files, credential_process, web identity, and the
 * nested STS/SSO/SSO-OIDC clients (`@aws-sdk/nested-clients`) into every bundle. In
 * Lambda the runtime always puts the execution role's credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and LocalStack's
 * Lambda does the same, so the default chain stops at its first link there anyway.
 * The size and import-time difference is recorded in docs/benchmarks.md.
 *
 * Chain: environment variables first (what Lambda uses), then the container
 * credentials endpoint (AWS_CONTAINER_CREDENTIALS_*_URI: ECS, EKS Pod Identity, any
 * runtime that serves credentials over a local endpoint), then EC2 IMDS unless
 * AWS_EC2_METADATA_DISABLED: the same links, in the same order, as the real chain's
 * first and last steps. Profiles, SSO, credential_process and web identity are
 * deliberately absent: nothing in a Lambda sandbox provides them.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { CredentialsProviderError, chain } from '@smithy/core/config';
import {
  ENV_CMDS_FULL_URI,
  ENV_CMDS_RELATIVE_URI,
  fromContainerMetadata,
  fromInstanceMetadata,
} from '@smithy/credential-provider-imds';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

/** The subset of the real provider's init options this chain uses. */
export interface DefaultProviderInit {
  logger?: Logger;
  timeout?: number;
  maxRetries?: number;
}

type Credentials = AwsCredentialIdentity & { expiration?: Date };

function remote(init: DefaultProviderInit): AwsCredentialIdentityProvider {
  if (process.env[ENV_CMDS_RELATIVE_URI] || process.env[ENV_CMDS_FULL_URI]) {
    // Same order as the real chain's remote link: the HTTP provider (ECS, EKS Pod
    // Identity, auth tokens from a file) and then the plain container metadata client.
    return chain(fromHttp(init), fromContainerMetadata(init));
  }
  const disabled = process.env.AWS_EC2_METADATA_DISABLED;
  if (disabled && disabled !== 'false') {
    return async () => {
      throw new CredentialsProviderError('No credentials in the environment and EC2 metadata is disabled', {
        logger: init.logger,
        tryNextLink: false,
      });
    };
  }
  return fromInstanceMetadata(init);
}

/** Same signature and export names as the real package (the SDK calls `defaultProvider(init)`). */
export const defaultProvider = (init: DefaultProviderInit = {}): AwsCredentialIdentityProvider =>
  chain(fromEnv(init), async () => remote(init)());

export const credentialsWillNeedRefresh = (credentials: Credentials): boolean => credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials: Credentials): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
