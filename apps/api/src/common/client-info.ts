import type { FastifyRequest } from 'fastify';
import { ClientInfo } from '@labwire/domain';

export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua : undefined };
}
