/**
 * One unit of a source, as a parser reads it: a record-to-be (its text and metadata) or a problem
 * with that unit. `position` says where in the source it is (see each parser) and is unique and
 * increasing within a source, so it identifies the unit across re-runs.
 */
export type ParsedUnit = ParsedRecord | ParsedProblem | ResumedUnit;

export interface ParsedRecord {
  kind: 'record';
  position: number;
  text: string;
  metadata: Record<string, unknown>;
}

export interface ParsedProblem {
  kind: 'problem';
  position: number;
  field?: string;
  message: string;
}

/** A unit a resumed run did not read again because its record is already stored (URL lists). */
export interface ResumedUnit {
  kind: 'resumed';
  position: number;
}

/** The source cannot be read any further (e.g. JSON broken midway, an encrypted PDF). */
export class MalformedSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedSourceError';
  }
}
