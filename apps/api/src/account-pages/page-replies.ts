import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { DomainError, findUnstorableJson } from '@labwire/core';
import { statusOf } from '../common/errors/problem';
import { fieldErrors } from '../common/validation-messages';

/** How the account pages answer: HTML with a status, domain errors as pages, form fields checked like DTOs. */

export type Dto = new () => object;

/** The same field rules as the JSON route's DTO (and no value PostgreSQL cannot store); a message, or undefined. */
export async function invalidFields(dto: Dto, values: Record<string, string>): Promise<string | undefined> {
  const unstorable = findUnstorableJson(values);
  if (unstorable) return `${unstorable.path} ${unstorable.problem}`;
  const errors = fieldErrors(await validate(plainToInstance(dto, values)));
  return errors.length ? errors.map((e) => e.message).join('; ') : undefined;
}

export function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

/**
 * A domain error as a page with its HTTP status (400 for a bad token or password, 409, 429 with
 * Retry-After …); anything else is rethrown to the scope's error handler (a 500 page).
 */
export function sendDomainError(reply: FastifyReply, err: unknown, render: (e: DomainError) => string): FastifyReply {
  if (!(err instanceof DomainError)) throw err;
  const retryAfter = err.meta?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return send(reply, statusOf(err.code), render(err));
}
