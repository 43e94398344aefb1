import type { Redis } from 'ioredis';

/**
 * Disconnects a reader made to wait out an outage (`maxRetriesPerRequest: null`, the offline queue on)
 * and waits for the loop reading with it to end. Disconnected while it waits to reconnect (Redis away),
 * ioredis neither sends nor fails the command it holds, so that loop would never end and a server
 * told to stop would hang: its loop, which reads nothing more, is then not waited for.
 */
export async function closeBlockingReader(reader: Redis, loop: Promise<void>): Promise<void> {
  const away = reader.status === 'reconnecting';
  reader.disconnect();
  if (!away) await loop;
}
