import { NotFoundError } from '@labwire/core';

/** Unknown, expired, revoked or used up: one answer, so a token's state is never told apart. */
export class ShareLinkNotFoundError extends NotFoundError {
  constructor(id?: string) {
    super('SHARE_LINK_NOT_FOUND', 'Share link', id);
  }
}
