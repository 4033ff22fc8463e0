/**
 * What moto's SES actually sent. moto keeps every sent message in its SES backend and
 * exposes the models through its internal API (`/moto-api/data.json`); SES has no public
 * API to list sent mail. Tests isolate themselves by unique recipient addresses.
 */
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { inject } from 'vitest';
import { uniqueName } from '../../../test-support/src/aws';

export interface SentEmail {
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses?: string[] };
}

export async function sentEmails(to?: string): Promise<SentEmail[]> {
  const res = await fetch(`${inject('motoUrl')}/moto-api/data.json`);
  const data = (await res.json()) as { ses?: { Message?: SentEmail[] } };
  const all = data.ses?.Message ?? [];
  return to ? all.filter((m) => m.destinations?.ToAddresses?.includes(to)) : all;
}

/** A sender on a freshly verified domain (moto, like SES, refuses unverified senders). */
export async function verifiedSender(): Promise<string> {
  const domain = `${uniqueName('mail')}.example.com`;
  await new SESv2Client({}).send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
  return `receipts@${domain}`;
}
