import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { SecretCipher } from '../secrets/secret-cipher';

/** Encrypts webhook channels' signing secrets for the database (see SecretCipher). */
@Injectable()
export class WebhookSecretCipher extends SecretCipher {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config, 'notification webhook secrets', 'webhook signing secrets');
  }
}
