import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** the http(s) links of the text part */
  links: string[];
}

export interface SmtpTestServer {
  /** SMTP_URL for Labwire */
  url: string;
  received: ReceivedMail[];
  /** how many deliveries were refused so far */
  refused: number;
  /** the next `n` deliveries are refused with a temporary error (451) */
  refuseNext(n: number): void;
  /** the first mail to `to` (and matching `subject` when given) received from now or earlier; waits for it */
  waitFor(to: string, opts?: { subject?: RegExp; after?: number; timeoutMs?: number }): Promise<ReceivedMail>;
  /** mails received for `to` */
  mailsTo(to: string): ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server (the smtp-server package) in this process, on a free loopback port. */
export async function startSmtpTestServer(): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  let refuseBudget = 0;
  let refused = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuseBudget > 0) {
          refuseBudget--;
          refused++;
          const err = Object.assign(new Error('try again later'), { responseCode: 451 });
          callback(err);
          return;
        }
        simpleParser(Buffer.concat(chunks))
          .then((mail) => {
            const to = [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
            const text = mail.text ?? '';
            received.push({
              from: mail.from?.text ?? '',
              to,
              subject: mail.subject ?? '',
              text,
              html: typeof mail.html === 'string' ? mail.html : '',
              messageId: mail.messageId ?? '',
              links: text.match(/https?:\/\/[^\s<>"]+/g) ?? [],
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const mailsTo = (to: string) => received.filter((m) => m.to.includes(to.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    get refused() {
      return refused;
    },
    refuseNext(n) {
      refuseBudget = n;
    },
    mailsTo,
    async waitFor(to, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      for (;;) {
        const found = mailsTo(to)
          .slice(opts.after ?? 0)
          .find((m) => !opts.subject || opts.subject.test(m.subject));
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `no mail to ${to} arrived; received: ${JSON.stringify(received.map((m) => [m.to, m.subject]))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A server that accepts TCP connections and never says a word: an SMTP server that hangs. */
export async function startDeadSmtpServer(): Promise<{
  url: string;
  connections: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The token query parameter of the first link in `mail` whose path ends with `path`. */
export function tokenFromLink(mail: ReceivedMail, path: string): string {
  const link = mail.links.find((l) => new URL(l).pathname.endsWith(path));
  if (!link) throw new Error(`no link to ${path} in the mail: ${mail.links.join(', ')}`);
  const token = new URL(link).searchParams.get('token');
  if (!token) throw new Error(`the link ${link} has no token`);
  return token;
}
