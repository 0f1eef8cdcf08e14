import { ClassificationMode, LabelSpec, TrainingExample } from '@labwire/providers';

export const PROVIDER_TYPES = ['builtin', 'http'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** An OpenAI-compatible chat-completions endpoint; its API key is kept apart (encrypted, write-only). */
export interface HttpProviderSettings {
  type: 'http';
  /** the API's base URL (`https://host/v1`) or its chat-completions URL */
  endpoint: string;
  model: string;
  /** records per request */
  batchSize: number;
  /** requests per minute, shared by every worker */
  requestsPerMinute: number;
  /** per request */
  timeoutMs: number;
  /** further attempts of a request after a 429, a 5xx, a timeout or a malformed answer */
  maxRetries: number;
}

export type SchemeProvider = { type: 'builtin' } | HttpProviderSettings;

/** Labelled records the built-in classifier also trains on: the label is in a metadata field. */
export interface SchemeTraining {
  /** e.g. a CSV column: records whose value is exactly a label name train that label */
  metadataField: string;
  /** only these data sources' records; null: every data source of the workspace */
  datasourceIds: string[] | null;
}

/** Everything that decides how records are labelled: what a version freezes. */
export interface SchemeDefinition {
  mode: ClassificationMode;
  /** multi mode: a label applies when its probability is above this */
  threshold: number;
  labels: LabelSpec[];
  examples: TrainingExample[];
  provider: SchemeProvider;
  training: SchemeTraining | null;
}

/** A classification scheme of a workspace, as it is now. */
export interface ClassificationScheme {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  definition: SchemeDefinition;
  /** whether an API key is stored (it is never shown) */
  apiKeySet: boolean;
  /** the current version; results keep the version they were made with */
  version: number;
  /** a job has used the current version: the next edit makes a new one */
  versionFrozen: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An immutable snapshot of a scheme, written when a job first uses that version. */
export interface ClassificationSchemeVersion {
  schemeId: string;
  workspaceId: string;
  version: number;
  name: string;
  description: string | null;
  definition: SchemeDefinition;
  createdAt: Date;
}
