/**
 * `npm run reindex`, with the descriptor stopped: rebuilds the catalogue (<dataDir>/descriptor.db) from
 * studiesDir and rejectedDir of config/descriptor.json (or $STUDIES_DIR, $REJECTED_DIR, $DATA_DIR), and
 * merges study folders of earlier versions (one folder per upload) into one folder per StudyInstanceUID.
 * Prints what it found. Exit code 0, or 2 for a bad config.
 */
import { ConfigError } from '@dsv/common';
import { openArchive } from '../descriptor/src/app.ts';
import { reindexFolders } from '../descriptor/src/archive/reindex-folders.ts';
import { loadDescriptorConfig } from '../descriptor/src/config.ts';

try {
  const config = loadDescriptorConfig();
  const { catalogue, documents } = openArchive(config);
  try {
    const report = await reindexFolders(config, catalogue, documents);
    console.log(
      `${report.studies} studies (${report.instances} instances), ${report.rejected} rejected deliveries; ` +
        `${report.mergedFolders} folders of earlier versions merged, ${report.duplicatesDropped} identical copies dropped, ` +
        `${report.conflictsSetAside} other versions set aside under ${config.rejectedDir}`,
    );
  } finally {
    catalogue.close();
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`reindex: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
