/**
 * The webhook receiver as data (docs/openapi/webhook.json). Two doors: the payment
 * provider's signed callbacks (a Lambda) and the carrier's updates, which API Gateway
 * validates and queues itself (no Lambda: its 202 and 502 bodies are the integration's
 * templates in serverless.yml).
 */
import * as z from 'zod/mini';
import type { ServiceContract } from '@order-platform/shared/contracts/openapi';
import { providerWebhookSchema } from '../domain/messages';
import { carrierUpdateSchema } from '../domain/shipments';

export const webhookAcceptedSchema = z.object({ received: z.literal(true), id: z.string() });
export const carrierAcceptedSchema = z.object({ accepted: z.literal(true), requestId: z.string() });

export const contract: ServiceContract = {
  service: 'webhook',
  title: 'Webhook receiver',
  description: 'Provider payment callbacks and carrier shipment updates: verified, queued, answered at once.',
  routes: [
    {
      method: 'post',
      path: '/webhooks/payments',
      operationId: 'receivePaymentWebhook',
      summary: 'A provider payment event; signature checked before the body is parsed',
      auth: 'signature',
      body: { schema: providerWebhookSchema, required: true },
      responses: { 202: { description: 'Queued for the ledger', schema: webhookAcceptedSchema } },
      errors: {
        400: 'Malformed JSON or body',
        401: 'Missing, stale or wrong signature',
        413: 'Body over 64 KiB',
        415: 'Not application/json',
      },
    },
    {
      method: 'post',
      path: '/webhooks/carrier',
      operationId: 'receiveCarrierUpdate',
      summary: 'A shipment update; validated by API Gateway, queued without a Lambda',
      auth: 'apiKey',
      body: { schema: carrierUpdateSchema, required: true },
      responses: { 202: { description: 'Queued', schema: carrierAcceptedSchema } },
      errors: {
        // The stack reshapes the validator's 400 (BadRequestBodyResponse) into the platform's error.
        400: 'The body does not match the model',
        502: 'The queue did not take it; retry',
      },
      gatewayErrors: { 415: 'Not application/json (the integration passes nothing else through)' },
    },
  ],
};
