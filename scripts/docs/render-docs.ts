/**
 * The reference tables of the README and of docs/ are rendered from the code (the error table, the
 * finding catalog, the events, the config schemas and their environment bindings), so they cannot drift
 * from it: `npm run docs` rewrites them, and a test fails when a committed file differs from what this
 * renders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, EventDocs, EventOwners, EventTypes, FindingCodes, type EnvBinding } from '@dsv/common';
import { z } from 'zod';
import { DescriptorConfigSchema, DescriptorEnv } from '../../descriptor/src/config.ts';
import { GatewayConfigSchema, GatewayEnv } from '../../gateway/src/config.ts';
import { ValidatorConfigSchema, ValidatorEnv } from '../../validator/src/config.ts';

const services = [
  { name: 'gateway', schema: GatewayConfigSchema, env: GatewayEnv },
  { name: 'validator', schema: ValidatorConfigSchema, env: ValidatorEnv },
  { name: 'descriptor', schema: DescriptorConfigSchema, env: DescriptorEnv },
] as const;

type Block = 'finding-codes' | 'error-codes' | 'error-summary' | 'events' | 'config';

/** Each document, relative to the project root, and the generated blocks it holds. */
export const GeneratedDocs: Readonly<Record<string, readonly Block[]>> = {
  'README.md': ['error-summary', 'events'],
  'docs/config.md': ['config'],
  'docs/errors.md': ['error-codes'],
  'docs/validation.md': ['finding-codes'],
};

const renderers: Record<Block, (root: string) => string> = {
  'finding-codes': renderFindingCodes,
  'error-codes': renderErrorCodes,
  'error-summary': renderErrorSummary,
  events: renderEvents,
  config: renderConfig,
};

/** `text`, the content of `file`, with each of its generated blocks rendered again. */
export function renderDoc(file: string, text: string, root: string): string {
  const blocks = GeneratedDocs[file];
  if (!blocks) throw new Error(`${file} holds no generated block`);
  return blocks.reduce((out, key) => replaceBetween(out, key, renderers[key](root)), text);
}

function replaceBetween(text: string, key: string, body: string): string {
  const begin = `<!-- BEGIN generated:${key} (npm run docs) -->`;
  const end = `<!-- END generated:${key} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no markers for ${key}`);
  return `${text.slice(0, from + begin.length)}\n${body}\n${text.slice(to)}`;
}

const cell = (value: string): string => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function renderFindingCodes(): string {
  const rows = Object.entries(FindingCodes).map(
    ([code, info]) => `| \`${code}\` | ${info.category} | ${info.severity} | ${cell(info.meaning)} | ${cell(info.example)} |`,
  );
  return ['| code | category | default severity | meaning | example |', '|---|---|---|---|---|', ...rows].join('\n');
}

function renderErrorCodes(): string {
  const rows = Object.entries(ErrorCodes).map(([code, info]) => `| \`${code}\` | ${info.status} | ${cell(info.message)} |`);
  return ['| code | HTTP status | message |', '|---|---|---|', ...rows].join('\n');
}

/** One line per HTTP status and the codes that answer it; docs/errors.md gives their messages. */
function renderErrorSummary(): string {
  const byStatus = new Map<number, string[]>();
  for (const [code, info] of Object.entries(ErrorCodes)) byStatus.set(info.status, [...(byStatus.get(info.status) ?? []), code]);
  const rows = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, codes]) => `| ${status} | ${codes.map((code) => `\`${code}\``).join(', ')} |`);
  return ['| HTTP status | codes |', '|---|---|', ...rows].join('\n');
}

function renderEvents(): string {
  const rows = EventTypes.map((type) => {
    const doc = EventDocs[type];
    return `| \`${type}\` | ${EventOwners[type]} | ${cell(doc.meaning)} | ${doc.data.map((key) => `\`${String(key)}\``).join(', ')} |`;
  });
  return ['| event | emitted by | meaning | data |', '|---|---|---|---|', ...rows].join('\n');
}

interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  format?: string;
}

function renderConfig(root: string): string {
  const sections: string[] = [];
  for (const service of services) {
    const file = JSON.parse(readFileSync(path.join(root, 'config', `${service.name}.json`), 'utf8')) as Record<string, unknown>;
    const schema = z.toJSONSchema(service.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const rows: string[] = [];
    walk(schema, [], (key, node) => {
      const env = (service.env as readonly EnvBinding[]).find((binding) => binding.key === key)?.env;
      const value = key.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], file);
      rows.push(
        `| \`${key}\` | ${typeName(node)} | \`${cell(JSON.stringify(value) ?? '')}\` | ${env ? `\`${env}\`` : ''} | ${cell(node.description ?? '')} |`,
      );
    });
    sections.push(
      `## \`config/${service.name}.json\`\n\n| key | type | default | environment | meaning |\n|---|---|---|---|---|\n${rows.join('\n')}`,
    );
  }
  const shared = '`CONFIG_DIR` (all services): the folder holding the three files (default `./config`).';
  return `${sections.join('\n\n')}\n\n${shared}`;
}

function walk(node: JsonSchema, prefix: string[], visit: (key: string, node: JsonSchema) => void): void {
  if (node.type === 'object' && node.properties) {
    for (const [name, child] of Object.entries(node.properties)) walk(child, [...prefix, name], visit);
    return;
  }
  visit(prefix.join('.'), node);
}

function typeName(node: JsonSchema): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(', ');
  if (node.type === 'array') return `list of ${typeName(node.items ?? {})}`;
  if (node.anyOf) return node.anyOf.map(typeName).join(' or ');
  if (node.format === 'uri') return 'URL';
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'value');
}
