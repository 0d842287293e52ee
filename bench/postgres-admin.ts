/**
 * Server-wide statements the benches need from an admin connection.
 */
import pg from 'pg';

async function withAdmin<T>(adminUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Flushes dirty buffers so each measured phase starts without the previous phase's checkpoint
 *  debt (a checkpoint landing mid-run would tax whichever phase it hit). Needs superuser or
 *  pg_checkpoint. */
export async function checkpoint(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, (client) => client.query('CHECKPOINT'));
}

export async function serverVersion(adminUrl: string): Promise<string> {
  return withAdmin(adminUrl, async (client) => {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  });
}
