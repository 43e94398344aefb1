import type { SqliteDatabase } from './db';

export interface ServingKeyInfo {
  name: string;
  /** The pipelines it may call; null: every pipeline. */
  pipelines: string[] | null;
  /** ISO 8601. */
  createdAt: string;
  lastUsedAt: string | null;
}

/** A key as the auth check reads it: its hash, never the key. */
export interface StoredKeyHash {
  name: string;
  hash: Buffer;
  pipelines: string[] | null;
}

export interface KeyStore {
  /** False when the name is taken. */
  create(key: { name: string; hash: string; pipelines: string[] | null; createdAt: number }): Promise<boolean>;
  list(): Promise<ServingKeyInfo[]>;
  /** Revoking forgets the key: it is then unknown. False when there was none. */
  revoke(name: string): Promise<boolean>;
  /** Every live key's hash, for a constant-time comparison with each. */
  hashes(): Promise<StoredKeyHash[]>;
  touch(name: string, at: number): Promise<void>;
}

interface Row {
  name: string;
  hash: string;
  pipelines: string | null;
  created_at: number;
  last_used_at: number | null;
}

export class SqliteKeyStore implements KeyStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      insert: db.prepare('INSERT INTO serving_keys (name, hash, pipelines, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      list: db.prepare<[], Row>('SELECT * FROM serving_keys ORDER BY name'),
      revoke: db.prepare('DELETE FROM serving_keys WHERE name = ?'),
      hashes: db.prepare<[], Pick<Row, 'name' | 'hash' | 'pipelines'>>('SELECT name, hash, pipelines FROM serving_keys'),
      touch: db.prepare('UPDATE serving_keys SET last_used_at = ? WHERE name = ?'),
    };
  }

  async create(key: { name: string; hash: string; pipelines: string[] | null; createdAt: number }) {
    return this.stmts.insert.run(key.name, key.hash, key.pipelines ? JSON.stringify(key.pipelines) : null, key.createdAt).changes === 1;
  }

  async list() {
    return this.stmts.list.all().map((r) => ({
      name: r.name,
      pipelines: r.pipelines === null ? null : (JSON.parse(r.pipelines) as string[]),
      createdAt: new Date(r.created_at).toISOString(),
      lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at).toISOString(),
    }));
  }

  async revoke(name: string) {
    return this.stmts.revoke.run(name).changes === 1;
  }

  async hashes() {
    return this.stmts.hashes.all().map((r) => ({ name: r.name, hash: Buffer.from(r.hash, 'hex'), pipelines: r.pipelines === null ? null : (JSON.parse(r.pipelines) as string[]) }));
  }

  async touch(name: string, at: number) {
    this.stmts.touch.run(at, name);
  }
}
