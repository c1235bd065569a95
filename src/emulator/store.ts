import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Records by id, kept in memory and, with a data directory, mirrored to one JSON file per record so that a restarted
 * emulator still knows its batches. Large payloads (file contents, results) go in blobs beside the records.
 */
export class Collection<T extends { id: string }> {
  private readonly records = new Map<string, T>();
  private readonly blobs = new Map<string, Buffer>();
  private readonly dir: string | undefined;

  constructor(dataDir: string | undefined, name: string) {
    if (!dataDir) return;
    this.dir = join(dataDir, name);
    mkdirSync(this.dir, { recursive: true });
    for (const entry of readdirSync(this.dir)) {
      if (entry.endsWith('.json')) {
        const record = JSON.parse(readFileSync(join(this.dir, entry), 'utf8')) as T;
        this.records.set(record.id, record);
      }
    }
  }

  get(id: string): T | undefined {
    return this.records.get(id);
  }

  all(): T[] {
    return [...this.records.values()];
  }

  /** Newest first, the order both providers list in. */
  newestFirst(createdAt: (record: T) => number): T[] {
    return [...this.records.values()].sort((a, b) => createdAt(b) - createdAt(a) || (a.id < b.id ? 1 : -1));
  }

  async save(record: T): Promise<void> {
    this.records.set(record.id, record);
    if (this.dir) await atomicWrite(join(this.dir, `${record.id}.json`), JSON.stringify(record));
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
    this.blobs.delete(id);
    if (this.dir) {
      await rm(join(this.dir, `${id}.json`), { force: true });
      await rm(join(this.dir, `${id}.blob`), { force: true });
    }
  }

  async saveBlob(id: string, data: Buffer): Promise<void> {
    this.blobs.set(id, data);
    if (this.dir) await atomicWrite(join(this.dir, `${id}.blob`), data);
  }

  async deleteBlob(id: string): Promise<void> {
    this.blobs.delete(id);
    if (this.dir) await rm(join(this.dir, `${id}.blob`), { force: true });
  }

  blob(id: string): Buffer | undefined {
    const cached = this.blobs.get(id);
    if (cached || !this.dir) return cached;
    const path = join(this.dir, `${id}.blob`);
    if (!existsSync(path)) return undefined;
    const data = readFileSync(path);
    this.blobs.set(id, data);
    return data;
  }
}

/** Temp names unique within the process: two saves of one record in the same millisecond must not share one. */
let writes = 0;

async function atomicWrite(path: string, data: string | Buffer): Promise<void> {
  const temp = `${path}.${process.pid}.${++writes}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}
