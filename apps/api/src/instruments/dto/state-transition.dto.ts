import { ApiProperty } from '@nestjs/swagger';
import {
  CONNECTION_STATES,
  ConnectionState,
  InstrumentStateTransition,
  STATE_TRANSITION_SOURCES,
  StateTransitionSource,
} from '@labwire/domain';

/** One change of an instrument's connection state. */
export class StateTransitionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: CONNECTION_STATES, enumName: 'ConnectionState' })
  from!: ConnectionState;

  @ApiProperty({ enum: CONNECTION_STATES, enumName: 'ConnectionState' })
  to!: ConnectionState;

  @ApiProperty({
    enum: STATE_TRANSITION_SOURCES,
    enumName: 'StateTransitionSource',
    description:
      'status: its status topic (a message or its last will); telemetry: data stored after it was offline; ' +
      'silence: no data for twice its expected interval plus 10 s',
  })
  source!: StateTransitionSource;

  @ApiProperty({ example: 'no data for 75 s (expected every 30 s)' })
  reason!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  static from(t: InstrumentStateTransition): StateTransitionDto {
    return {
      id: t.id,
      from: t.fromState,
      to: t.toState,
      source: t.source,
      reason: t.reason,
      at: new Date(t.at).toISOString(),
    };
  }
}
