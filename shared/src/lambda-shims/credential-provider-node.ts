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
import { CredentialsProviderError } from '@smithy/core/config';
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
type Link = (options?: Record<string, unknown>) => Promise<Credentials>;

/** Tries each link in order; a link that throws with `tryNextLink` hands over to the next. */
function firstOf(links: readonly Link[]): Link {
  return async (options) => {
    let last: unknown;
    for (const link of links) {
      try {
        return await link(options);
      } catch (error) {
        last = error;
        if ((error as { tryNextLink?: boolean })?.tryNextLink) continue;
        throw error;
      }
    }
    throw last;
  };
}

/**
 * The real package's `memoizeChain`, same semantics: the SDK does not memoize the default
 * provider itself, so without this a container/IMDS source would be asked on every call.
 * Resolves once; refreshes in the background inside the 5-minute window before
 * expiration, in the foreground once expired, and on `forceRefresh`.
 */
function memoizeChain(
  chain: Link,
  treatAsExpired: (c: Credentials) => boolean,
): AwsCredentialIdentityProvider {
  let credentials: Credentials | undefined;
  let activeLock: Promise<void> | undefined;
  let passiveLock: Promise<void> | undefined;
  let forceRefreshLock: Promise<void> | undefined;
  const provider = async (options?: Record<string, unknown>): Promise<Credentials> => {
    if (options?.forceRefresh) {
      forceRefreshLock ??= chain(options)
        .then((c) => {
          credentials = c;
        })
        .finally(() => {
          forceRefreshLock = undefined;
        });
      await forceRefreshLock;
      return credentials as Credentials;
    }
    if (credentials?.expiration && credentials.expiration.getTime() < Date.now()) credentials = undefined;
    if (activeLock) {
      await activeLock;
    } else if (!credentials || treatAsExpired(credentials)) {
      if (credentials) {
        passiveLock ??= chain(options)
          .then((c) => {
            credentials = c;
          })
          .catch(() => undefined)
          .finally(() => {
            passiveLock = undefined;
          });
      } else {
        activeLock = chain(options)
          .then((c) => {
            credentials = c;
          })
          .finally(() => {
            activeLock = undefined;
          });
        return provider(options);
      }
    }
    return credentials as Credentials;
  };
  return provider as AwsCredentialIdentityProvider;
}

function remote(init: DefaultProviderInit): Link {
  if (process.env[ENV_CMDS_RELATIVE_URI] || process.env[ENV_CMDS_FULL_URI]) {
    // Same order as the real chain's remote link: the HTTP provider (ECS, EKS Pod
    // Identity, auth tokens from a file) and then the plain container metadata client.
    return firstOf([fromHttp(init), fromContainerMetadata(init)] as Link[]);
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
  return fromInstanceMetadata(init) as Link;
}

/** Same signature and export names as the real package (the SDK calls `defaultProvider(init)`). */
export const defaultProvider = (init: DefaultProviderInit = {}): AwsCredentialIdentityProvider =>
  memoizeChain(
    firstOf([fromEnv(init) as Link, async (options) => remote(init)(options)]),
    credentialsTreatedAsExpired,
  );

export const credentialsWillNeedRefresh = (credentials: Credentials): boolean =>
  credentials?.expiration !== undefined;

export function credentialsTreatedAsExpired(credentials: Credentials): boolean {
  return credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
}
