import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DescribeRequest } from '@dsv/common';
import { describeRequest, type UploadFile } from './describe-request.ts';
import { listTree } from './descriptor-app.ts';

export const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/**
 * Stages the files in `<stagingDir>/<id>/` as the gateway does and builds the request that names them by
 * reference, each with its size and sha256.
 */
export async function stageForReference(
  stagingDir: string,
  id: string,
  files: readonly UploadFile[],
  report?: Parameters<typeof describeRequest>[2],
): Promise<DescribeRequest> {
  const dir = path.join(stagingDir, id);
  await mkdir(dir, { recursive: true });
  const body = describeRequest(id, files, report);
  for (const [index, { file, source }] of files.entries()) {
    await copyFile(source, path.join(dir, file));
    body.files[index] = { ...body.files[index]!, sizeBytes: (await stat(source)).size, sha256: await sha256(source) };
  }
  return body;
}

/** What is left in the assembly folders (`.incoming/`) of studies/ and rejected/. */
export async function incomingEntries(config: { studiesDir: string; rejectedDir: string }): Promise<string[]> {
  return [...(await listTree(path.join(config.studiesDir, '.incoming'))), ...(await listTree(path.join(config.rejectedDir, '.incoming')))];
}
