import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const PLATFORM_ROLES = ['admin', 'user'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];
export const USER_STATUSES = ['pending', 'active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

@Entity('users')
@Check('CHK_users_role', `role IN ('admin', 'user')`)
@Check('CHK_users_status', `status IN ('pending', 'active', 'disabled')`)
@Check('CHK_users_email_lower', `email = lower(email)`)
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stored lower-cased, so the unique index makes emails unique ignoring case. */
  @Column('text', { unique: true })
  email!: string;

  @Column('text')
  fullName!: string;

  @Column('text', { default: 'user' })
  role!: PlatformRole;

  @Column('text', { default: 'pending' })
  status!: UserStatus;

  @Column('text')
  passwordHash!: string;

  @Column('timestamptz', { nullable: true })
  lastLoginAt!: Date | null;

  /** when the owner proved the address (followed a verification, reset or invitation link) */
  @Column('timestamptz', { nullable: true })
  emailVerifiedAt!: Date | null;

  /** when an administrator approved the account (USERS_APPROVAL_FLOW admin or email+admin) */
  @Column('timestamptz', { nullable: true })
  approvedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
