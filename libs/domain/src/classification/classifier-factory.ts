import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import {
  BuiltinClassifier,
  ChatCompletionsClassifier,
  Classifier,
  ClassifierSpec,
  NetworkPolicy,
  TOKENIZER_MAX_CHARS,
  TrainingExample,
} from '@labwire/providers';
import { RecordRepository } from '../ingestion/record.repository';
import { ApiKeyCipher } from './api-key-cipher';
import { ClassificationSchemeVersion } from './classification-scheme';
import { ClassificationSchemeRepository } from './classification-scheme.repository';
import { ApiKeyUnreadableError } from './classification.errors';
import { RedisRequestPacer } from './redis-request-pacer';

/** A classifier ready for one job, and what it was trained on. */
export interface PreparedClassifier {
  classifier: Classifier;
  /** built-in: documents trained on (examples and labelled records) */
  trainingDocuments?: number;
}

/**
 * Builds the provider a scheme version chose: the built-in classifier trained on the version's
 * examples and the workspace's labelled records (CLASSIFY_MAX_TRAINING_RECORDS at most, read now), or
 * the HTTP provider with the scheme's current API key, a request pace shared by every worker through
 * Redis, and the SSRF guard of CLASSIFY_ALLOW_PRIVATE_NETWORKS.
 */
@Injectable()
export class ClassifierFactory {
  private readonly logger = new Logger('Classification');
  private readonly policy: NetworkPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly schemes: ClassificationSchemeRepository,
    private readonly records: RecordRepository,
    private readonly cipher: ApiKeyCipher,
  ) {
    this.policy = new NetworkPolicy(config.classification.allowPrivateNetworks);
  }

  async prepare(version: ClassificationSchemeVersion): Promise<PreparedClassifier> {
    const { definition } = version;
    const spec: ClassifierSpec = {
      mode: definition.mode,
      threshold: definition.threshold,
      labels: definition.labels,
      examples: definition.examples,
    };
    const provider = definition.provider;
    if (provider.type === 'builtin') {
      const training: TrainingExample[] = [...definition.examples];
      const labelled = definition.training;
      const limit = this.config.classification.maxTrainingRecords;
      if (labelled && limit > 0) {
        training.push(
          ...(await this.records.labelledTexts(
            version.workspaceId,
            labelled.metadataField,
            definition.labels.map((l) => l.name),
            labelled.datasourceIds,
            limit,
            TOKENIZER_MAX_CHARS,
          )),
        );
      }
      return { classifier: BuiltinClassifier.train(spec, training), trainingDocuments: training.length };
    }
    const stored = await this.schemes.apiKeyCiphertext(version.workspaceId, version.schemeId);
    let apiKey: string | null = null;
    if (stored) {
      apiKey = this.cipher.decrypt(stored);
      if (apiKey === null) throw new ApiKeyUnreadableError(version.schemeId);
    }
    const pacer = new RedisRequestPacer(
      this.redis,
      `${this.config.redis.prefix}:classify:pace:${version.schemeId}`,
      provider.requestsPerMinute,
    );
    const classifier = new ChatCompletionsClassifier(
      spec,
      { ...provider, apiKey },
      { pacer, policy: this.policy, onRetry: (message) => this.logger.warn(message) },
    );
    return { classifier };
  }
}
