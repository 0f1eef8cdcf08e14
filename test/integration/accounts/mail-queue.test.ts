import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { MailService } from '../../../libs/domain/src';
import { FileMailTransport, MailRenderer } from '../../../libs/providers/src';
import { QueueName, QueueRegistry } from '../../../libs/queue/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { SmtpTestServer, startDeadSmtpServer, startSmtpTestServer } from '../../support/smtp-test-server';

/** Waits (generously: the machine is shared) until `check` answers something truthy. */
async function until<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the mail queue over a real SMTP server', () => {
  let smtp: SmtpTestServer;
  let api: TestApi;
  let worker: INestApplicationContext;
  let mail: MailService;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    api = await startTestApi({ SMTP_URL: smtp.url, MAIL_FROM: 'Labwire Test <labwire@lab.test>' });
    worker = await startTestWorker(api, { SMTP_URL: smtp.url, MAIL_FROM: 'Labwire Test <labwire@lab.test>' });
    mail = worker.get(MailService);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await smtp?.close();
  });

  it('renders a queued mail from its template and delivers it (HTML escaped, plain text as typed)', async () => {
    await mail.enqueue({
      to: 'ada@lab.test',
      template: 'password-reset',
      vars: {
        name: 'Ada <b>L</b>',
        link: 'http://localhost:3000/account/reset-password?token=abc',
        expiresIn: '1 hour',
      },
    });
    const received = await smtp.waitFor('ada@lab.test');
    expect(received.from).toBe('"Labwire Test" <labwire@lab.test>');
    expect(received.subject).toBe('Reset your Labwire password');
    expect(received.text).toContain('Hello Ada <b>L</b>,');
    expect(received.html).toContain('Hello Ada &lt;b&gt;L&lt;/b&gt;,');
    expect(received.links).toContain('http://localhost:3000/account/reset-password?token=abc');
  });

  it('retries with backoff while the SMTP server refuses, and delivers the mail once', async () => {
    smtp.refuseNext(2);
    const { jobId } = await mail.enqueue({ to: 'retry@lab.test', template: 'password-changed', vars: { name: 'Re' } });
    const received = await smtp.waitFor('retry@lab.test', { timeoutMs: 90_000 });
    expect(smtp.refused).toBe(2);
    expect(received.messageId).toBe(`<${jobId}@labwire>`);
    const job = await api.app.get(QueueRegistry).get(QueueName.Mail).getJob(jobId!);
    expect(job?.attemptsMade).toBe(3);
    // delivered once: no duplicate arrives after the success
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.mailsTo('retry@lab.test')).toHaveLength(1);
  });

  it('a key makes enqueueing idempotent: the same mail is not queued twice', async () => {
    const first = await mail.enqueue({
      to: 'once@lab.test',
      template: 'password-changed',
      vars: { name: 'O' },
      key: 'once-1',
    });
    const second = await mail.enqueue({
      to: 'once@lab.test',
      template: 'password-changed',
      vars: { name: 'O' },
      key: 'once-1',
    });
    expect(second.jobId).toBe(first.jobId);
    await smtp.waitFor('once@lab.test');
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.mailsTo('once@lab.test')).toHaveLength(1);
  });

  it('an SMTP server that accepts TCP but never answers fails the attempt (bounded) and the job retries', async () => {
    const dead = await startDeadSmtpServer();
    const deadWorker = await startTestWorker(api, {
      SMTP_URL: dead.url,
      REDIS_KEY_PREFIX: `${api.config.redis.prefix}-dead`,
    });
    try {
      const deadMail = deadWorker.get(MailService);
      const started = Date.now();
      const { jobId } = await deadMail.enqueue({
        to: 'dead@lab.test',
        template: 'password-changed',
        vars: { name: 'D' },
      });
      // queueing does not wait for the server
      expect(Date.now() - started).toBeLessThan(5_000);
      const queue = deadWorker.get(QueueRegistry).get(QueueName.Mail);
      const job = await until(async () => {
        const j = await queue.getJob(jobId!);
        return j && j.attemptsMade >= 1 ? j : undefined;
      });
      expect(job.failedReason).toMatch(/greeting|timeout/i);
      expect(await job.getState()).toMatch(/delayed|waiting|active/);
      expect(dead.connections()).toBeGreaterThanOrEqual(1);
    } finally {
      await deadWorker.close();
      await dead.close();
    }
  });
});

describe('without SMTP_URL (development)', () => {
  it('writes each mail as an .eml file and answers where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-mail-'));
    try {
      const transport = new FileMailTransport(join(dir, 'mail'), 'Labwire <labwire@localhost>');
      const message = new MailRenderer().message('eve@lab.test', 'verify-email', {
        name: 'Eve',
        link: 'http://localhost:3000/account/verify-email?token=t1',
        expiresIn: '1 day',
      });
      const sent = await transport.send(message);
      expect(readdirSync(join(dir, 'mail'))).toHaveLength(1);
      const eml = readFileSync(sent.file!, 'utf8');
      expect(eml).toMatch(/^To: eve@lab\.test$/m);
      expect(eml).toMatch(/^Subject: Confirm your email address$/m);
      expect(eml).toContain('multipart/alternative');
      expect(sent.accepted).toEqual(['eve@lab.test']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
