import { databaseBytes, type FolderBytes } from './file-sizes.ts';
import type { ServiceMetrics } from './service-metrics.ts';

export interface StorageSources {
  /** Name (e.g. 'gateway.db') → the SQLite file. */
  databases?: Record<string, string>;
  /** Name (e.g. 'studies') → how to count its bytes without walking a huge tree at each scrape. */
  folders?: Record<string, () => FolderBytes | Promise<FolderBytes>>;
}

/** dsv_database_bytes{database} and dsv_folder_bytes{folder}, read at each scrape. */
export function addStorageGauges(metrics: ServiceMetrics, sources: StorageSources): void {
  const databases = Object.entries(sources.databases ?? {});
  const folders = Object.entries(sources.folders ?? {});
  if (databases.length > 0) {
    metrics.addLabelledGauge('database_bytes', 'SQLite database on disk, with its write-ahead log', ['database'], () =>
      Promise.all(databases.map(async ([database, file]) => ({ labels: { database }, value: await databaseBytes(file) }))),
    );
  }
  if (folders.length === 0) return;
  // Both gauges come from one reading per folder, taken when the first is collected.
  let reading: Promise<[string, FolderBytes][]> | null = null;
  const read = (): Promise<[string, FolderBytes][]> => {
    reading ??= Promise.all(folders.map(async ([folder, count]) => [folder, await count()] as [string, FolderBytes])).finally(() => {
      setImmediate(() => (reading = null));
    });
    return reading;
  };
  metrics.addLabelledGauge(
    'folder_bytes',
    'Bytes of the files in a folder (a lower bound where folder_bytes_complete is 0)',
    ['folder'],
    async () => (await read()).map(([folder, size]) => ({ labels: { folder }, value: size.bytes })),
  );
  metrics.addLabelledGauge(
    'folder_bytes_complete',
    '1 when folder_bytes counted the whole folder, 0 when the walk stopped at its bound',
    ['folder'],
    async () => (await read()).map(([folder, size]) => ({ labels: { folder }, value: size.complete ? 1 : 0 })),
  );
}
