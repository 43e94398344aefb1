import Database from 'better-sqlite3';
import type { DemoOrder } from './demo-content';

/** Writes the demo's orders table, which the workspace config exposes as the read-only `orders` sql tool. */
export function writeOrdersDatabase(file: string, orders: DemoOrder[]): void {
  const db = new Database(file);
  try {
    db.exec('CREATE TABLE orders (number INTEGER PRIMARY KEY, status TEXT NOT NULL, eta TEXT, carrier TEXT)');
    const insert = db.prepare('INSERT INTO orders (number, status, eta, carrier) VALUES (@number, @status, @eta, @carrier)');
    db.transaction(() => {
      for (const o of orders) insert.run({ number: o.number, status: o.status, eta: o.eta ?? null, carrier: o.carrier ?? null });
    })();
  } finally {
    db.close();
  }
}
