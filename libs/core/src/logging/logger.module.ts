import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
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
export function createRootLogger(config: AppConfig, app: 'api' | 'worker' | 'cli'): PinoInstance {
  return pino({ level: config.log.level, base: { app }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

/**
 * JSON logs through pino. In HTTP apps every line logged while a request runs carries its request
 * id (nestjs-pino keeps it in async context); background apps log plain JSON lines.
 */
@Module({})
export class LoggerModule {
  /**
   * `root`: an HTTP app's logger that Fastify already uses per request (its `request.log` carries
   * the request id); Nest's loggers then write through it, so service lines carry the id too, and no
   * second HTTP logger runs per request.
   */
  static forRoot(config: AppConfig, app: 'api' | 'worker' | 'cli', root?: PinoInstance): DynamicModule {
    if (root) {
      return {
        module: LoggerModule,
        imports: [
          PinoLoggerModule.forRoot({
            useExisting: true,
            pinoHttp: { logger: root },
            forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          }),
        ],
        exports: [PinoLoggerModule],
      };
    }
    return {
      module: LoggerModule,
      imports: [
        PinoLoggerModule.forRoot({
          // path-to-regexp v8 syntax for "every route" (the default '*' is the legacy form)
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.log.level,
            base: { app },
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            genReqId: (req: IncomingMessage) => String(req.headers['x-request-id'] ?? ''),
            customAttributeKeys: { reqId: 'requestId' },
            // bind the id itself (not the whole request) to every line logged while it runs
            quietReqLogger: true,
            autoLogging: { ignore: (req: IncomingMessage) => QUIET.test(req.url ?? '') },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ method: req.method, url: req.url }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
      exports: [PinoLoggerModule],
    };
  }
}
