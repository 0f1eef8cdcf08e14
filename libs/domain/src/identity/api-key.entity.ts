import { Column, ForeignKey, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity';

/** A long-lived credential for SDKs and scheduled clients; acts as its user. Stored hashed. */
@Entity('api_keys')
@Index('IDX_api_keys_user', ['userId'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => User, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  userId!: string;

  @Column('text')
  name!: string;

  /** The public first part of the key (`lw_<prefix>_…`), shown in lists to tell keys apart. */
  @Column('text', { unique: true })
  prefix!: string;

  @Column('text')
  keyHash!: string;

  @Column('timestamptz', { nullable: true })
  lastUsedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  expiresAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
