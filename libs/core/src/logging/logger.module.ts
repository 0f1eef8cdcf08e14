import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import pino, { Logger as PinoInstance } from 'pino';
import { AppConfig } from '../config';

/** Paths of secrets that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.secret',
];

const QUIET = /^\/(health|metrics)/;

/** Whether a request is too routine to log (probes and scrapes). */
export function isQuietPath(url: string): boolean {
  return QUIET.test(url);
}

/** The process's root pino logger: JSON lines on stdout, secrets redacted. */
export function createRootLogger(config: AppConfig, app: 'api' | 'worker' | 'cli' | 'bridge'): PinoInstance {
  return pino({ level: config.log.level, base: { app }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

/**
 * JSON logs through pino, from one root logger per process. In the api, Fastify gives each request
 * a child of it bound to the request id (`request.log`), and Nest's loggers write through that child
 * while the request runs, so every line carries the id; elsewhere lines go to the root logger.
 */
@Module({})
export class LoggerModule {
  /** `root`: the api's logger, already used by Fastify; other processes get one made here. */
  static forRoot(config: AppConfig, app: 'api' | 'worker' | 'cli' | 'bridge', root?: PinoInstance): DynamicModule {
    return {
      module: LoggerModule,
      imports: [
        PinoLoggerModule.forRoot({
          // Reuse the HTTP adapter's per-request logger instead of running pino-http as well.
          useExisting: true,
          pinoHttp: { logger: root ?? createRootLogger(config, app) },
          // path-to-regexp v8 syntax for "every route" (the default '*' is the legacy form)
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
      ],
      exports: [PinoLoggerModule],
    };
  }
}
