/**
 * The bare ceiling the services are compared with: a Node HTTP server that streams every request body
 * to a file of its own and answers 201 when it is written (no parsing, no fsync). Run as its own process
 * by `baseline.ts`; logs one JSON line `{"msg":"listening","url":…}` when ready.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { serveBenchServer } from './bench-server.ts';

const dir = process.env.BASELINE_DIR;
if (!dir) throw new Error('BASELINE_DIR is not set');
await mkdir(dir, { recursive: true });
let count = 0;

const server = http.createServer((req, res) => {
  const file = path.join(dir, `${++count}.body`);
  pipeline(req, createWriteStream(file)).then(
    () => res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"state":"stored"}'),
    (error: unknown) => res.writeHead(500).end(String(error)),
  );
});
serveBenchServer(server);
