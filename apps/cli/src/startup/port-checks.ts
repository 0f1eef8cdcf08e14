import { createServer } from 'node:net';
import { AppConfig } from '@labwire/core';
import { portHolder } from '@labwire/providers';
import { CliError } from '../cli.error';

/** Whether this process could listen on host:port now (undefined host: every interface, as the worker). */
function canListen(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The api's and the worker's ports must be free before `npm start` creates anything: another checkout's
 * `npm start` holds them as well as the broker's, and an api that then fails to listen would come after
 * the first administrator's one-time password was printed.
 */
export async function ensurePortsFree(config: AppConfig): Promise<void> {
  const wanted = [
    { name: 'api', variable: 'API_PORT', port: config.api.port, host: config.api.host },
    { name: 'worker', variable: 'WORKER_PORT', port: config.worker.port, host: undefined },
  ];
  for (const { name, variable, port, host } of wanted) {
    if (await canListen(port, host)) continue;
    const holder = portHolder(port);
    throw new CliError(
      [
        `The ${name} cannot listen on port ${port}: another process holds it${holder ? ` (${holder})` : ''}.`,
        `  Either stop that process (another \`npm start\`? Ctrl+C it), or set ${variable} to a free port in .env.`,
        '  Nothing was created: the database and the first administrator come after this check.',
      ].join('\n'),
    );
  }
}
