import { SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import type { JWTVerifyGetKey } from 'jose';
import { awsClient } from '@order-platform/shared/aws';
import { logger, metrics, withObservability } from '@order-platform/shared/observability';
import { authorize } from '../domain/authorize';
import { AccessRejectedError } from '../domain/errors';
import type { AuthorizerResult } from '../domain/policy';
import type { VerifyToken } from '../domain/ports';
import { buildVerifyToken } from '../adapters/jwt-verifier';
import { remoteJwksKeySource, ssmPublicKeySource } from '../adapters/key-sources';
import { loadAuthConfig, type KeySourceConfig } from './config';

/**
 * The gatekeeper (P08): a REST API TOKEN authorizer. Verified token -> IAM policy that
 * API Gateway caches per token; anything wrong with the token -> `Error('Unauthorized')`,
 * the one message API Gateway turns into a 401. Other errors become a 500.
 */
export function makeHandler(deps: { verifyToken: VerifyToken }) {
  const decide = authorize(deps);
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<AuthorizerResult> => {
    try {
      const result = await decide(event.authorizationToken, event.methodArn);
      logger.info('Access granted', { principalId: result.principalId, role: result.context.role });
      metrics.addMetric('TokenAccepted', MetricUnit.Count, 1);
      return result;
    } catch (error) {
      if (!(error instanceof AccessRejectedError)) throw error;
      // The reason, never the token: a token in a log is a credential in a log.
      logger.warn('Access rejected', {
        reason: error.reason,
        detail: error.detail,
        methodArn: event.methodArn,
      });
      metrics.addMetric('TokenRejected', MetricUnit.Count, 1);
      // Exactly this message: API Gateway maps it, and only it, to a 401.
      throw new Error('Unauthorized', { cause: error });
    }
  };
}

function keySourceOf(source: KeySourceConfig): JWTVerifyGetKey {
  if (source.kind === 'jwks') return remoteJwksKeySource(source.url);
  const provider = new SSMProvider({ awsSdkV3Client: awsClient(SSMClient, { maxAttempts: 2 }) });
  return ssmPublicKeySource(provider, source.parameterName);
}

const config = loadAuthConfig();

// The explicit result type makes the compiler prove the domain's policy has the shape API Gateway reads.
export const handler = withObservability<APIGatewayTokenAuthorizerEvent, APIGatewayAuthorizerResult>(
  makeHandler({
    verifyToken: buildVerifyToken(keySourceOf(config.keySource), {
      issuer: config.issuer,
      audience: config.audience,
    }),
  }),
);
