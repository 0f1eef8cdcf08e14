import { ProtocolDefinition } from './protocol-definition';

/** A protocol of a workspace, as it is now. */
export interface Protocol {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  definition: ProtocolDefinition;
  /** the current version; experiments keep the version they were made with */
  version: number;
  /** an experiment uses the current version: the next edit makes a new one */
  versionFrozen: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An immutable snapshot of a protocol, written when an experiment first uses that version. */
export interface ProtocolVersion {
  protocolId: string;
  workspaceId: string;
  version: number;
  name: string;
  description: string | null;
  definition: ProtocolDefinition;
  createdAt: Date;
}
