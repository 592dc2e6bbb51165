import { runService } from '@dsv/common';
import { loadGatewayConfig } from './config.ts';
import { startGateway } from './server.ts';

await runService('gateway', () => startGateway(loadGatewayConfig()));
