import { openAsBlob } from 'node:fs';
import path from 'node:path';

/**
 * A multipart body whose file parts are backed by the staged files on disk: fetch streams them out in
 * chunks, so no file is ever held whole in memory on its way to a sibling service.
 */
export async function stagedForm(dir: string, files: readonly string[], fields: Record<string, string> = {}): Promise<FormData> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) {
    const blob = await openAsBlob(path.join(dir, file), { type: 'application/dicom' });
    form.append('files', blob, file);
  }
  return form;
}
