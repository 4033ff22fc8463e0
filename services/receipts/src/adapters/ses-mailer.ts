import { BadRequestException, SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PermanentError } from '@order-platform/shared/errors';
import type { SendEmail } from '../domain/ports';

/**
 * SES v2 SendEmail, plain text. A request SES refuses as malformed (an invalid address)
 * can never succeed: PermanentError. Throttling, paused sending or an unverified sender
 * are temporary from the record's point of view (fix the account, and the retry works).
 */
export function buildSendEmail(client: SESv2Client, from: string): SendEmail {
  return async (email) => {
    try {
      const out = await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
            },
          },
        }),
      );
      return out.MessageId ?? '';
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (error instanceof BadRequestException || name === 'InvalidParameterValue') {
        throw new PermanentError(`SES refused the email to ${email.to}: ${(error as Error).message}`);
      }
      throw error;
    }
  };
}
