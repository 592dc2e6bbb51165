import { z } from 'zod';
import { isLoopbackHost } from '../http/require-token.ts';

export const internalToken = z
  .string()
  .describe(
    'Secret the gateway sends to the validator and descriptor (Authorization: Bearer). Required when host is not a loopback address; empty on loopback: no check',
  );

/**
 * A service that other hosts can reach must not run open: with a non-loopback host, the secret at
 * `path` is required, and start-up stops naming it and the variable that sets it.
 */
export function requireSecretOffLoopback(
  config: { host: string },
  secret: string | readonly string[],
  path: string[],
  variable: string,
  ctx: z.RefinementCtx,
): void {
  if (isLoopbackHost(config.host) || secret.length > 0) return;
  ctx.addIssue({ code: 'custom', path, message: `required when host is not a loopback address (${config.host}); set ${variable}` });
}
