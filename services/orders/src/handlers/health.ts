import type { APIGatewayProxyResult } from 'aws-lambda';
import { json } from '@order-platform/shared/http';

/** GET /health: unauthenticated liveness probe; touches no dependency. */
export const handler = async (): Promise<APIGatewayProxyResult> =>
  json(200, { status: 'ok', service: 'orders', version: process.env.SERVICE_VERSION ?? 'dev' });
