import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { SecretCipher } from '../secrets/secret-cipher';

/** Encrypts classification providers' API keys for the database (see SecretCipher). */
@Injectable()
export class ApiKeyCipher extends SecretCipher {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config, 'classification provider api keys', 'provider API keys');
  }
}
