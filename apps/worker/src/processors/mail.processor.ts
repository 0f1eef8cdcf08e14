import { Processor } from '@nestjs/bullmq';
import { UnrecoverableError } from 'bullmq';
import { MailDeliveryService } from '@labwire/domain';
import { MailTemplateError } from '@labwire/providers';
import { JobName, QueueName } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Outgoing mail: a refused or unreachable SMTP server fails the attempt and BullMQ retries with backoff. */
@Processor(QueueName.Mail, { autorun: false })
export class MailProcessor extends QueueProcessor<QueueName.Mail> {
  readonly queue = QueueName.Mail;

  protected readonly handlers: JobHandlers<QueueName.Mail> = {
    [JobName.MailSend]: async (job) => {
      try {
        return await this.mail.deliver(job.data);
      } catch (err) {
        // a missing template or variable stays missing: retrying would only delay the failure
        if (err instanceof MailTemplateError) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
  };

  constructor(private readonly mail: MailDeliveryService) {
    super();
  }
}
