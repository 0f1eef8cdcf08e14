import { InstrumentInput } from '@labwire/domain';
import { CreateInstrumentDto } from './dto/create-instrument.dto';
import { UpdateInstrumentDto } from './dto/update-instrument.dto';

function toDate(value: string | null | undefined): Date | null | undefined {
  return value === undefined || value === null ? value : new Date(value);
}

export function toInstrumentInput(body: CreateInstrumentDto): InstrumentInput {
  return {
    ...body,
    lastCalibratedAt: toDate(body.lastCalibratedAt),
    calibrationDueAt: toDate(body.calibrationDueAt),
  };
}

/** Only the fields the client sent: an absent field stays as it is, `null` clears it. */
export function toInstrumentPatch(body: UpdateInstrumentDto): Partial<InstrumentInput> {
  const { lastCalibratedAt, calibrationDueAt, ...rest } = body;
  const patch: Partial<InstrumentInput> = { ...rest };
  if (lastCalibratedAt !== undefined) patch.lastCalibratedAt = toDate(lastCalibratedAt);
  if (calibrationDueAt !== undefined) patch.calibrationDueAt = toDate(calibrationDueAt);
  return patch;
}
