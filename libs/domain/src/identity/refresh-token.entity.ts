import { Column, ForeignKey, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Session } from './session.entity';

/** One refresh token; only its SHA-256 is stored. Spent once used: reuse revokes the session. */
@Entity('refresh_tokens')
@Index('IDX_refresh_tokens_session', ['sessionId'])
@Index('IDX_refresh_tokens_expires', ['expiresAt'])
export class RefreshToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Session, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  sessionId!: string;

  @Column('uuid')
  userId!: string;

  @Column('text', { unique: true })
  tokenHash!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  usedAt!: Date | null;
}
