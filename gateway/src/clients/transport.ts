import { AppError, type Logger } from '@dsv/common';
import type { ServiceAgent } from './service-call.ts';

/**
 * How staged files reach a sibling service: 'reference' names them (the service reads them from the
 * staging folder on a disk it shares with the gateway), 'stream' sends their bytes over HTTP.
 */
export type Transport = 'reference' | 'stream';

export interface ServiceTarget {
  baseUrl: string;
  timeoutMs: number;
  internalToken: string;
  transport: Transport;
  logger?: Logger;
  /** The sibling's connection pool, when the caller shares one; absent, the client opens its own. */
  agent?: ServiceAgent;
}

/**
 * Sends by reference until the service answers that it cannot see the staged files (a service on another
 * host, or one without a stagingDir), then streams, for that call and every later one: a misconfigured
 * deployment is slower, never broken.
 */
export class TransportChoice {
  private mode: Transport;
  private readonly logger: Logger | undefined;

  constructor(
    private readonly service: 'validator' | 'descriptor',
    target: Pick<ServiceTarget, 'transport' | 'logger'>,
  ) {
    this.mode = target.transport;
    this.logger = target.logger;
  }

  async send<T>(byReference: () => Promise<T>, byStream: () => Promise<T>): Promise<T> {
    if (this.mode === 'stream') return byStream();
    try {
      return await byReference();
    } catch (error) {
      if (!(error instanceof AppError && error.details?.code === 'STAGED_FILE_UNAVAILABLE')) throw error;
      this.mode = 'stream';
      this.logger?.warn(
        { service: this.service, code: 'STAGED_FILE_UNAVAILABLE' },
        'the service cannot read the staged files: streaming them from now on (pipeline.transport "stream" skips the attempt)',
      );
      return byStream();
    }
  }
}
