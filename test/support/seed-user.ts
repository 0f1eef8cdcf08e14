import { Client } from 'pg';
import { PasswordHasher } from '../../libs/domain/src/identity/password-hasher';

/** Inserts an active user straight into a database (for tests that drive a separate api process). */
export async function seedUser(
  dbUrl: string,
  email: string,
  password: string,
  role: 'admin' | 'user' = 'user',
): Promise<string> {
  const hash = await new PasswordHasher().hash(password);
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const res = await client.query<{ id: string }>(
      `INSERT INTO users (email, full_name, role, status, password_hash) VALUES ($1, $2, $3, 'active', $4) RETURNING id`,
      [email.toLowerCase(), 'Seeded User', role, hash],
    );
    return res.rows[0].id;
  } finally {
    await client.end();
  }
}
