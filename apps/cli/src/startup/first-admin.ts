import { DataSource } from 'typeorm';
import { AppConfig } from '@labwire/core';
import { createUserService } from '../domain-services';
import { generatePassword } from '../generate-password';

export type FirstAdminResult =
  | { created: false }
  | { created: true; email: string; /** set when ADMIN_PASSWORD was not given */ generatedPassword?: string };

/**
 * Creates the first administrator from ADMIN_EMAIL / ADMIN_PASSWORD when the platform has no user at
 * all; a generated password is returned so it can be shown once. Never touches existing users.
 */
export async function ensureFirstAdmin(ds: DataSource, config: Pick<AppConfig, 'admin'>): Promise<FirstAdminResult> {
  const users = createUserService(ds);
  if ((await users.count()) > 0) return { created: false };
  const password = config.admin.password ?? generatePassword();
  const admin = await users.create({
    email: config.admin.email,
    fullName: 'Administrator',
    password,
    role: 'admin',
    status: 'active',
  });
  return { created: true, email: admin.email, generatedPassword: config.admin.password ? undefined : password };
}
