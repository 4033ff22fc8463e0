/**
 * GET /orders/{orderId}/fulfilment: each line of the order with its fulfilment status,
 * for its customer (or an admin). Digital lines get a fresh presigned download link that
 * expires after DOWNLOAD_LINK_TTL_SECONDS; a gift card's code is shown on the first read
 * only (the read takes it off the line), masked afterwards.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { intEnv, requireEnv } from '@order-platform/shared/config';
import { ForbiddenError, NotFoundError } from '@order-platform/shared/errors';
import { orderIdSchema } from '@order-platform/shared/events/orders';
import { errorResponse, json, principalOf, validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { maskCode, type LineView } from '../domain/fulfilment';
import type { FulfilmentStore, PresignDownload } from '../domain/ports';
import { buildPresignDownload } from '../adapters/product-files';
import { store } from './deps';

export function makeHandler(deps: {
  store: FulfilmentStore;
  presign: PresignDownload;
  linkTtlSeconds: number;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const orderId = validate(orderIdSchema, event.pathParameters?.orderId, 'orderId path parameter');
      const principal = principalOf(event);
      const lines = await deps.store.lines(orderId);
      if (!lines.length) throw new NotFoundError(`No fulfilment for order ${orderId} (yet)`);
      if (principal.role !== 'admin' && lines[0]!.customerId !== principal.customerId)
        throw new ForbiddenError('Another customer’s order');
      const at = now();
      const views: LineView[] = [];
      for (const l of lines) {
        const view: LineView = {
          lineNo: l.lineNo,
          sku: l.sku,
          kind: l.kind,
          quantity: l.quantity,
          status: l.status,
          updatedAt: l.updatedAt,
          ...(l.shipment ? { shipment: l.shipment } : {}),
          ...(l.duplicates ? { duplicatesIgnored: l.duplicates } : {}),
          ...(l.lastError && l.status === 'processing' ? { problem: l.lastError } : {}),
        };
        if (l.fileKey)
          view.download = {
            url: await deps.presign(l.fileKey, deps.linkTtlSeconds),
            expiresAt: new Date(at.getTime() + deps.linkTtlSeconds * 1000).toISOString(),
          };
        if (l.codeLast4) {
          // Only the reader whose conditional update takes the code off the line sees it.
          const code = l.pendingCode ? await deps.store.revealCode(orderId, l.lineNo, at) : undefined;
          view.giftCard = {
            code: code ?? maskCode(l.codeLast4),
            revealed: !!code,
            ...(l.redeemedAt ? { redeemedAt: l.redeemedAt } : {}),
          };
        }
        views.push(view);
      }
      return json(200, { orderId, lines: views }, { 'cache-control': 'no-store' });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const handler = withObservability(
  makeHandler({
    store: store(),
    presign: buildPresignDownload(awsClient(S3Client), requireEnv('FULFILMENT_BUCKET_NAME')),
    linkTtlSeconds: intEnv('DOWNLOAD_LINK_TTL_SECONDS', 900),
  }),
);
