import { DomainError, NotFoundError } from '@labwire/core';

export class LocationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('LOCATION_NOT_FOUND', 'Location', id);
  }
}

export class LocationNameTakenError extends DomainError {
  constructor(name: string) {
    super('LOCATION_NAME_TAKEN', `This workspace already has a location named "${name}"`, [
      { field: 'name', message: 'is already used by another location in this workspace' },
    ]);
  }
}

export class LocationNotEmptyError extends DomainError {
  constructor(instrumentCount: number) {
    super(
      'LOCATION_NOT_EMPTY',
      `This location still holds ${instrumentCount} instrument${instrumentCount === 1 ? '' : 's'}; move or delete them first`,
      undefined,
      { instrumentCount },
    );
  }
}

export class InstrumentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('INSTRUMENT_NOT_FOUND', 'Instrument', id);
  }
}

export class InstrumentSerialTakenError extends DomainError {
  constructor(serialNumber: string) {
    super('INSTRUMENT_SERIAL_TAKEN', `This workspace already has an instrument with serial number "${serialNumber}"`, [
      { field: 'serialNumber', message: 'is already used by another instrument in this workspace' },
    ]);
  }
}
