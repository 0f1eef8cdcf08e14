import { DomainError, NotFoundError } from '@labwire/core';
import { QualificationReason } from '../instruments/instrument-qualification';

export class ProtocolNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('PROTOCOL_NOT_FOUND', 'Protocol', id);
  }
}

export class ProtocolVersionNotFoundError extends NotFoundError {
  constructor(id: string, version: number) {
    super('PROTOCOL_VERSION_NOT_FOUND', `Version ${version} of protocol`, id);
  }
}

export class ProtocolNameTakenError extends DomainError {
  constructor(name: string) {
    super('PROTOCOL_NAME_TAKEN', `This workspace already has a protocol named "${name}"`, [
      { field: 'name', message: 'is already used by another protocol in this workspace' },
    ]);
  }
}

/** Experiments use the protocol: it cannot be deleted (their versions would go with it). */
export class ProtocolInUseError extends DomainError {
  constructor(experiments: number) {
    super(
      'PROTOCOL_IN_USE',
      `${experiments} experiment${experiments === 1 ? ' uses' : 's use'} this protocol; it cannot be deleted`,
      undefined,
      { experiments },
    );
  }
}

export class ExperimentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('EXPERIMENT_NOT_FOUND', 'Experiment', id);
  }
}

/** What was asked does not fit the experiment's status (edit a running one, start a finished one). */
export class ExperimentStateError extends DomainError {
  constructor(status: string, action: string) {
    super('EXPERIMENT_STATE_CONFLICT', `The experiment is ${status}: it cannot ${action}`, undefined, {
      experimentStatus: status,
    });
  }
}

/** Another scheduled or running experiment holds an instrument this one needs. */
export class InstrumentBusyError extends DomainError {
  constructor(instrumentId: string, experimentId: string, experimentName: string) {
    super(
      'INSTRUMENT_BUSY',
      `Instrument ${instrumentId} is in experiment "${experimentName}" (${experimentId}), which is scheduled or running`,
      undefined,
      { instrumentId, experimentId },
    );
  }
}

export interface UnqualifiedInstrument {
  instrumentId: string;
  role: string;
  reasons: QualificationReason[];
}

/** The protocol requires qualified instruments and some assigned ones are not. */
export class InstrumentNotQualifiedError extends DomainError {
  constructor(instruments: UnqualifiedInstrument[]) {
    super(
      'INSTRUMENT_NOT_QUALIFIED',
      `Not qualified: ${instruments
        .map((i) => `instrument ${i.instrumentId} (role ${i.role}): ${i.reasons.map((r) => r.message).join(', ')}`)
        .join('; ')}`,
      undefined,
      { instruments },
    );
  }
}
