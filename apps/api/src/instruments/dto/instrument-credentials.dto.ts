import { ApiProperty } from '@nestjs/swagger';
import { InstrumentCredentials } from '@labwire/domain';

/** An instrument's MQTT sign-in, returned once when it is issued; Labwire keeps no copy of the secret. */
export class InstrumentCredentialsDto {
  @ApiProperty({ format: 'uuid', description: 'MQTT username: the instrument id' })
  mqttUsername!: string;

  @ApiProperty({
    description: 'MQTT password. Shown this once: store it in the instrument; rotate to get a new one',
    example: 'q5yD0rWmQ9JmT6Xw7zB1e4cK2nHsVuLa',
  })
  mqttSecret!: string;

  static from(c: InstrumentCredentials): InstrumentCredentialsDto {
    return { mqttUsername: c.mqttUsername, mqttSecret: c.mqttSecret };
  }
}
