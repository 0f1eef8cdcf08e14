import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppConfig } from '@labwire/core';

/** Key of a route's body options in its Fastify route config. */
const ROUTE_BODY = 'labwireBody';

/** What a route accepts beyond the api's default: JSON bodies up to API_BODY_LIMIT_BYTES. */
export interface RouteBodyOptions {
  /** the route also takes `text/csv` bodies (as a string) */
  csv?: boolean;
  /** the route's own body limit, read from the config when the route is registered */
  limitBytes?: (config: AppConfig) => number;
  /** the route also takes `multipart/form-data` uploads, which it streams itself (request.parts()) */
  multipart?: boolean;
}

/** Route decorator: widens what the route's body may be (see RouteBodyOptions). */
export const RouteBody = (options: RouteBodyOptions) => RouteConfig({ [ROUTE_BODY]: options });

function bodyOptions(config: unknown): RouteBodyOptions | undefined {
  return (config as Record<string, RouteBodyOptions | undefined> | undefined)?.[ROUTE_BODY];
}

/** Whether a route takes more than the default JSON body (uploads, CSV, a larger limit). */
export function takesLargeBodies(routeConfig: unknown): boolean {
  return bodyOptions(routeConfig) !== undefined;
}

/** The body types a route takes: JSON everywhere, CSV and multipart where the route says so. */
export function acceptedBodyTypes(routeConfig: unknown): string[] {
  const options = bodyOptions(routeConfig);
  return [
    'application/json',
    ...(options?.csv ? ['text/csv'] : []),
    ...(options?.multipart ? ['multipart/form-data'] : []),
  ];
}

/** Fastify's answer to a content type a route does not take (415, like an unknown type). */
class UnsupportedCsvError extends Error {
  readonly statusCode = 415;
  readonly code = 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
  constructor() {
    super('Unsupported Media Type: text/csv');
  }
}

/** A multipart upload sent to a route that does not take one (415, like an unknown type). */
class UnsupportedMultipartError extends Error {
  readonly statusCode = 415;
  readonly code = 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
  constructor() {
    super('Unsupported Media Type: multipart/form-data');
  }
}

/**
 * Request bodies of the api: JSON (Fastify's parser, limited to API_BODY_LIMIT_BYTES; createApiApp turns
 * off Nest's parsers, whose form parser let `curl -d` bodies through as fields named by the JSON), no
 * application/x-www-form-urlencoded, no text/plain, and
 * text/csv only on routes that say so with @RouteBody({ csv: true }) (parsers are per server, not per
 * route, so the CSV parser refuses other routes itself), and multipart/form-data only on routes with
 * @RouteBody({ multipart: true }) (@fastify/multipart, registered by createApiApp). A route's @RouteBody limit replaces the
 * default for every content type: Fastify applies a route's bodyLimit before any parser's. Call
 * before `app.init()`, which registers the routes.
 */
export function registerRouteBodies(fastify: FastifyInstance, config: AppConfig): void {
  // A JSON API: refuse text bodies rather than handing strings to validation.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRoute', (route) => {
    const limit = bodyOptions(route.config)?.limitBytes?.(config);
    if (limit !== undefined) route.bodyLimit = limit;
  });
  // @fastify/multipart's parser serves every route; only routes that stream uploads take them.
  fastify.addHook('preValidation', async (request) => {
    if (request.isMultipart?.() && !bodyOptions(request.routeOptions.config)?.multipart) {
      throw new UnsupportedMultipartError();
    }
  });
  fastify.addContentTypeParser(
    'text/csv',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      if (!bodyOptions(request.routeOptions.config)?.csv) return done(new UnsupportedCsvError());
      done(null, body);
    },
  );
}
