import { DomainError } from '@labwire/core';

/** The SMTP server refused the mail or could not be reached; the mail job retries. */
export class MailDeliveryError extends DomainError {
  constructor(reason: string) {
    super('MAIL_DELIVERY_FAILED', `The mail could not be delivered: ${reason}`);
  }
}

/** A template or one of its variables is missing: a programming error, never retried into success. */
export class MailTemplateError extends DomainError {
  constructor(reason: string) {
    super('MAIL_TEMPLATE_INVALID', reason);
  }
}
