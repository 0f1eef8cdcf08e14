import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { DomainError, ErrorCodes, VersionMismatchError } from '@labwire/core';
import { statusOf, toProblem } from './problem';

describe('toProblem', () => {
  it('maps every error code to a 4xx or 5xx status', () => {
    for (const code of ErrorCodes) {
      const status = statusOf(code);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('keeps the code, message, field errors and safe extras of domain errors', () => {
    const { problem, expected } = toProblem(new VersionMismatchError('Instrument x', 7), 1024);
    expect(expected).toBe(true);
    expect(problem).toMatchObject({ status: 412, code: 'VERSION_MISMATCH', currentVersion: 7 });
    const clash = toProblem(new DomainError('JOB_NOT_RETRYABLE', 'no', undefined, { status: 'queued', code: 'X' }), 1);
    expect(clash.problem).toMatchObject({ status: 409, code: 'JOB_NOT_RETRYABLE' });
    const withFields = toProblem(new DomainError('VALIDATION_FAILED', 'bad', [{ field: 'a', message: 'b' }]), 1);
    expect(withFields.problem.errors).toEqual([{ field: 'a', message: 'b' }]);
  });

  it('hides unexpected errors behind a generic 500', () => {
    const { problem, expected } = toProblem(new Error('connection string postgres://u:secret@db'), 1024);
    expect(expected).toBe(false);
    expect(problem.status).toBe(500);
    expect(problem.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(problem)).not.toContain('secret');
  });

  it('maps framework exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'), 1).problem.code).toBe('ROUTE_NOT_FOUND');
    expect(toProblem(new BadRequestException('Validation failed (uuid is expected)'), 1).problem.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(toProblem(new HttpException('Body is not valid JSON', 400), 1).problem.code).toBe('MALFORMED_JSON');
    expect(toProblem(new HttpException('too large', 413), 99).problem).toMatchObject({ limitBytes: 99 });
  });

  it('names the content type that came and the ones the route takes on a 415', () => {
    const form = toProblem(new HttpException('Unsupported Media Type', 415), 1, {
      accepted: ['application/json', 'text/csv'],
      received: 'application/x-www-form-urlencoded; charset=utf-8',
    }).problem;
    expect(form).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(form.detail).toBe(
      'Content-Type application/x-www-form-urlencoded is not accepted here: this route takes application/json ' +
        'or text/csv (send the header Content-Type: application/json)',
    );
    expect(form.acceptedContentTypes).toEqual(['application/json', 'text/csv']);
    const fastify = { statusCode: 415, message: 'Unsupported Media Type' };
    expect(toProblem(fastify, 1).problem.detail).toMatch(/^The request has a body but no Content-Type/);
  });
});
