import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { NetworkPolicy } from './network-policy';
import { HttpUrlFetcher, URL_FETCHER, UrlFetcher } from './url-fetcher';

/** Provides URL_FETCHER with the limits and the SSRF allowance of the config. */
@Module({
  providers: [
    {
      provide: URL_FETCHER,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): UrlFetcher =>
        new HttpUrlFetcher(new NetworkPolicy(config.ingestion.allowPrivateNetworks), config.ingestion.url),
    },
  ],
  exports: [URL_FETCHER],
})
export class UrlFetcherModule {}
