import type { GatewayConfig } from '../config.ts';
import { createServiceAgent, type ServiceAgent } from './service-call.ts';

/**
 * The gateway's connection pools to its two siblings, one per service, shared by every call made to it
 * (the pipeline's, the readiness probe, the browsing proxy, a send's file reads): keep-alive connections
 * opened for one kind of call serve the others.
 */
export interface SiblingAgents {
  validator: ServiceAgent;
  descriptor: ServiceAgent;
}

export function createSiblingAgents(config: Pick<GatewayConfig, 'validatorUrl' | 'descriptorUrl'>): SiblingAgents {
  return { validator: createServiceAgent(config.validatorUrl), descriptor: createServiceAgent(config.descriptorUrl) };
}
