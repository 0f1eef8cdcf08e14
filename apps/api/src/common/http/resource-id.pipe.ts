import { PipeTransform } from '@nestjs/common';
import { DomainError } from '@labwire/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A resource id from the path: anything that is not a uuid cannot name a resource, so it is the
 * resource's 404 (as WorkspaceGuard does for `:workspaceId`), not a 400.
 */
export class ResourceIdPipe implements PipeTransform<string, string> {
  constructor(private readonly notFound: (id: string) => DomainError) {}

  transform(value: string): string {
    if (!UUID.test(value)) throw this.notFound(value);
    return value.toLowerCase();
  }
}
