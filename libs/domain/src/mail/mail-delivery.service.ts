import { Injectable } from '@nestjs/common';
import { isMailTemplateName, MailRenderer, MailTemplateError, MailTransport } from '@labwire/providers';
import { MailSendData, MailSendResult } from '@labwire/queue';

/** The worker's half of the mail queue: renders a queued mail and hands it to the transport. */
@Injectable()
export class MailDeliveryService {
  constructor(
    private readonly renderer: MailRenderer,
    private readonly transport: MailTransport,
  ) {}

  async deliver(data: MailSendData): Promise<MailSendResult> {
    if (!isMailTemplateName(data.template)) throw new MailTemplateError(`unknown mail template "${data.template}"`);
    const rendered = this.renderer.render(data.template, data.vars as never);
    const sent = await this.transport.send({ to: data.to, messageId: data.messageId, ...rendered });
    return { messageId: sent.messageId, accepted: sent.accepted.length };
  }
}
