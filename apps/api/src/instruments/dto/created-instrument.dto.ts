import { ApiProperty } from '@nestjs/swagger';
import { Instrument, InstrumentCredentials } from '@labwire/domain';
import { InstrumentDto } from './instrument.dto';

/** The new instrument and, this once, its MQTT credentials. */
export class CreatedInstrumentDto extends InstrumentDto {
  @ApiProperty({ format: 'uuid', description: 'MQTT username: the instrument id' })
  mqttUsername!: string;

  @ApiProperty({
    description: 'MQTT password, shown only in this answer; POST …/credentials/rotate issues a new one',
    example: 'q5yD0rWmQ9JmT6Xw7zB1e4cK2nHsVuLa',
  })
  mqttSecret!: string;

  static withCredentials(i: Instrument, c: InstrumentCredentials): CreatedInstrumentDto {
    return { ...InstrumentDto.from(i), mqttUsername: c.mqttUsername, mqttSecret: c.mqttSecret };
  }
}
