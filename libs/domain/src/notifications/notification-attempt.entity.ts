import { Column, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { NotificationDelivery } from './notification-delivery.entity';

/** One try at a delivery: when, how long it took, and what the receiver answered. */
@Entity('notification_attempts')
@Unique('UQ_notification_attempts_delivery_attempt', ['deliveryId', 'attempt'])
export class NotificationAttempt {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => NotificationDelivery, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  deliveryId!: string;

  /** 1 for the first try */
  @Column('int')
  attempt!: number;

  @Column('timestamptz')
  startedAt!: Date;

  @Column('int')
  latencyMs!: number;

  @Column('boolean')
  ok!: boolean;

  @Column('int', { nullable: true })
  statusCode!: number | null;

  @Column('text', { nullable: true })
  error!: string | null;
}
