import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../identity/user.entity';

export const ACCOUNT_TOKEN_PURPOSES = ['verify_email', 'reset_password'] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/**
 * A single-use secret mailed to a user: an email verification (of a new account, or of the new
 * address when changing it) or a password reset. Only its SHA-256 is stored.
 */
@Entity('account_tokens')
@Check('CHK_account_tokens_purpose', `purpose IN ('verify_email', 'reset_password')`)
@Index('IDX_account_tokens_user', ['userId', 'purpose'])
export class AccountToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => User, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  userId!: string;

  @Column('text')
  purpose!: AccountTokenPurpose;

  @Index('UQ_account_tokens_hash', { unique: true })
  @Column('text')
  tokenHash!: string;

  /** the address the mail went to: the one verified (a changed email's new address) */
  @Column('text')
  email!: string;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
