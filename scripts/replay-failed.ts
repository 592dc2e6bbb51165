/**
 * `npm run replay [-- --wait]`: runs every failed study again through the running gateway's
 * POST /studies/<id>/retry, oldest first, and prints one line per study. After an outage of the validator
 * or the descriptor (or a full disk) is over, this is how the studies it failed get stored.
 *
 * The gateway: $GATEWAY_URL, else the host and port of config/gateway.json, else http://127.0.0.1:3000.
 * $GATEWAY_API_KEY is sent as a bearer token when the gateway asks for API keys. `--wait` waits for each
 * study's final state before the next one (one at a time, so a large backlog does not flood the
 * pipeline). Exit code: 0 when every study was taken (and, with --wait, none failed again), 1 when some
 * were not, 2 when the gateway cannot be asked.
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { loadGatewayConfig } from '../gateway/src/config.ts';

const DEFAULT_URL = 'http://127.0.0.1:3000';

interface StudyLine {
  id: string;
  state: string;
  outcome: { code: string; httpStatus: number } | null;
}

/** What the script reads of the gateway's answers: an error, a page of failed studies, or one study's status. */
interface GatewayAnswer {
  error?: { code: string; message?: string };
  uploads?: StudyLine[];
  nextCursor?: string | null;
  state?: string;
  outcome?: { code: string } | null;
}

function gatewayUrl(env: NodeJS.ProcessEnv): string {
  if (env.GATEWAY_URL) return env.GATEWAY_URL;
  try {
    const { host, port } = loadGatewayConfig(env);
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  } catch {
    return DEFAULT_URL;
  }
}

async function call(url: string, method: 'GET' | 'POST', apiKey: string | undefined): Promise<{ status: number; body: GatewayAnswer }> {
  const response = await request(url, { method, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const text = await response.body.text();
  let body: GatewayAnswer;
  try {
    body = (JSON.parse(text) as GatewayAnswer | null) ?? {};
  } catch {
    body = { error: { code: `HTTP_${response.statusCode}`, message: text.slice(0, 200) } };
  }
  return { status: response.statusCode, body };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { wait: { type: 'boolean', default: false } }, strict: true });
  const base = gatewayUrl(process.env);
  const apiKey = process.env.GATEWAY_API_KEY || undefined;
  const failed: StudyLine[] = [];
  try {
    // Every page first, then the retries: a retried study leaves 'failed' and would shift the pages.
    let cursor: string | null = null;
    do {
      const page = new URL('/status?state=failed', base);
      if (cursor) page.searchParams.set('cursor', cursor);
      const listed = await call(page.href, 'GET', apiKey);
      if (listed.status !== 200) {
        process.stderr.write(`replay: ${base} answered ${listed.status} ${listed.body.error?.code ?? ''}\n`);
        return 2;
      }
      failed.push(...(listed.body.uploads ?? []));
      cursor = listed.body.nextCursor ?? null;
    } while (cursor);
  } catch (error) {
    process.stderr.write(`replay: cannot reach the gateway at ${base}: ${(error as Error).message}\n`);
    return 2;
  }
  if (failed.length === 0) {
    console.log(`replay: no failed study at ${base}`);
    return 0;
  }
  let notTaken = 0;
  for (const study of failed) {
    const before = study.outcome ? `${study.outcome.code} ${study.outcome.httpStatus}` : 'failed';
    const answer = await call(new URL(`/studies/${study.id}/retry${values.wait ? '?wait=true' : ''}`, base).href, 'POST', apiKey).catch(
      (error: unknown) => ({ status: 0, body: { error: { code: 'UNREACHABLE', message: (error as Error).message } } as GatewayAnswer }),
    );
    const body = answer.body;
    let after: string;
    if (body.error) {
      after = `not retried: ${answer.status} ${body.error.code}`;
      notTaken++;
    } else if (values.wait) {
      after = `${body.state} ${body.outcome?.code ?? ''} ${answer.status}`.trim();
      if (body.state === 'failed') notTaken++;
    } else {
      after = `${body.state} (${answer.status})`;
    }
    console.log(`${study.id}  ${before}  ->  ${after}`);
  }
  console.log(
    `replay: ${failed.length - notTaken} of ${failed.length} failed studies ${values.wait ? 'ran again without failing' : 'taken again'}`,
  );
  return notTaken === 0 ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`replay: ${(error as Error).message}\n`);
  return 2;
});
