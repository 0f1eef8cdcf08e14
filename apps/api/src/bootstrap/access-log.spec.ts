import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactRequestUrl } from '@labwire/core';
import { AccessLog } from './access-log';

describe('redactRequestUrl', () => {
  it('hides the values of token query parameters and keeps everything else', () => {
    expect(redactRequestUrl('/account/reset-password?token=s3cr3t-Token_value')).toBe(
      '/account/reset-password?token=[redacted]',
    );
    expect(redactRequestUrl('/account/verify-email?lang=en&token=abc&x=1')).toBe(
      '/account/verify-email?lang=en&token=[redacted]&x=1',
    );
    expect(redactRequestUrl('/a?TOKEN=abc&token=def')).toBe('/a?TOKEN=[redacted]&token=[redacted]');
    expect(redactRequestUrl('/a?access_token=abc#frag')).toBe('/a?access_token=[redacted]#frag');
    expect(redactRequestUrl('/api/v1/instruments?page=2&mytoken=kept')).toBe('/api/v1/instruments?page=2&mytoken=kept');
    expect(redactRequestUrl('/api/v1/users/me')).toBe('/api/v1/users/me');
    // a share link's token is a path segment
    expect(redactRequestUrl('/api/v1/shared/lwsh_s3cr3t/records?page=2&token=x')).toBe(
      '/api/v1/shared/[redacted]/records?page=2&token=[redacted]',
    );
    expect(redactRequestUrl('/api/v1/shared/lwsh_s3cr3t')).toBe('/api/v1/shared/[redacted]');
  });
});

describe('AccessLog', () => {
  it('logs the request line without the token of a mailed link', () => {
    const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const request = {
      method: 'GET',
      url: '/account/reset-password?token=the-secret-of-the-link',
      log: { info: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) },
    } as unknown as FastifyRequest;
    const reply = { statusCode: 200, elapsedTime: 3.2 } as unknown as FastifyReply;
    new AccessLog().requestCompleted(null, request, reply);
    expect(lines).toEqual([
      {
        obj: {
          req: { method: 'GET', url: '/account/reset-password?token=[redacted]' },
          res: { statusCode: 200 },
          responseTime: 3,
        },
        msg: 'request completed',
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('the-secret-of-the-link');
  });
});
