import { INestApplicationContext } from '@nestjs/common';
import { startTestApi, TestApi } from './test-app';
import { startTestWorker } from './test-worker';
import { SmtpTestServer, startSmtpTestServer } from './smtp-test-server';

export interface MailTestStack {
  api: TestApi;
  worker: INestApplicationContext;
  smtp: SmtpTestServer;
  close(): Promise<void>;
}

/** The api and the worker (which sends the mail) with a real SMTP server in this process. */
export async function startMailTestStack(env: Record<string, string> = {}): Promise<MailTestStack> {
  const smtp = await startSmtpTestServer();
  const mailEnv = {
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Labwire <labwire@lab.test>',
    PUBLIC_URL: 'https://lab.test',
    ...env,
  };
  const api = await startTestApi(mailEnv);
  const worker = await startTestWorker(api, mailEnv);
  return {
    api,
    worker,
    smtp,
    async close() {
      await worker.close();
      await api.close();
      await smtp.close();
    },
  };
}
