import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { mailEnabled, MailTemplateName, MailTemplateVars } from '@labwire/providers';
import { JobName, JobProducer } from '@labwire/queue';

export interface MailRequest<T extends MailTemplateName> {
  to: string | string[];
  template: T;
  vars: MailTemplateVars[T];
  /**
   * makes enqueueing idempotent: a second mail with the same key while the first is still kept by the
   * queue is not queued again (e.g. `verify-<tokenId>`); letters, digits, - and _ only
   */
  key?: string;
}

export interface QueuedMail {
  /** the mail job's id; null when mail is off (production without SMTP_URL) */
  jobId: string | null;
}

/**
 * Queues a templated mail (JobName.MailSend on the `mail` queue); the worker renders and sends it
 * through MailTransport with retries. A request only waits for Redis, never for an SMTP server.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');
  private readonly enabled: boolean;

  constructor(
    private readonly jobs: JobProducer,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.enabled = mailEnabled(config);
  }

  async enqueue<T extends MailTemplateName>(request: MailRequest<T>): Promise<QueuedMail> {
    const to = Array.isArray(request.to) ? request.to : [request.to];
    if (!this.enabled) {
      this.logger.warn({ template: request.template, recipients: to.length }, 'mail not sent: SMTP_URL is not set');
      return { jobId: null };
    }
    if (request.key !== undefined && !/^[A-Za-z0-9_-]{1,200}$/.test(request.key)) {
      throw new Error(`mail key "${request.key}": letters, digits, - and _ only`);
    }
    const jobId = request.key ? `mail-${request.key}` : `mail-${randomUUID()}`;
    await this.jobs.enqueue(
      JobName.MailSend,
      {
        to,
        template: request.template,
        vars: request.vars as unknown as Record<string, string>,
        messageId: `<${jobId}@labwire>`,
      },
      { jobId },
    );
    return { jobId };
  }
}
